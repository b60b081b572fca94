"""Turning failures into HTTP answers: the contract's error bodies, built in one place."""

import base64
import json
import math
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from pydantic import BaseModel

from session_scheduling.errors import SalesforceFailure
from session_scheduling.response import (
    ErrorBody,
    FieldProblem,
    RepeatUnconfirmedBody,
    SalesforceErrorBody,
    SalesforceErrorItem,
    SessionCreated,
)

MAX_BODY_BYTES = 64 * 1024
_JSON_MEDIA_TYPES = ("application/json",)
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


# Retry-After (seconds) of the answers that say "retry later"; docs/reliability.md says why these values.
STILL_IN_PROGRESS_RETRY_SECONDS = 3  # a first attempt's two Salesforce round trips, a cold start included
UNAVAILABLE_RETRY_SECONDS = 5  # DynamoDB throttling or an outage: do not hammer it
OUTCOME_UNKNOWN_RETRY_SECONDS = 2  # a committed create is found at once; if not, the repeat's 409 says how long
REPEAT_UNCONFIRMED_RETRY_SECONDS = 5  # Salesforce unreadable (a 503, a cut, REQUEST_LIMIT_EXCEEDED): not at once
LOOK_ALIKES_RETRY_SECONDS = 30  # time for the look-alikes' own requests to be repeated and claim them

_RETRY_AFTER: OpenAPIResponseHeader = {
    "description": "Seconds to wait before sending the same request again",
    "schema": {"type": "integer", "minimum": 1},
}


def _answer(description: str, model: type[BaseModel] = ErrorBody, retry_later: bool = False) -> OpenAPIResponse:
    answer: OpenAPIResponse = {"description": description, "content": {"application/json": {"model": model}}}
    if retry_later:
        answer["headers"] = {"Retry-After": _RETRY_AFTER}
    return answer


# Every answer POST /sessions gives, for the OpenAPI document.
DOCUMENTED_ANSWERS: dict[int, OpenAPIResponse] = {
    201: _answer("Created", SessionCreated),
    400: _answer("Invalid request: every problem, field by field; nothing was created"),
    401: _answer(
        "AuthMode CLIENT_ID: the client_id and client_secret headers are missing or not an allowed pair "
        "(checked before anything else; which half was wrong is not said)"
    ),
    409: _answer(
        "The same request is still being processed, or an earlier attempt whose answer was lost may still be "
        "completing, or look-alike sessions of other lost requests cannot be told apart from its own yet (`records` "
        "names them): retry after `Retry-After` seconds. Without `Retry-After`: the Idempotency-Key's first answer "
        "names a session deleted or changed in Salesforce since (`records` names it); use a new key to schedule it "
        "again",
        retry_later=True,
    ),
    413: _answer("The body is larger than 64 KiB"),
    415: _answer("The content type is not JSON"),
    422: _answer("The Idempotency-Key was used before with a different body"),
    500: _answer("Salesforce refused or failed, or authentication failed; nothing was created", SalesforceErrorBody),
    503: _answer(
        "Retry safety is unavailable and nothing was sent to Salesforce; or (with `SessionId`) a repeat of a request "
        "that created session `SessionId` could not read it back from Salesforce: nothing new was created, retry "
        "after `Retry-After` seconds",
        RepeatUnconfirmedBody,
        retry_later=True,
    ),
    504: _answer(
        "Salesforce's answer to the create was lost and its records were not found yet: repeat the same request "
        "(same Idempotency-Key, or the same body) to get them, never a second session",
        SalesforceErrorBody,
        retry_later=True,
    ),
}


def problem(status: int, message: str, retry_after: float | None = None, **extra: Any) -> Response[Any]:
    """retry_after: the answer says "retry later", and in how many seconds (the Retry-After header)."""
    body = ErrorBody(message=message, **extra).model_dump(exclude_none=True)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=_retry_after_header(retry_after),
    )


def retry_after_seconds(seconds: float) -> int:
    """Retry-After takes whole seconds: rounded up, so a client never comes back too soon, and at least 1."""
    return max(1, math.ceil(seconds))


def _retry_after_header(seconds: float | None) -> dict[str, str] | None:
    return None if seconds is None else {"Retry-After": str(retry_after_seconds(seconds))}


def refusal_before_validation(headers: dict[str, str], body: str | None, is_base64: bool) -> Response[Any] | None:
    """413, 415 and undecodable bodies come before field-by-field validation: the whole request is unusable."""
    if body is not None and _body_size(body, is_base64) > MAX_BODY_BYTES:
        return problem(413, f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    if body and is_base64 and not _decodes(body):
        return problem(
            400,
            "The request body is not valid base64-encoded UTF-8.",
            errors=[FieldProblem(field="body", message="is not valid base64-encoded UTF-8")],
        )
    content_type = next((value for name, value in headers.items() if name.lower() == "content-type"), "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and media_type not in _JSON_MEDIA_TYPES:
        return unsupported_media_type(media_type)
    return None


def unsupported_media_type(content_type: str) -> Response[Any]:
    return problem(415, f"Content-Type must be application/json, not {content_type[:100]}.")


def as_proxy_response(response: Response[Any]) -> dict[str, Any]:
    """For answers given before the resolver runs."""
    return {
        "statusCode": response.status_code,
        "headers": {**response.headers, "Content-Type": content_types.APPLICATION_JSON},
        "body": response.body,
        "isBase64Encoded": False,
    }


def _decodes(body: str) -> bool:
    try:
        base64.b64decode(body.encode(), validate=True).decode()
    except ValueError:
        return False
    return True


def _body_size(body: str, is_base64: bool) -> int:
    """Bytes of the body as the client sent it (base64 without its padding, which carries none)."""
    if is_base64:
        return len(body.rstrip("=")) * 3 // 4
    return len(body.encode())


def invalid_request(errors: list[dict[str, Any]]) -> Response[Any]:
    problems = [FieldProblem(field=_field_name(error["loc"]), message=_message(error)) for error in errors]
    unique = list({(p.field, p.message): p for p in problems}.values())
    summary = "; ".join(f"{p.field}: {p.message}" for p in unique[:5])
    return problem(400, f"The request is invalid. {summary}", errors=unique)


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'SessionDate') -> 'SessionDate'; ('query', 'createAttendanceTask') -> 'createAttendanceTask'."""
    parts = [str(part) for part in location[1:] if not isinstance(part, int)]
    if location and location[0] == "header":  # the resolver lower-cases header names
        parts = ["-".join(word.capitalize() for word in part.split("-")) for part in parts]
    return ".".join(parts) if parts else str(location[0]) if location else "body"


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        detail = (error.get("ctx") or {}).get("error")
        return f"is not valid JSON ({detail})" if detail else "is not valid JSON"
    if error.get("type") == "missing":
        return "is required"
    if error.get("type") in ("model_attributes_type", "dict_type", "model_type"):
        return "must be a JSON object"
    message = str(error.get("msg", "is invalid"))
    for prefix in _PYDANTIC_PREFIXES:
        message = message.removeprefix(prefix)
    return message


def salesforce_failed(failure: SalesforceFailure, request_id: str | None) -> Response[Any]:
    body = SalesforceErrorBody(
        message=f"{failure.explanation}. Nothing was created.",
        stage=failure.stage,
        errorType=failure.error_type,
        retryable=failure.retryable,
        requestId=request_id,
        salesforceErrors=_salesforce_errors(failure),
    )
    return _error_answer(500, body)


def repeat_unconfirmed(session_id: str, failure: SalesforceFailure, request_id: str | None) -> Response[Any]:
    body = RepeatUnconfirmedBody(
        message=(
            f"This request was carried out before: it created session {session_id}. Salesforce could not be read "
            f"to confirm that it still stands and to name its students ({failure.summary}). Nothing new was created; "
            f"retry in {REPEAT_UNCONFIRMED_RETRY_SECONDS} seconds."
        ),
        SessionId=session_id,
        stage="session",
        errorType=f"CUSTOM:SALESFORCE_SESSION_READ:{failure.primary_code}",
        retryable=True,  # a repeat creates nothing, and reads again
        requestId=request_id,
        salesforceErrors=_salesforce_errors(failure),
    )
    return _error_answer(503, body, REPEAT_UNCONFIRMED_RETRY_SECONDS)


def outcome_unknown(request_id: str | None) -> Response[Any]:
    body = SalesforceErrorBody(
        message=(
            "Salesforce did not confirm whether the session was created. Send the same request again (the same "
            "Idempotency-Key, or the same body): it answers with the session if it was created, and creates it "
            "only if it was not."
        ),
        stage="session",
        errorType="CUSTOM:SALESFORCE_SESSION_CREATE:OUTCOME_UNKNOWN",
        retryable=True,  # the retry memory makes the repeat look before it creates
        requestId=request_id,
        salesforceErrors=[],
    )
    return _error_answer(504, body, OUTCOME_UNKNOWN_RETRY_SECONDS)


def _salesforce_errors(failure: SalesforceFailure) -> list[SalesforceErrorItem]:
    return [SalesforceErrorItem(errorCode=e.code, message=e.message, fields=list(e.fields)) for e in failure.errors]


def _error_answer(status: int, body: ErrorBody, retry_after: float | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(exclude_none=True),
        headers=_retry_after_header(retry_after),
    )
