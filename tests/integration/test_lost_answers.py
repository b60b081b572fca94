"""Exactly once, even when Salesforce's answer to the create is lost after it committed.

The stand-in carries the composite out and then loses its answer (a proxy's 502/504, or a cut
connection); each test then checks the org: exactly one bundle, or none.
"""

import json
from datetime import datetime
from typing import Any

import boto3
import pytest

from local.api_gateway_events import rest_event
from local.containers import ContainerFleet
from local.environment import LocalEnvironment
from local.org_standin.ids import INTEGRATION_USER_ID
from tests.conftest import Answer, as_answer, post_session, session_body

ONE_BUNDLE = {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}
NOTHING = {"Session__c": 0, "SCORES_Task__c": 0, "Attendance__c": 0}
# The reconciling query filters on CreatedDate; the enrollment query does not.
RECONCILING_QUERY = "CreatedDate >="


@pytest.fixture(autouse=True)
def _no_settle_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeats may create again at once when nothing was committed (the settle time has a test of its own)."""
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "0")


def lose_the_answer_after_commit(org: LocalEnvironment, **loss: Any) -> None:
    """The create commits and its answer is lost, and so is the one look the service takes at once."""
    org.standin.inject_fault("composite", after_commit=True, **(loss or {"status": 504, "body": "<html>504</html>"}))
    org.standin.inject_fault("query", status=503, body="<html>busy</html>", when=RECONCILING_QUERY)


def committed_but_answered_504(org: LocalEnvironment, body: dict[str, Any], **request: Any) -> None:
    """The client's first try: the org holds its records, the client was told 504."""
    lose_the_answer_after_commit(org)
    assert post_session(body, **request).status == 504


def the_bundle_in(org: LocalEnvironment) -> dict[str, Any]:
    """The one session in the org, its task and rows, as a 201 would describe them."""
    [session] = org.standin.records("Session__c")
    [task] = org.standin.records("SCORES_Task__c")
    rows = org.standin.records("Attendance__c")
    return {
        "SessionId": session["Id"],
        "TaskId": task["Id"],
        "Attendances": sorted(row["Id"] for row in rows),
    }


def described(answer: Answer) -> dict[str, Any]:
    return {
        "SessionId": answer.body["SessionId"],
        "TaskId": answer.body["TaskId"],
        "Attendances": sorted(row["AttendanceId"] for row in answer.body["Attendances"]),
    }


@pytest.mark.parametrize(
    "loss",
    [
        {"status": 504, "body": "<html>504</html>"},
        {"status": 502, "body": "<html>502</html>"},
        {"drop_connection": True},
    ],
    ids=["proxy-504", "proxy-502", "connection-cut"],
)
@pytest.mark.parametrize("keyed", [True, False], ids=["same-key", "no-key-identical-body"])
def test_a_repeat_after_a_committed_then_lost_create_gets_the_records_and_creates_nothing(
    org: LocalEnvironment, keyed: bool, loss: dict[str, Any]
) -> None:
    lose_the_answer_after_commit(org, **loss)
    headers = {"Idempotency-Key": "lost-1"} if keyed else {}

    first = post_session(session_body(org), headers=headers)
    assert first.status == 504
    assert org.standin.record_count() == ONE_BUNDLE  # it did commit

    repeat = post_session(session_body(org), headers=headers)

    assert repeat.status == 201, repeat.body
    assert org.standin.record_count() == ONE_BUNDLE
    assert described(repeat) == the_bundle_in(org)
    names = {row["StudentName"] for row in repeat.body["Attendances"]}
    assert names == set(org.seed.student_names.values())
    again = post_session(session_body(org), headers=headers)
    assert (again.status, again.body) == (201, repeat.body)  # remembered now: no further look
    assert org.standin.record_count() == ONE_BUNDLE


def test_the_look_right_after_the_loss_turns_the_504_into_the_201(org: LocalEnvironment) -> None:
    org.standin.inject_fault("composite", after_commit=True, status=504, body="<html>504</html>")

    answer = post_session(session_body(org))

    assert answer.status == 201
    assert described(answer) == the_bundle_in(org)
    assert [call.kind for call in org.standin.calls] == ["token", "query", "composite", "query", "composite"]


def test_a_create_lost_before_it_committed_is_made_once_by_the_repeat(org: LocalEnvironment) -> None:
    org.standin.inject_fault("composite", status=504, body="<html>504</html>")  # never reached the org

    first = post_session(session_body(org))
    assert first.status == 504  # the look found nothing: Salesforce might still be committing
    assert org.standin.record_count() == NOTHING

    repeat = post_session(session_body(org))

    assert repeat.status == 201
    assert org.standin.record_count() == ONE_BUNDLE
    assert described(repeat) == the_bundle_in(org)


def test_a_repeat_too_soon_after_a_loss_that_found_nothing_waits_rather_than_creates(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "30")
    org.standin.inject_fault("composite", status=504, body="<html>504</html>")
    assert post_session(session_body(org)).status == 504

    repeat = post_session(session_body(org))

    assert repeat.status == 409
    assert "may still be completing" in repeat.body["message"]
    assert org.standin.record_count() == NOTHING


def test_a_repeat_after_the_lost_attempts_records_were_deleted_creates_them_once(org: LocalEnvironment) -> None:
    committed_but_answered_504(org, session_body(org))
    for sobject in ("Attendance__c", "SCORES_Task__c", "Session__c"):
        for record in org.standin.records(sobject):
            org.standin.org.delete(sobject, record["Id"])

    repeat = post_session(session_body(org))

    assert repeat.status == 201
    assert org.standin.record_count() == ONE_BUNDLE
    assert described(repeat) == the_bundle_in(org)


def test_a_session_found_without_the_task_it_asked_for_is_not_taken_and_the_repeat_schedules_once(
    org: LocalEnvironment,
) -> None:
    """Deleted since (the request no longer stands) or another request's: either way not this request's 201."""
    committed_but_answered_504(org, session_body(org))
    [task] = org.standin.records("SCORES_Task__c")
    org.standin.org.delete("SCORES_Task__c", task["Id"])
    [old] = org.standin.records("Session__c")

    repeat = post_session(session_body(org))
    again = post_session(session_body(org))

    assert (repeat.status, again.status) == (201, 201)
    assert repeat.body["SessionId"] != old["Id"]
    assert again.body == repeat.body
    [new_task] = org.standin.records("SCORES_Task__c")
    assert repeat.body["TaskId"] == new_task["Id"]
    assert org.standin.record_count() == {"Session__c": 2, "SCORES_Task__c": 1, "Attendance__c": 6}


def test_two_sessions_matching_the_request_are_a_409_naming_both(org: LocalEnvironment) -> None:
    committed_but_answered_504(org, session_body(org, CoachId=...))
    twin = org.standin.org.insert(
        "Session__c",
        {k: v for k, v in org.standin.records("Session__c")[0].items() if k.endswith("__c")},
        created_by=INTEGRATION_USER_ID,
    )

    repeat = post_session(session_body(org, CoachId=...))

    assert repeat.status == 409
    assert twin in repeat.body["records"]
    assert len(repeat.body["records"]) == 2
    assert repeat.headers["Retry-After"] == "30"  # their own requests may claim them meanwhile
    assert org.standin.record_count()["Session__c"] == 2


def test_a_session_the_integration_user_did_not_create_is_not_taken_for_the_lost_one(org: LocalEnvironment) -> None:
    org.standin.inject_fault("composite", status=504, body="<html>504</html>")  # lost before commit
    assert post_session(session_body(org, CoachId=...)).status == 504
    body = session_body(org, CoachId=...)
    org.standin.insert(  # the same values, entered by a person in the org meanwhile
        "Session__c",
        {
            "Team_Season__c": body["TeamSeasonId"],
            "Session_Date__c": body["SessionDate"],
            "Session_Start__c": "18:00:00.000Z",
            "Session_End__c": "19:30:00.000Z",
            "Session_Topic__c": body["SessionTopic"],
        },
    )

    repeat = post_session(body)

    assert repeat.status == 201
    assert org.standin.record_count()["Session__c"] == 2  # the person's, and this request's own


def test_concurrent_repeats_after_a_lost_answer_make_no_second_bundle(
    org: LocalEnvironment, containers: ContainerFleet
) -> None:
    committed_but_answered_504(org, session_body(org), headers={"Idempotency-Key": "lost-together"})

    events = [rest_event(session_body(org), headers={"Idempotency-Key": "lost-together"}) for _ in range(8)]
    answers = [as_answer(response) for response in containers.invoke_together(events)]

    statuses = sorted(answer.status for answer in answers)
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    assert {answer.body["SessionId"] for answer in answers if answer.status == 201} == {the_bundle_in(org)["SessionId"]}
    assert org.standin.record_count() == ONE_BUNDLE


@pytest.mark.parametrize("headers", [{"Idempotency-Key": "lost-kept"}, {}], ids=["keyed", "keyless"])
def test_the_lost_answer_is_kept_for_the_keys_24_hours_under_the_requests_one_identity(
    org: LocalEnvironment, headers: dict[str, str]
) -> None:
    committed_but_answered_504(org, session_body(org), headers=headers)

    items = boto3.client("dynamodb", region_name="us-west-2").scan(TableName="local-sessions-idempotency")["Items"]

    markers = [item for item in items if '"outcome": "unknown"' in item["data"]["S"]]
    assert len(markers) == len(items) == 1  # the key's record, else the window's: a keyed request has no other
    for marker in markers:
        kept = json.loads(marker["data"]["S"])
        assert kept["integration_user"] == INTEGRATION_USER_ID
        assert kept["attempt_started"]
        started = datetime.fromisoformat(kept["attempt_started"]).timestamp()
        assert int(marker["expiration"]["N"]) - started > 23 * 3600


def test_a_request_that_lost_nothing_makes_todays_calls_and_no_extra_aws_call(
    org: LocalEnvironment, aws_calls: list[str]
) -> None:
    assert post_session(session_body(org, SessionDate="2025-05-22")).status == 201
    aws_calls.clear()
    org.standin.reset_calls()
    answer = post_session(session_body(org))

    assert answer.status == 201
    assert [call.kind for call in org.standin.calls] == ["query", "composite"]
    assert aws_calls == ["PutItem", "UpdateItem"]  # the retry memory's own two writes; the secrets are cached
