"""Every failure's answer, registered on the resolver once: errors are types, turned into HTTP here only."""

import traceback
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from handler.observability import count, count_by, logger, request_id
from handler.problems import (
    LOOK_ALIKES_RETRY_SECONDS,
    STILL_IN_PROGRESS_RETRY_SECONDS,
    UNAVAILABLE_RETRY_SECONDS,
    invalid_request,
    outcome_unknown,
    problem,
    repeat_unconfirmed,
    retry_after_seconds,
    salesforce_failed,
    unsupported_media_type,
)
from session_scheduling.errors import SalesforceFailure, SalesforceOutcomeUnknown
from session_scheduling.field_names import near_miss_message, near_misses
from session_scheduling.lost_answers import EarlierAttemptConflict, EarlierAttemptSettling
from session_scheduling.repeats import RepeatUnconfirmed, RequestNoLongerStands


def answer_salesforce_failure(failure: SalesforceFailure) -> Response[Any]:
    count("SalesforceFailures")  # alarm: one series
    count_by("SalesforceErrors", stage=failure.stage, error_code=failure.primary_code)
    logger.append_keys(stage=failure.stage, salesforce_error_code=failure.primary_code, retryable=failure.retryable)
    logger.error("Salesforce step failed", extra={"salesforce_errors": [e.for_the_log for e in failure.errors]})
    return salesforce_failed(failure, request_id())


def _invalid_request(error: RequestValidationError, query_problems: list[dict[str, Any]]) -> Response[Any]:
    """Powertools validates only the query parameters the route declares: near misses of their names join here."""
    problems = [*error.errors(), *query_problems]
    logger.info("request rejected", extra={"outcome": "invalid", "problems": len(problems)})
    return invalid_request(problems)


def query_name_problems(query: dict[str, Any] | None, known: tuple[str, ...]) -> list[dict[str, Any]]:
    """`?CreateAttendanceTask=false` would be ignored like any unknown parameter, and the task created anyway."""
    return [
        {"type": "value_error", "loc": ("query", name), "msg": near_miss_message(meant)}
        for name, meant in near_misses(query or {}, known).items()
    ]


def _content_type_refused(refused: RequestUnsupportedContentType) -> Response[Any]:
    """The resolver reads only a lower-case application/json (or none) as JSON, while the check before routing
    lets other spellings through (Application/JSON, a bare ";"): found by fuzzing, they were 500s."""
    logger.info("request rejected", extra={"outcome": "unsupported_content_type"})
    detail = str(refused.errors()[0].get("msg", "")) if refused.errors() else ""
    return unsupported_media_type(detail.removeprefix("Unsupported content type: ") or "this content type")


def _still_in_progress(_: IdempotencyAlreadyInProgressError) -> Response[Any]:
    return problem(
        409,
        f"The same request is still being processed; retry in {STILL_IN_PROGRESS_RETRY_SECONDS} seconds to get its "
        "answer.",
        retry_after=STILL_IN_PROGRESS_RETRY_SECONDS,
    )


def _earlier_attempt_settling(settling: EarlierAttemptSettling) -> Response[Any]:
    return problem(
        409,
        "An earlier attempt of this request may still be completing in Salesforce; retry in "
        f"{retry_after_seconds(settling.seconds_left)} seconds to get its answer.",
        retry_after=settling.seconds_left,
        requestId=request_id(),
    )


def _earlier_attempt_conflict(conflict: EarlierAttemptConflict) -> Response[Any]:
    """Never a second bundle, never another request's records: a person decides which records stand (a failure
    notice tells one); the look-alikes' own requests may claim theirs."""
    logger.append_keys(needs_person=True, records=list(conflict.record_ids))
    logger.error("lost answer's records are ambiguous", extra={"outcome": 409})
    return problem(
        409,
        f"This request's earlier attempt lost its answer, and {conflict.reason}. Their own requests claim them "
        f"when repeated: retry in {LOOK_ALIKES_RETRY_SECONDS} seconds. Nothing new was created by this request. "
        "If this answer comes back, check these sessions in Salesforce.",
        retry_after=LOOK_ALIKES_RETRY_SECONDS,
        records=list(conflict.record_ids),
        requestId=request_id(),
    )


def _no_longer_stands(gone: RequestNoLongerStands) -> Response[Any]:
    """A key's first answer is not given again when it would name what is no longer there (docs/reliability.md)."""
    logger.info("keyed repeat of records changed since", extra={"outcome": 409, "changes": list(gone.changes)})
    return problem(
        409,
        f"This Idempotency-Key was answered before, but {gone.description} since. Nothing was created now. "
        "To schedule the session again, send the request with a new Idempotency-Key.",
        records=list(gone.record_ids),
        requestId=request_id(),
    )


def _repeat_unconfirmed(unconfirmed: RepeatUnconfirmed) -> Response[Any]:
    """Never "nothing was created": this request created its session, and only reading it back failed."""
    failure = unconfirmed.failure
    count("SalesforceFailures")  # the alarm's one series: Salesforce failed a coach's request
    count_by("SalesforceErrors", stage="repeat", error_code=failure.primary_code)
    # On the request finished line too: a 503 is found by the keys a 500 has (docs/operations.md).
    logger.append_keys(stage="repeat", salesforce_error_code=failure.primary_code, retryable=True)
    logger.error("repeat could not read its records", extra={"outcome": 503})
    return repeat_unconfirmed(unconfirmed.session_id, failure, request_id())


def _key_reused(_: IdempotencyValidationError) -> Response[Any]:
    return problem(422, "This Idempotency-Key was already used with a different body; use a new key.")


def _retry_memory_unavailable(error: IdempotencyPersistenceLayerError) -> Response[Any]:
    """Fail closed: without the retry memory a retry could create a second session."""
    logger.error(
        "idempotency table unavailable",
        extra={"outcome": "unavailable", "error_type": type(error).__name__, "detail": repr(error.args)[:500]},
    )
    return problem(
        503,
        # This attempt created nothing; an earlier attempt of the same request whose answer was lost may
        # have, and the retry memory that would say so is what failed: never "nothing was created".
        "The service cannot make sure this request runs only once right now, so this attempt sent nothing to "
        "Salesforce (if an earlier attempt of this request went unanswered, its session may exist: the retry "
        f"finds it). Retry in {UNAVAILABLE_RETRY_SECONDS} seconds.",
        retry_after=UNAVAILABLE_RETRY_SECONDS,
        requestId=request_id(),
    )


def _http_error(error: ServiceError) -> Response[Any]:
    """The resolver's own answers (404 for unknown routes and methods) keep their status."""
    return problem(error.status_code, str(error.msg))


def _outcome_unknown(lost: SalesforceOutcomeUnknown) -> Response[Any]:
    """Not a 500: a 500 promises that nothing was created, and here nobody knows yet."""
    count("SalesforceFailures")
    count_by("SalesforceErrors", stage="session", error_code="OUTCOME_UNKNOWN")
    # On every later line too, the request finished line included: a 504 is found by the keys a 500 has.
    logger.append_keys(stage="session", salesforce_error_code="OUTCOME_UNKNOWN", retryable=True, cause=lost.detail)
    if lost.lost_here:
        logger.error("Salesforce answer lost", extra={"outcome": 504})
    else:
        logger.error("earlier attempt's outcome still unknown", extra={"outcome": 504})
    return outcome_unknown(request_id())


def _unexpected(error: Exception) -> Response[Any]:
    """A bug of ours: log where it happened, answer without it.

    Not the exception's message: a bug's message can quote the data it choked on (pydantic's does,
    input values included), and the data here names children (docs/privacy.md).
    """
    frames = [f"{frame.filename}:{frame.lineno} {frame.name}" for frame in traceback.extract_tb(error.__traceback__)]
    logger.error("unexpected failure", extra={"outcome": "error", "error_type": type(error).__name__, "where": frames})
    return problem(500, "The service failed unexpectedly.", requestId=request_id())


ANSWERS: dict[type[Exception], Any] = {
    RequestUnsupportedContentType: _content_type_refused,
    SalesforceFailure: answer_salesforce_failure,
    IdempotencyAlreadyInProgressError: _still_in_progress,
    EarlierAttemptSettling: _earlier_attempt_settling,
    EarlierAttemptConflict: _earlier_attempt_conflict,
    RequestNoLongerStands: _no_longer_stands,
    RepeatUnconfirmed: _repeat_unconfirmed,
    IdempotencyValidationError: _key_reused,
    IdempotencyPersistenceLayerError: _retry_memory_unavailable,
    ServiceError: _http_error,
    SalesforceOutcomeUnknown: _outcome_unknown,
    Exception: _unexpected,
}


def register_failure_answers(app: APIGatewayRestResolver, query_names: tuple[str, ...]) -> None:
    """query_names: the route's query parameters, whose near misses are refused with the other problems."""

    def invalid_request_and_query_names(error: RequestValidationError) -> Response[Any]:
        return _invalid_request(error, query_name_problems(app.current_event.query_string_parameters, query_names))

    app.exception_handler(RequestValidationError)(invalid_request_and_query_names)
    for failure, answer in ANSWERS.items():
        app.exception_handler(failure)(answer)
