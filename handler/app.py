"""Lambda entry for POST /sessions: API Gateway event in, HTTP response out. No business rules here."""

import logging
import time
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from snapshot_restore_py import register_after_restore, register_before_snapshot

from handler.client_check import UNAUTHORIZED, ClientRefused, authenticated_client
from handler.problems import (
    DOCUMENTED_ANSWERS,
    as_proxy_response,
    invalid_request,
    outcome_unknown,
    problem,
    refusal_before_validation,
    salesforce_failed,
)
from handler.snapstart import prime_before_snapshot, refresh_after_restore
from handler.strict_json import json_object_loads
from session_scheduling.errors import (
    ClientCheckUnavailable,
    SalesforceFailure,
    SalesforceOutcomeUnknown,
    ServiceMisconfigured,
)
from session_scheduling.idempotency import RetryGuard, ScheduleCall
from session_scheduling.lost_answers import (
    EarlierAttemptConflict,
    EarlierAttemptSettling,
    ScheduleReport,
    SessionScheduler,
)
from session_scheduling.request import AttendanceTaskFlag, SessionRequest
from session_scheduling.response import SessionCreated
from session_scheduling.salesforce.credentials import read_secret
from session_scheduling.salesforce.gateway import CallRecord, SalesforceGateway
from session_scheduling.settings import load_settings

METRICS_NAMESPACE = "CoachingPlatform"
# botocore logs whole request and response bodies at DEBUG, the Secrets Manager answer included:
# whatever the log level, its records stop at INFO.
logging.getLogger("botocore").setLevel(logging.INFO)

logger = Logger()
# Only what the service uses is patched: Secrets Manager and DynamoDB calls (botocore), Salesforce HTTP (requests).
tracer = Tracer(auto_patch=True, patch_modules=("botocore", "requests"))
metrics = Metrics(namespace=METRICS_NAMESPACE)
app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=json_object_loads)

salesforce_calls: list[CallRecord] = []  # this invocation's Salesforce round trips (log line, metrics, bench)


@cache
def salesforce_gateway() -> SalesforceGateway:
    """One gateway per container: the token and the HTTPS connection outlive the invocation."""
    settings = load_settings()
    return SalesforceGateway(
        read_secret=lambda: read_secret(settings.salesforce_secret_id, settings.secret_max_age_seconds),
        timeouts=settings.timeouts,
        on_call=salesforce_calls.append,
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
@tracer.capture_method(capture_response=False)  # the answer names students: not for traces
def create_session(
    session: Annotated[SessionRequest, Body(description="The session to schedule")],
    create_attendance_task: Annotated[
        AttendanceTaskFlag, Query(alias="createAttendanceTask", description="Also create the attendance task")
    ] = True,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x20-\x7e]+$",
            description="Repeat the same key and body within 24 h to get the first answer again",
        ),
    ] = None,
) -> Response[SessionCreated]:
    settings = load_settings()
    scheduler = SessionScheduler(salesforce_gateway, settings, settings.lost_answer_settle_seconds)
    report = scheduler.report
    call = ScheduleCall(idempotency_key=idempotency_key, request=session, create_attendance_task=create_attendance_task)
    try:
        created = retry_guard().run(call, scheduler, app.lambda_context)
    finally:
        _count_lost_answers(report)
    if report.created:
        metrics.add_metric(name="SessionsCreated", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="TasksCreated", unit=MetricUnit.Count, value=1 if created.TaskId else 0)
        metrics.add_metric(name="AttendanceRowsCreated", unit=MetricUnit.Count, value=len(created.Attendances))
    logger.append_keys(
        session_id=created.SessionId,
        task_id=created.TaskId,
        attendance_rows=len(created.Attendances),
        replayed=not report.created and not report.looks,
        reconciled="found" in report.looks,
    )
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=created)


def _count_lost_answers(report: ScheduleReport) -> None:
    """Lost answers and each look for what they committed, for docs/operations.md's dashboard and logs."""
    if report.answer_lost:
        metrics.add_metric(name="LostAnswers", unit=MetricUnit.Count, value=1)
    for result in report.looks:
        with single_metric(name="Reconciliations", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE) as m:
            m.add_dimension(name="result", value=result)
    if report.looks:
        logger.info("looked for a lost answer's records", extra={"reconciliation": report.looks})


def _request_id() -> str | None:
    """API Gateway's request id, which is the logs' correlation id; an event without one still gets an answer."""
    correlation_id = logger.get_correlation_id()
    return correlation_id if isinstance(correlation_id, str) else None


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator] # Powertools leaves it untyped
def _invalid_request(error: RequestValidationError) -> Response[Any]:
    logger.info("request rejected", extra={"outcome": "invalid", "problems": len(error.errors())})
    return invalid_request(list(error.errors()))


@app.exception_handler(SalesforceFailure)  # type: ignore[untyped-decorator] # Powertools leaves it untyped
def _salesforce_failed(failure: SalesforceFailure) -> Response[Any]:
    metrics.add_metric(name="SalesforceFailures", unit=MetricUnit.Count, value=1)  # alarm: one series
    with single_metric(
        name="SalesforceErrors", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE
    ) as failure_metric:
        failure_metric.add_dimension(name="stage", value=failure.stage)
        failure_metric.add_dimension(name="error_code", value=failure.primary_code)
    logger.append_keys(stage=failure.stage, salesforce_error_code=failure.primary_code, retryable=failure.retryable)
    logger.error("Salesforce step failed", extra={"salesforce_errors": [e.message for e in failure.errors]})
    return salesforce_failed(failure, _request_id())


@app.exception_handler(IdempotencyAlreadyInProgressError)  # type: ignore[untyped-decorator] # untyped upstream
def _still_in_progress(_: IdempotencyAlreadyInProgressError) -> Response[Any]:
    return problem(409, "The same request is still being processed; retry in a few seconds to get its answer.")


@app.exception_handler(EarlierAttemptSettling)  # type: ignore[untyped-decorator] # untyped upstream
def _earlier_attempt_settling(settling: EarlierAttemptSettling) -> Response[Any]:
    return problem(
        409,
        "An earlier attempt of this request may still be completing in Salesforce; retry in "
        f"{max(1, round(settling.seconds_left))} seconds to get its answer.",
        requestId=_request_id(),
    )


@app.exception_handler(EarlierAttemptConflict)  # type: ignore[untyped-decorator] # untyped upstream
def _earlier_attempt_conflict(conflict: EarlierAttemptConflict) -> Response[Any]:
    """Never a second bundle: a person decides which records stand."""
    logger.error("lost answer's records are ambiguous", extra={"outcome": 409, "records": list(conflict.record_ids)})
    return problem(
        409,
        f"An earlier attempt of this request left records that do not match it cleanly ({conflict.reason}). "
        "Nothing was created; check these records in Salesforce.",
        records=list(conflict.record_ids),
        requestId=_request_id(),
    )


@app.exception_handler(IdempotencyValidationError)  # type: ignore[untyped-decorator] # untyped upstream
def _key_reused(_: IdempotencyValidationError) -> Response[Any]:
    return problem(422, "This Idempotency-Key was already used with a different body; use a new key.")


@app.exception_handler(IdempotencyPersistenceLayerError)  # type: ignore[untyped-decorator] # untyped upstream
def _retry_memory_unavailable(error: IdempotencyPersistenceLayerError) -> Response[Any]:
    """Fail closed: without the retry memory a retry could create a second session."""
    logger.error(
        "idempotency table unavailable",
        extra={"outcome": "unavailable", "error_type": type(error).__name__, "detail": repr(error.args)[:500]},
    )
    return problem(
        503,
        "The service cannot make sure this request runs only once right now; nothing was created. Retry shortly.",
        requestId=_request_id(),
    )


@app.exception_handler(ServiceError)  # type: ignore[untyped-decorator] # Powertools leaves it untyped
def _http_error(error: ServiceError) -> Response[Any]:
    """The resolver's own answers (404 for unknown routes and methods) keep their status."""
    return problem(error.status_code, str(error.msg))


@app.exception_handler(SalesforceOutcomeUnknown)  # type: ignore[untyped-decorator] # untyped upstream
def _outcome_unknown(lost: SalesforceOutcomeUnknown) -> Response[Any]:
    """Not a 500: a 500 promises that nothing was created, and here nobody knows."""
    metrics.add_metric(name="SalesforceFailures", unit=MetricUnit.Count, value=1)
    with single_metric(name="SalesforceErrors", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE) as m:
        m.add_dimension(name="stage", value="session")
        m.add_dimension(name="error_code", value="OUTCOME_UNKNOWN")
    logger.error("Salesforce answer lost", extra={"outcome": "unknown", "detail": lost.detail})
    return outcome_unknown(_request_id())


@app.exception_handler(Exception)  # type: ignore[untyped-decorator] # Powertools leaves it untyped
def _unexpected(error: Exception) -> Response[Any]:
    """A bug of ours: log it with its traceback, answer without one."""
    logger.exception("unexpected failure", extra={"outcome": "error", "error_type": type(error).__name__})
    return problem(500, "The service failed unexpectedly.", requestId=_request_id())


def _refusal_before_routing(event: dict[str, Any]) -> Response[Any] | None:
    """What is decided before the route runs: the caller (as API Gateway would), then the body's size and type."""
    headers = event.get("headers") or {}
    try:
        client = authenticated_client(headers, load_settings())
    except ServiceMisconfigured as misconfigured:
        answer: Response[Any] = _salesforce_failed(misconfigured)  # the route's own answer to it
        return answer
    except ClientRefused:
        metrics.add_metric(name="ClientsRefused", unit=MetricUnit.Count, value=1)
        logger.info("client refused", extra={"outcome": 401})
        return problem(401, UNAUTHORIZED)
    except ClientCheckUnavailable as unavailable:
        logger.error("allowed clients unavailable", extra={"outcome": "error", "reason": unavailable.reason})
        return problem(500, "The service cannot check client credentials right now.", requestId=_request_id())
    if client is not None:
        logger.append_keys(client_id=client)
        with single_metric(name="ClientRequests", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE) as m:
            m.add_dimension(name="client_id", value=client)
    return refusal_before_validation(headers, event.get("body"), bool(event.get("isBase64Encoded")))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # the answer names students: not for traces
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.perf_counter()
    salesforce_calls.clear()
    refusal = _refusal_before_routing(event)
    response = as_proxy_response(refusal) if refusal else app.resolve(event, context)
    metrics.add_metric(name="SalesforceCalls", unit=MetricUnit.Count, value=len(salesforce_calls))
    logger.info(
        "request finished",
        extra={
            "outcome": response["statusCode"],
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "salesforce_calls": len(salesforce_calls),
        },
    )
    return response


# SnapStart's runtime hooks (the python3.13 runtime provides snapshot_restore_py); without SnapStart
# they are registered and never called.
register_before_snapshot(prime_before_snapshot)
register_after_restore(refresh_after_restore)
