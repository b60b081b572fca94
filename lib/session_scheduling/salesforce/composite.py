"""One all-or-none composite request for the whole bundle, and reading its answer.

Session, task and, for teams of up to 23 students, each attendance row are sObject creates; larger
teams' rows go in sObject Collections subrequests of up to 200 records (Salesforce allows at most 5
collection or query subrequests in one composite). With the composite's allOrNone set, Salesforce
rolls back every subrequest, collections included, when any of them fails: nothing is left behind.
"""

import itertools
from typing import Any

from session_scheduling.errors import SalesforceError, SalesforceFailure, SalesforceOutcomeUnknown, Stage, is_retryable
from session_scheduling.plan import CreatedBundle, SessionPlan, Student
from session_scheduling.salesforce.records import (
    ATTENDANCE,
    SESSION,
    TASK,
    attendance_record,
    session_fields,
    task_fields,
)

MAX_SUBREQUESTS = 25
MAX_COLLECTION_RECORDS = 200
MAX_COLLECTION_SUBREQUESTS = 5
MAX_ATTENDANCE_ROWS = MAX_COLLECTION_SUBREQUESTS * MAX_COLLECTION_RECORDS
SESSION_REF = "session"
TASK_REF = "task"
ATTENDANCE_REF = "attendance"
NEW_SESSION_ID = "@{session.id}"
# Errors Salesforce puts on the parts that were only rolled back because another part failed.
_ROLLBACK_NOTICES = frozenset({"PROCESSING_HALTED", "ALL_OR_NONE_OPERATION_ROLLED_BACK"})


def bundle_request(plan: SessionPlan, api_version: str) -> dict[str, Any]:
    base = f"/services/data/v{api_version}"
    subrequests = [_create(base, SESSION, SESSION_REF, session_fields(plan))]
    if plan.task is not None:
        subrequests.append(_create(base, TASK, TASK_REF, task_fields(plan.task, NEW_SESSION_ID)))
        subrequests.extend(_attendance_subrequests(base, plan.task.students))
    return {"allOrNone": True, "compositeRequest": subrequests}


def _attendance_subrequests(base: str, students: tuple[Student, ...]) -> list[dict[str, Any]]:
    """One plain create per row while they fit (the common team); collections of 200 beyond that."""
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
    rows = [attendance_record(student, NEW_SESSION_ID) for student in students]
    if len(rows) <= MAX_SUBREQUESTS - 2:
        return [
            _create(base, ATTENDANCE, f"{ATTENDANCE_REF}{number}", {k: v for k, v in row.items() if k != "attributes"})
            for number, row in enumerate(rows)
        ]
    return [
        {
            "method": "POST",
            "url": f"{base}/composite/sobjects",
            "referenceId": f"{ATTENDANCE_REF}{number}",
            "body": {"allOrNone": True, "records": rows[first : first + MAX_COLLECTION_RECORDS]},
        }
        for number, first in enumerate(range(0, len(rows), MAX_COLLECTION_RECORDS))
    ]


def _create(base: str, sobject: str, reference: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"method": "POST", "url": f"{base}/sobjects/{sobject}", "referenceId": reference, "body": body}


def read_bundle_response(plan: SessionPlan, document: Any) -> CreatedBundle:
    """The IDs Salesforce gave; a refusal it reports raises SalesforceFailure (nothing was kept).

    An answer that reports no refusal but cannot be read leaves the outcome unknown: Salesforce may
    have committed everything, so it must not be reported as a failure that created nothing.
    """
    answers = _answers_by_reference(document)
    failure = _first_failure(answers)
    if failure is not None:
        raise failure
    try:
        created = _created_ids(plan, answers)
    except (KeyError, TypeError, AttributeError) as unreadable:
        raise _malformed(f"a created record has no id ({type(unreadable).__name__})") from None
    expected_rows = len(plan.task.students) if plan.task else 0
    if len(created.attendance_ids) != expected_rows:
        raise _malformed(f"expected {expected_rows} attendance results, got {len(created.attendance_ids)}")
    return created


def _created_ids(plan: SessionPlan, answers: dict[str, dict[str, Any]]) -> CreatedBundle:
    attendance_ids: list[str] = []
    # By referenceId in request order: Salesforce does not promise the order of compositeResponse.
    for number in itertools.count():
        answer = answers.get(f"{ATTENDANCE_REF}{number}")
        if answer is None:
            break
        body = answer["body"]  # a created record, or a collection's list of them
        attendance_ids.extend(str(result["id"]) for result in (body if isinstance(body, list) else [body]))
    return CreatedBundle(
        session_id=str(answers[SESSION_REF]["body"]["id"]),
        task_id=str(answers[TASK_REF]["body"]["id"]) if plan.task is not None else None,
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
            from_salesforce=True,
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


def _malformed(detail: str) -> SalesforceOutcomeUnknown:
    return SalesforceOutcomeUnknown(f"unreadable answer to the composite: {detail}")
