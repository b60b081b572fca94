"""One all-or-none composite request for the whole bundle, and reading its answer.

Session and task are sObject creates; attendance rows go in sObject Collections subrequests of up to
200 records. With the composite's allOrNone set, Salesforce rolls back every subrequest, collections
included, when any of them fails: nothing is left behind.
"""

from typing import Any

from session_scheduling.errors import SalesforceError, SalesforceFailure, Stage, is_retryable
from session_scheduling.plan import CreatedBundle, SessionPlan
from session_scheduling.salesforce.records import (
    SESSION,
    TASK,
    attendance_record,
    session_fields,
    task_fields,
)

MAX_SUBREQUESTS = 25
MAX_COLLECTION_RECORDS = 200
MAX_ATTENDANCE_ROWS = (MAX_SUBREQUESTS - 2) * MAX_COLLECTION_RECORDS
SESSION_REF = "session"
TASK_REF = "task"
NEW_SESSION_ID = "@{session.id}"
# Errors Salesforce puts on the parts that were only rolled back because another part failed.
_ROLLBACK_NOTICES = frozenset({"PROCESSING_HALTED", "ALL_OR_NONE_OPERATION_ROLLED_BACK"})


def bundle_request(plan: SessionPlan, api_version: str) -> dict[str, Any]:
    base = f"/services/data/v{api_version}"
    subrequests: list[dict[str, Any]] = [
        {
            "method": "POST",
            "url": f"{base}/sobjects/{SESSION}",
            "referenceId": SESSION_REF,
            "body": session_fields(plan),
        },
    ]
    if plan.task is not None:
        subrequests.append(
            {
                "method": "POST",
                "url": f"{base}/sobjects/{TASK}",
                "referenceId": TASK_REF,
                "body": task_fields(plan.task, NEW_SESSION_ID),
            }
        )
        students = plan.task.students
        if len(students) > MAX_ATTENDANCE_ROWS:
            raise SalesforceFailure(
                "attendance",
                (
                    SalesforceError(
                        "TOO_MANY_STUDENTS",
                        f"{len(students)} enrolled students exceed the {MAX_ATTENDANCE_ROWS} one request can create",
                    ),
                ),
            )
        for chunk_number, first in enumerate(range(0, len(students), MAX_COLLECTION_RECORDS)):
            chunk = students[first : first + MAX_COLLECTION_RECORDS]
            subrequests.append(
                {
                    "method": "POST",
                    "url": f"{base}/composite/sobjects",
                    "referenceId": f"attendance{chunk_number}",
                    "body": {
                        "allOrNone": True,
                        "records": [attendance_record(student, NEW_SESSION_ID) for student in chunk],
                    },
                }
            )
    return {"allOrNone": True, "collateSubrequests": False, "compositeRequest": subrequests}


def read_bundle_response(plan: SessionPlan, document: Any) -> CreatedBundle:
    answers = _answers_by_reference(document)
    failure = _first_failure(answers)
    if failure is not None:
        raise failure
    attendance_ids: list[str] = []
    for reference, answer in answers.items():
        if reference.startswith("attendance"):
            attendance_ids.extend(str(result["id"]) for result in answer["body"])
    expected_rows = len(plan.task.students) if plan.task else 0
    if len(attendance_ids) != expected_rows:
        raise _malformed(f"expected {expected_rows} attendance results, got {len(attendance_ids)}")
    return CreatedBundle(
        session_id=str(answers[SESSION_REF]["body"]["id"]),
        task_id=str(answers[TASK_REF]["body"]["id"]) if TASK_REF in answers else None,
        attendance_ids=tuple(attendance_ids),
    )


def _answers_by_reference(document: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(document, dict) or not isinstance(document.get("compositeResponse"), list):
        raise _malformed("the composite answer has no compositeResponse list")
    return {str(answer.get("referenceId")): answer for answer in document["compositeResponse"]}


def _first_failure(answers: dict[str, dict[str, Any]]) -> SalesforceFailure | None:
    """The root cause, skipping the parts that only report being rolled back."""
    rolled_back: SalesforceFailure | None = None
    for reference, answer in answers.items():
        errors = _errors_of(answer)
        if not errors:
            continue
        failure = SalesforceFailure(
            _stage_of(reference),
            errors,
            retryable=any(is_retryable(e.code) for e in errors) or int(answer.get("httpStatusCode", 0)) >= 500,
        )
        if all(error.code in _ROLLBACK_NOTICES for error in errors):
            rolled_back = rolled_back or failure
            continue
        return failure
    return rolled_back


def _errors_of(answer: dict[str, Any]) -> tuple[SalesforceError, ...]:
    status = int(answer.get("httpStatusCode", 0))
    body = answer.get("body")
    if 200 <= status < 300 and not isinstance(body, list):
        return ()
    if isinstance(body, list):  # an error list, or per-record results of a collection
        errors: list[SalesforceError] = []
        for item in body:
            if isinstance(item, dict) and item.get("success") is False:
                errors.extend(salesforce_errors(item.get("errors")))
            elif isinstance(item, dict) and "success" not in item:
                errors.extend(salesforce_errors([item]))
        if errors or 200 <= status < 300:
            return _root_causes_first(errors)
    return (SalesforceError(f"HTTP_{status}", f"Salesforce answered HTTP {status}"),)


def _root_causes_first(errors: list[SalesforceError]) -> tuple[SalesforceError, ...]:
    causes = [error for error in errors if error.code not in _ROLLBACK_NOTICES]
    return tuple(dict.fromkeys(causes or errors))


def salesforce_errors(items: Any) -> list[SalesforceError]:
    """Salesforce error entries use errorCode in REST answers and statusCode in collection results."""
    if not isinstance(items, list):
        return []
    return [
        SalesforceError(
            code=str(item.get("errorCode") or item.get("statusCode") or "UNKNOWN"),
            message=str(item.get("message", "")),
            fields=tuple(str(name) for name in item.get("fields") or ()),
        )
        for item in items
        if isinstance(item, dict)
    ]


def _stage_of(reference: str) -> Stage:
    if reference == SESSION_REF:
        return "session"
    if reference == TASK_REF:
        return "task"
    return "attendance"


def _malformed(detail: str) -> SalesforceFailure:
    return SalesforceFailure("session", (SalesforceError("UNEXPECTED_RESPONSE", detail),), retryable=False)
