"""How Salesforce's answers and transport failures become the service's errors, and reading a composite of queries.

A refusal Salesforce reports means nothing was kept (the writes are all-or-none); a write whose
answer was lost (a read timeout, a cut connection, a proxy's 502/504) leaves the outcome unknown.
"""

from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from session_scheduling.errors import (
    SalesforceError,
    SalesforceFailure,
    SalesforceOutcomeUnknown,
    Stage,
    is_retryable,
)
from session_scheduling.salesforce.composite import salesforce_errors

# Calls that write: losing their answer leaves the outcome unknown, unlike a lost read.
WRITES = frozenset({"composite"})
# Answers from a proxy in front of Salesforce that lost or gave up on the answer: the write may have
# committed behind it. Salesforce's own 500 and 503 answers under allOrNone mean nothing was kept.
_GATEWAY_ERRORS = frozenset({502, 504})


def query_results(document: Any, references: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Records of each query subrequest by referenceId; a refused or unreadable one fails the read."""
    answers = document.get("compositeResponse") if isinstance(document, dict) else None
    results: dict[str, list[dict[str, Any]]] = {}
    for answer in answers if isinstance(answers, list) else []:
        body = answer.get("body")
        if answer.get("httpStatusCode") != 200 or not isinstance(body, dict):
            raise translated("session", int(answer.get("httpStatusCode") or 0), body)
        if body.get("done") is False:  # a later page (nextRecordsUrl) would be left unread: never half an answer
            raise unreachable("session", "UNEXPECTED_RESPONSE", "Salesforce answered a read in pages")
        results[str(answer.get("referenceId"))] = list(body.get("records") or [])
    if results.keys() != references:
        raise unreachable(
            "session", "UNEXPECTED_RESPONSE", "Salesforce's answer to the reconciling read was incomplete"
        )
    return results


def refused(stage: Stage, name: str, status: int, content: Any) -> Exception:
    """Salesforce's error answers mean nothing was kept; a proxy's 502/504 to a write does not."""
    if name in WRITES and status in _GATEWAY_ERRORS:
        return SalesforceOutcomeUnknown(f"a proxy answered HTTP {status} to the {name}")
    return translated(stage, status, content)


def translated(stage: Stage, status: int, content: Any) -> SalesforceFailure:
    errors = tuple(salesforce_errors(content)) or (
        SalesforceError(f"HTTP_{status}", f"Salesforce answered HTTP {status}"),
    )
    return SalesforceFailure(stage, errors, retryable=any(is_retryable(e.code, status) for e in errors))


def lost(stage: Stage, name: str, failure: requests.RequestException) -> Exception:
    """A request that never left is safe to call failed; a write whose answer was lost is not."""
    if _never_sent(failure):
        return unreachable(stage, "CONNECTION_ERROR", f"could not connect to Salesforce for the {name}")
    if name in WRITES:
        return SalesforceOutcomeUnknown(f"Salesforce did not answer the {name} ({type(failure).__name__})")
    if isinstance(failure, requests.exceptions.JSONDecodeError):
        return unreachable(stage, "UNEXPECTED_RESPONSE", f"Salesforce's answer to the {name} was not JSON")
    if isinstance(failure, requests.Timeout):
        return unreachable(stage, "TIMEOUT", f"Salesforce did not answer the {name} in time")
    return unreachable(stage, "CONNECTION_ERROR", f"lost the connection to Salesforce during the {name}")


def _never_sent(failure: requests.RequestException) -> bool:
    if isinstance(failure, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    cause = failure.args[0] if failure.args else None
    return isinstance(getattr(cause, "reason", None), NewConnectionError)


def unreachable(stage: Stage, code: str, message: str) -> SalesforceFailure:
    return SalesforceFailure(stage, (SalesforceError(code, message),), retryable=True)


def expired_twice() -> SalesforceFailure:
    return SalesforceFailure(
        "auth",
        (SalesforceError("INVALID_SESSION_ID", "Salesforce refused a freshly issued access token"),),
        retryable=False,
    )
