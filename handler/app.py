"""Lambda entry for POST /sessions: API Gateway event in, HTTP response out. No business rules here."""

import time
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from snapshot_restore_py import register_after_restore, register_before_snapshot

from handler.client_check import UNAUTHORIZED, ClientRefused, authenticated_client
from handler.failures import answer_salesforce_failure, query_name_problems, register_failure_answers
from handler.observability import call_log, count, count_by, count_call_durations, logger, metrics, request_id
from handler.problems import DOCUMENTED_ANSWERS, as_proxy_response, problem, refusal_before_validation
from handler.snapstart import prime_before_snapshot, refresh_after_restore
from handler.strict_json import json_object_loads, with_json_media_type_in_lower_case
from session_scheduling.errors import ClientCheckUnavailable, SalesforceOutcomeUnknown, ServiceMisconfigured
from session_scheduling.idempotency import RetryGuard, ScheduleCall
from session_scheduling.outside_calls import CallRecord, report_aws_calls_to
from session_scheduling.request import ATTENDANCE_TASK_QUERY, AttendanceTaskFlag, IdempotencyKey, SessionRequest
from session_scheduling.response import SessionCreated
from session_scheduling.salesforce.credentials import read_secret
from session_scheduling.salesforce.gateway import SalesforceGateway
from session_scheduling.session_scheduler import ScheduleReport, SessionScheduler
from session_scheduling.settings import load_settings

app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=json_object_loads)
QUERY_NAMES = (ATTENDANCE_TASK_QUERY,)
register_failure_answers(app, QUERY_NAMES)

# This invocation's Salesforce, Secrets Manager and DynamoDB calls (its log line, the Salesforce metric, the bench).
calls: list[CallRecord] = []
report_aws_calls_to(calls.append)


@cache
def salesforce_gateway() -> SalesforceGateway:
    """One gateway per container: the token and the HTTPS connection outlive the invocation."""
    settings = load_settings()
    return SalesforceGateway(
        read_secret=lambda: read_secret(settings.salesforce_secret_id, settings.secret_max_age_seconds),
        timeouts=settings.timeouts,
        on_call=calls.append,
        seconds_left=_seconds_left,
    )


def _seconds_left() -> float:
    """The invocation's remaining time; a caller's context without Lambda's clock sets no limit."""
    remaining = getattr(app.lambda_context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if callable(remaining) else float("inf")


@cache
def retry_guard() -> RetryGuard:
    settings = load_settings()
    if settings.idempotency_table_name is None:
        logger.warning("IDEMPOTENCY_TABLE_NAME is not set: retries are not recognised and may create duplicates")
    return RetryGuard(settings.idempotency_table_name, settings.idempotency_window_seconds)


@app.post(
    "/sessions",
    summary="Schedule a practice session",
    description="Creates a Session__c and, with a CoachId, its Take Attendance task and attendance rows, atomically.",
    responses=DOCUMENTED_ANSWERS,
    tags=["sessions"],
)
def create_session(
    session: Annotated[SessionRequest, Body(description="The session to schedule")],
    create_attendance_task: Annotated[
        AttendanceTaskFlag, Query(alias=ATTENDANCE_TASK_QUERY, description="Also create the attendance task")
    ] = True,
    idempotency_key: Annotated[
        IdempotencyKey | None,
        Header(
            alias="Idempotency-Key",
            description="Repeat the same key and body within 24 h to get the first answer again. A key belongs "
            "to the calling client (its client_id, API key or IAM caller): another client's equal key is another "
            "request",
        ),
    ] = None,
) -> Response[SessionCreated]:
    # On every line from here on, the request finished line too: a failure notice names them (record IDs, no names).
    logger.append_keys(team_season_id=session.TeamSeasonId, coach_id=session.CoachId)
    if query_name_problems(app.current_event.query_string_parameters, QUERY_NAMES):
        # The body was valid: the 400's handler adds the query's near misses, as it does to a body's problems.
        raise RequestValidationError([])
    settings = load_settings()
    scheduler = SessionScheduler(salesforce_gateway, settings, settings.lost_answer_settle_seconds)
    report = scheduler.report
    call = ScheduleCall(
        idempotency_key=idempotency_key,
        caller=_caller(),
        request=session,
        create_attendance_task=create_attendance_task,
    )
    try:
        created = retry_guard().run(call, scheduler, app.lambda_context)
    except SalesforceOutcomeUnknown:
        raise report.unknown_outcome() from None  # the specific cause, and whether this request lost it
    finally:
        _count_lost_answers(report)
    if report.created:
        count("SessionsCreated")
        count("TasksCreated", 1 if created.TaskId else 0)
        count("AttendanceRowsCreated", len(created.Attendances))
    logger.append_keys(
        session_id=created.SessionId,
        task_id=created.TaskId,
        attendance_rows=len(created.Attendances),
        replayed=not report.created and not report.looks,
        reconciled="found" in report.looks,
    )
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=created)


def _caller() -> str | None:
    """Whose Idempotency-Key it is: the app's checked client_id, else the API key or IAM caller API Gateway let in."""
    client = app.context.get("client_id")  # checked before routing (AuthMode CLIENT_ID)
    if client:
        return f"client_id:{client}"
    identity = app.current_event.request_context.identity
    if identity.api_key_id:
        return f"api_key:{identity.api_key_id}"  # the key's id, never the key itself
    return f"iam:{identity.user_arn}" if identity.user_arn else None


def _count_lost_answers(report: ScheduleReport) -> None:
    """Lost answers and each look for what they committed, for docs/operations.md's dashboard and logs."""
    if report.answer_lost:
        count("LostAnswers")
    for result in report.looks:
        count_by("Reconciliations", result=result)
    if report.looks:
        failed = {"reconciliation_error_code": report.look_error} if report.look_error else {}
        logger.info("looked for a lost answer's records", extra={"reconciliation": report.looks, **failed})


def _refusal_before_routing(event: dict[str, Any]) -> Response[Any] | None:
    """What is decided before the route runs: the caller (as API Gateway would), then the body's size and type."""
    headers = event.get("headers") or {}
    try:
        client = authenticated_client(headers, load_settings())
    except ServiceMisconfigured as misconfigured:
        return answer_salesforce_failure(misconfigured)  # the route's own answer to it
    except ClientRefused:
        count("ClientsRefused")
        logger.info("client refused", extra={"outcome": 401})
        return problem(401, UNAUTHORIZED)
    except ClientCheckUnavailable as unavailable:
        logger.error("allowed clients unavailable", extra={"outcome": "error", "reason": unavailable.reason})
        return problem(500, "The service cannot check client credentials right now.", requestId=request_id())
    if client is not None:
        app.append_context(client_id=client)  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated
        logger.append_keys(client_id=client)
        count_by("ClientRequests", client_id=client)
    return refusal_before_validation(headers, event.get("body"), bool(event.get("isBase64Encoded")))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.perf_counter()
    calls.clear()
    app.clear_context()  # type: ignore[no-untyped-call]  # unannotated in Powertools; a refusal skips resolve()
    refusal = _refusal_before_routing(event)
    response = (
        as_proxy_response(refusal) if refusal else app.resolve(with_json_media_type_in_lower_case(event), context)
    )
    salesforce_calls = sum(1 for call in calls if call.service == "salesforce")
    count("SalesforceCalls", salesforce_calls)
    count_call_durations(calls)
    logger.info(
        "request finished",
        extra={
            "outcome": response["statusCode"],
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "salesforce_calls": salesforce_calls,
            "calls": call_log(calls),
        },
    )
    return response


# SnapStart's runtime hooks (the python3.13 runtime provides snapshot_restore_py); without SnapStart
# they are registered and never called.
register_before_snapshot(prime_before_snapshot, app, retry_guard, salesforce_gateway)
register_after_restore(refresh_after_restore)
