"""Every call the service makes to the outside (Salesforce, Secrets Manager, DynamoDB), as a name, a duration
and an outcome: what the request's log line lists and the Salesforce metric counts (docs/operations.md).

A record holds no URL, no parameter and no body: only names this code chose (the Salesforce call's kind,
the AWS operation), a duration and an outcome that is "ok", an HTTP status, an AWS error code or an
exception's type, never an exception's message, which could quote a student's name (docs/privacy.md).

AWS calls are timed through botocore's own events on each client (before-call, then after-call, or
after-call-error when no answer came), so the time covers botocore's retries and nothing wraps boto3.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from session_scheduling.errors import SalesforceFailure

OK = "ok"
_STARTED = "session_scheduling.call_started"  # the call's own key in botocore's request context


@dataclass(frozen=True)
class CallRecord:
    """One call to the outside: service ("salesforce", "secretsmanager", "dynamodb"), what was called, how long, how it ended."""

    service: str
    name: str
    seconds: float
    outcome: str = OK


Listener = Callable[[CallRecord], None]
_listeners: list[Listener] = []


def report_aws_calls_to(listener: Listener) -> None:
    """The handler's call log: every AWS call of a client made by aws_client() is handed to it."""
    if listener not in _listeners:
        _listeners.append(listener)


def outcome_of(failure: BaseException) -> str:
    """A failed call's outcome: our error code (the token request's), the HTTP status Salesforce answered,
    else the exception's type; never its message."""
    if isinstance(failure, SalesforceFailure):
        return failure.primary_code
    status = getattr(failure, "status", None)
    return str(status) if isinstance(status, int) else type(failure).__name__


def aws_client(service: str) -> Any:
    """boto3's client on its default session (one session: a second would load botocore's data again), timed."""
    client = boto3.client(service)
    events = client.meta.events
    events.register("before-call", _started)
    events.register("after-call", _answered)
    events.register("after-call-error", _unanswered)
    return client


def _started(model: Any, context: dict[str, Any], **_: Any) -> None:
    context[_STARTED] = (model.service_model.service_name, model.name, time.perf_counter())


def _answered(http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    status = http_response.status_code
    error_code = (parsed or {}).get("Error", {}).get("Code") if status >= 300 else None
    _finished(context, OK if status < 300 else str(error_code or status))


def _unanswered(exception: BaseException, context: dict[str, Any], **_: Any) -> None:
    _finished(context, type(exception).__name__)


def _finished(context: dict[str, Any], outcome: str) -> None:
    started = context.pop(_STARTED, None)
    if started is None:
        return
    service, operation, at = started
    record = CallRecord(service=service, name=operation, seconds=time.perf_counter() - at, outcome=outcome)
    for listener in _listeners:
        listener(record)
