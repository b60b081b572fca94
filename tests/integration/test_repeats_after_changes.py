"""A 201 names exactly what this request created and what still stands (docs/reliability.md, cases A and C).

The apps send no Idempotency-Key, so a repeat within the window is recognised by its body alone. The coach
may have deleted or edited the session meanwhile (through the original integration: tests/coach_edits.py).
"""

from typing import Any

import pytest

from local.api_gateway_events import rest_event
from local.containers import ContainerFleet
from local.environment import LocalEnvironment
from tests.coach_edits import OriginalIntegration
from tests.conftest import Answer, as_answer, post_session, session_body

ONE_BUNDLE = {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}


def old_app_body(org: LocalEnvironment, **fields: Any) -> dict[str, Any]:
    """The old app's AddSessionModal: no coach (so no task), HH:mm times."""
    return session_body(org, CoachId=..., SessionTopic="Soccer", SessionStart="16:00", SessionEnd="17:30") | fields


def stands_in_org(org: LocalEnvironment, answer: Answer) -> bool:
    ids = {record["Id"] for sobject in ONE_BUNDLE for record in org.standin.records(sobject)}
    named = [answer.body["SessionId"], answer.body["TaskId"], *(r["AttendanceId"] for r in answer.body["Attendances"])]
    return all(record_id in ids for record_id in named if record_id is not None)


def test_a1_a_repeat_after_the_coach_deleted_the_session_schedules_it_again(org: LocalEnvironment) -> None:
    first = post_session(old_app_body(org))
    OriginalIntegration(org.standin).delete_session(first.body["SessionId"])

    again = post_session(old_app_body(org))
    tap = post_session(old_app_body(org))  # a double tap of the new request: its answer, nothing more

    assert (first.status, again.status, tap.status) == (201, 201, 201)
    assert again.body["SessionId"] != first.body["SessionId"]
    assert tap.body == again.body
    assert stands_in_org(org, again)
    assert org.standin.record_count() == {"Session__c": 1, "SCORES_Task__c": 0, "Attendance__c": 0}


def test_a2_with_a_task_the_repeat_after_a_delete_names_the_new_bundle_and_its_students(
    org: LocalEnvironment,
) -> None:
    first = post_session(session_body(org))
    OriginalIntegration(org.standin).delete_session(first.body["SessionId"])

    again = post_session(session_body(org))

    assert again.status == 201
    assert again.body["SessionId"] != first.body["SessionId"]
    assert stands_in_org(org, again)
    assert {row["StudentName"] for row in again.body["Attendances"]} == set(org.seed.student_names.values())
    assert org.standin.record_count() == ONE_BUNDLE


def test_a3_a_repeat_after_the_coach_moved_the_session_schedules_the_one_asked_for(org: LocalEnvironment) -> None:
    tuesday = post_session(old_app_body(org, SessionDate="2025-05-20"))
    OriginalIntegration(org.standin).edit_session(tuesday.body["SessionId"], Session_Date__c="2025-05-22")

    again = post_session(old_app_body(org, SessionDate="2025-05-20"))

    assert again.status == 201
    assert again.body["SessionId"] != tuesday.body["SessionId"]
    dates = {record["Id"]: record["Session_Date__c"] for record in org.standin.records("Session__c")}
    assert dates == {tuesday.body["SessionId"]: "2025-05-22", again.body["SessionId"]: "2025-05-20"}


@pytest.mark.parametrize(
    "edit",
    [{"Session_Start__c": "16:30:00.000Z"}, {"Session_Topic__c": "Writing"}, {"Session_End__c": None}],
    ids=["start", "topic", "end-cleared"],
)
def test_any_field_the_service_wrote_that_changed_makes_the_repeat_new(
    org: LocalEnvironment, edit: dict[str, Any]
) -> None:
    first = post_session(old_app_body(org))
    OriginalIntegration(org.standin).edit_session(first.body["SessionId"], **edit)

    again = post_session(old_app_body(org))

    assert again.body["SessionId"] != first.body["SessionId"]
    assert org.standin.record_count()["Session__c"] == 2


def test_ticked_attendance_and_headcounts_keep_a_repeat_a_repeat_with_one_salesforce_call(
    org: LocalEnvironment,
) -> None:
    first = post_session(session_body(org))
    coach = OriginalIntegration(org.standin)
    coach.tick_attendance(first.body["Attendances"][0]["AttendanceId"])
    coach.edit_session(first.body["SessionId"], Boys_Present__c=7, Girls_Present__c=5)
    org.standin.reset_calls()

    again = post_session(session_body(org))

    assert again.raw == first.raw  # the first answer, as the contract replays it
    assert [(call.method, call.kind) for call in org.standin.calls] == [("POST", "composite")]
    assert org.standin.record_count() == ONE_BUNDLE


def test_values_compare_as_salesforce_stores_them(org: LocalEnvironment) -> None:
    """16:00 is stored as 16:00:00.000Z, a 15-character ID as its 18-character form: the same request."""
    first = post_session(old_app_body(org))
    reworded = old_app_body(org, SessionStart="16:00:00.000Z", TeamSeasonId=org.seed.team_season_id[:15])

    again = post_session(reworded)

    assert again.body == first.body
    assert org.standin.record_count()["Session__c"] == 1


def test_a_repeat_without_rows_makes_one_call_and_the_first_request_its_one_create(org: LocalEnvironment) -> None:
    post_session(old_app_body(org))
    first_calls = [call.kind for call in org.standin.calls]
    org.standin.reset_calls()

    post_session(old_app_body(org))

    assert first_calls == ["token", "composite"]
    assert [call.kind for call in org.standin.calls] == ["query"]


def test_a_deleted_attendance_row_is_left_out_of_the_repeat(org: LocalEnvironment) -> None:
    """A keyless 201 names only records that exist; the session and task still stand, so nothing is created."""
    first = post_session(session_body(org))
    gone = first.body["Attendances"][1]["AttendanceId"]
    org.standin.org.delete_record("Attendance__c", gone)

    again = post_session(session_body(org))

    assert [row["AttendanceId"] for row in again.body["Attendances"]] == [
        row["AttendanceId"] for row in first.body["Attendances"] if row["AttendanceId"] != gone
    ]
    assert org.standin.record_count()["Session__c"] == 1


@pytest.mark.parametrize("attempt", range(3))
def test_identical_requests_arriving_together_after_a_delete_create_one_bundle(
    org: LocalEnvironment, containers: ContainerFleet, attempt: int
) -> None:
    first = post_session(session_body(org))
    OriginalIntegration(org.standin).delete_session(first.body["SessionId"])
    org.standin.latency = 0.05

    answers = [as_answer(a) for a in containers.invoke_together([rest_event(session_body(org)) for _ in range(8)])]

    assert org.standin.record_count() == ONE_BUNDLE
    statuses = {answer.status for answer in answers}
    assert statuses <= {201, 409}
    assert 201 in statuses
    [session] = org.standin.records("Session__c")
    assert {answer.body["SessionId"] for answer in answers if answer.status == 201} == {session["Id"]}
    assert all(a.headers.get("Retry-After") for a in answers if a.status == 409)


# --- keys after a delete or an edit (docs/reliability.md: a key names one request) -------------------------


def test_a_repeated_key_after_a_delete_is_a_409_naming_the_session_and_nothing_is_created(
    org: LocalEnvironment,
) -> None:
    first = post_session(session_body(org), headers={"Idempotency-Key": "k-del"})
    OriginalIntegration(org.standin).delete_session(first.body["SessionId"])

    again = post_session(session_body(org), headers={"Idempotency-Key": "k-del"})
    new_key = post_session(session_body(org), headers={"Idempotency-Key": "k-del-2"})

    assert again.status == 409
    assert "Retry-After" not in again.headers
    assert again.body["records"] == [first.body["SessionId"], first.body["TaskId"]]
    assert f"session {first.body['SessionId']} was deleted" in again.body["message"]
    assert "new Idempotency-Key" in again.body["message"]
    assert new_key.status == 201
    assert org.standin.record_count() == ONE_BUNDLE


def test_a_repeated_key_after_an_edit_says_what_changed(org: LocalEnvironment) -> None:
    first = post_session(session_body(org), headers={"Idempotency-Key": "k-edit"})
    OriginalIntegration(org.standin).edit_session(first.body["SessionId"], Session_Date__c="2025-05-23")

    again = post_session(session_body(org), headers={"Idempotency-Key": "k-edit"})

    assert again.status == 409
    assert "changed in Salesforce (SessionDate)" in again.body["message"]
    assert org.standin.record_count() == ONE_BUNDLE


# --- C: a repeat whose records exist but cannot be read ---------------------------------------------------


def _query_answer(reference: str, done: bool = True) -> dict[str, Any]:
    """A composite's query subrequest answer; a batch of a longer result has done false and nextRecordsUrl
    ("Execute a SOQL Query", REST API Developer Guide: batches of up to 2,000 records)."""
    page = {"totalSize": 2001, "done": done, "records": []}
    if not done:
        page["nextRecordsUrl"] = "/services/data/v59.0/query/01gD0000002HU6KIAW-2000"
    return {"body": page, "httpHeaders": {}, "httpStatusCode": 200, "referenceId": reference}


IN_PAGES = {"compositeResponse": [_query_answer("session"), _query_answer("task"), _query_answer("rows", done=False)]}


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 503, "body": "<html>busy</html>"},
        {"drop_connection": True},
        {"status": 403, "body": [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]},
        {"status": 200, "body": IN_PAGES},
    ],
    ids=["503", "cut", "request-limit", "in-pages"],
)
@pytest.mark.parametrize("keyed", [True, False], ids=["with-key", "without-key"])
def test_c_a_repeat_that_cannot_read_its_records_is_a_503_naming_the_session_never_nothing_created(
    org: LocalEnvironment, fault: dict[str, Any], keyed: bool
) -> None:
    headers = {"Idempotency-Key": "c-1"} if keyed else {}
    first = post_session(session_body(org), headers=headers)
    org.standin.inject_fault("composite", **fault)

    again = post_session(session_body(org), headers=headers)
    later = post_session(session_body(org), headers=headers)

    assert again.status == 503
    assert again.body["SessionId"] == first.body["SessionId"]
    assert again.headers["Retry-After"] == "5"
    assert "Nothing was created" not in again.body["message"]
    assert again.body["errorType"].startswith("CUSTOM:SALESFORCE_SESSION_READ:")
    assert again.body["retryable"] is True
    assert later.raw == first.raw
    assert org.standin.record_count() == ONE_BUNDLE


def test_c_a_refused_token_on_a_repeat_is_the_same_503(org: LocalEnvironment) -> None:
    first = post_session(session_body(org))
    org.standin.expire_tokens()
    org.standin.inject_fault("token", status=400, body={"error": "invalid_grant", "error_description": "expired"})

    again = post_session(session_body(org))

    assert (again.status, again.body["SessionId"]) == (503, first.body["SessionId"])
    assert again.body["errorType"] == "CUSTOM:SALESFORCE_SESSION_READ:invalid_grant"
    assert org.standin.record_count() == ONE_BUNDLE
