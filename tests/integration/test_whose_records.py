"""A look after a lost answer adopts only this request's records, and a key is its client's own
(docs/reliability.md, cases B and D)."""

from typing import Any

import pytest

from local.api_gateway_events import rest_event
from local.environment import APP_CLIENT_ID, APP_CLIENT_SECRET, LocalEnvironment
from local.lambda_runtime import cold_start
from tests.conftest import Answer, post_session, send, session_body

OTHER_APP = {"client_id": "coach-app-ios", "client_secret": "coach-app-ios-secret"}


@pytest.fixture(autouse=True)
def _no_settle_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeats may create at once when nothing of theirs was committed (the settle time has tests of its own)."""
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "0")


def lose_before_commit(org: LocalEnvironment) -> None:
    """A proxy answers 504 before the create reaches the org."""
    org.standin.inject_fault("composite", status=504, body="<html>504</html>")


def names_only_its_own(org: LocalEnvironment, answer: Answer, coach: str | None) -> None:
    [task] = [t for t in org.standin.records("SCORES_Task__c") if t["Id"] == answer.body["TaskId"]] or [None]
    assert task is None if coach is None else task["Assigned_To__c"] == coach
    if task is not None:
        assert task["Session__c"] == answer.body["SessionId"]


def test_b1_a_co_coachs_lost_create_never_gets_the_first_coachs_session(org: LocalEnvironment) -> None:
    co_coach = org.standin.insert("Contact", {"FirstName": "Bea", "LastName": "Cocoach"})
    coach_a = post_session(session_body(org), headers={"Idempotency-Key": "coach-a"})
    lose_before_commit(org)

    lost = post_session(session_body(org, CoachId=co_coach), headers={"Idempotency-Key": "coach-b"})
    repeat = post_session(session_body(org, CoachId=co_coach), headers={"Idempotency-Key": "coach-b"})

    assert (coach_a.status, lost.status, repeat.status) == (201, 504, 201)
    assert repeat.body["SessionId"] != coach_a.body["SessionId"]
    names_only_its_own(org, repeat, co_coach)
    assert org.standin.record_count() == {"Session__c": 2, "SCORES_Task__c": 2, "Attendance__c": 6}


def test_b2_a_deliberate_second_session_with_a_new_key_is_its_own_after_a_lost_create(org: LocalEnvironment) -> None:
    first = post_session(session_body(org), headers={"Idempotency-Key": "first"})
    lose_before_commit(org)

    lost = post_session(session_body(org), headers={"Idempotency-Key": "second"})
    repeat = post_session(session_body(org), headers={"Idempotency-Key": "second"})

    assert (lost.status, repeat.status) == (504, 201)
    assert repeat.body["SessionId"] != first.body["SessionId"]
    names_only_its_own(org, repeat, org.seed.coach_id)
    assert org.standin.record_count()["Session__c"] == 2


def test_b2_a_new_key_after_a_keyless_201_in_the_same_container_is_its_own_after_a_lost_create(
    org: LocalEnvironment,
) -> None:
    """The identical-body window is for keyless requests: a keyed request never takes their answer."""
    keyless = post_session(session_body(org))
    lose_before_commit(org)

    lost = post_session(session_body(org), headers={"Idempotency-Key": "after-keyless"})
    repeat = post_session(session_body(org), headers={"Idempotency-Key": "after-keyless"})

    assert (keyless.status, lost.status, repeat.status) == (201, 504, 201)
    assert repeat.body["SessionId"] != keyless.body["SessionId"]
    names_only_its_own(org, repeat, org.seed.coach_id)
    assert org.standin.record_count()["Session__c"] == 2


def test_a_keyed_lost_answer_leaves_the_keyless_requests_answer_and_finds_its_own(org: LocalEnvironment) -> None:
    keyless = post_session(session_body(org))
    org.standin.inject_fault("composite", after_commit=True, status=504, body="<html>504</html>")

    lost = post_session(session_body(org), headers={"Idempotency-Key": "lost-after-keyless"})
    double_tap = post_session(session_body(org))
    repeat = post_session(session_body(org), headers={"Idempotency-Key": "lost-after-keyless"})

    # The look right after the lost answer finds the keyed request's own session, never the keyless one's.
    assert (lost.status, double_tap.status, repeat.status) == (201, 201, 201), (lost.body, double_tap.body)
    assert double_tap.body == keyless.body
    [keyed_session] = {s["Id"] for s in org.standin.records("Session__c")} - {keyless.body["SessionId"]}
    assert lost.body["SessionId"] == repeat.body["SessionId"] == keyed_session
    names_only_its_own(org, repeat, org.seed.coach_id)


def test_b2_the_same_without_the_other_requests_task_telling_them_apart(org: LocalEnvironment) -> None:
    """No coach, so no task to compare: only the retry memory knows the first session was answered."""
    first = post_session(session_body(org, CoachId=...), headers={"Idempotency-Key": "first-nt"})
    lose_before_commit(org)

    assert post_session(session_body(org, CoachId=...), headers={"Idempotency-Key": "second-nt"}).status == 504
    repeat = post_session(session_body(org, CoachId=...), headers={"Idempotency-Key": "second-nt"})

    assert repeat.status == 201
    assert repeat.body["SessionId"] != first.body["SessionId"]
    assert org.standin.record_count()["Session__c"] == 2


def test_b3_a_lost_create_with_a_coach_never_409s_on_a_sessions_made_without_one(org: LocalEnvironment) -> None:
    without = post_session(session_body(org, CoachId=...))
    lose_before_commit(org)

    lost = post_session(session_body(org))
    repeats = [post_session(session_body(org)) for _ in range(2)]

    assert (without.status, lost.status) == (201, 504)
    assert [answer.status for answer in repeats] == [201, 201]
    assert repeats[0].body == repeats[1].body
    assert repeats[0].body["SessionId"] != without.body["SessionId"]
    names_only_its_own(org, repeats[0], org.seed.coach_id)
    assert org.standin.record_count() == {"Session__c": 2, "SCORES_Task__c": 1, "Attendance__c": 3}


# --- D: a key belongs to its client ------------------------------------------------------------------------


def two_apps(org: LocalEnvironment) -> None:
    org.store_allowed_clients(
        {APP_CLIENT_ID: [APP_CLIENT_SECRET], OTHER_APP["client_id"]: [OTHER_APP["client_secret"]]}
    )
    cold_start()


def test_d_another_apps_equal_key_with_another_body_is_its_own_request(org: LocalEnvironment) -> None:
    two_apps(org)
    mine = post_session(session_body(org), headers={"Idempotency-Key": "1"})
    theirs = post_session(session_body(org, SessionTopic="Writing"), headers={"Idempotency-Key": "1", **OTHER_APP})

    assert (mine.status, theirs.status) == (201, 201)
    assert org.standin.record_count()["Session__c"] == 2


def test_d_another_apps_equal_key_with_the_same_body_never_gets_the_first_apps_session(org: LocalEnvironment) -> None:
    two_apps(org)
    mine = post_session(session_body(org), headers={"Idempotency-Key": "1"})
    theirs = post_session(session_body(org), headers={"Idempotency-Key": "1", **OTHER_APP})
    mine_again = post_session(session_body(org), headers={"Idempotency-Key": "1"})

    assert theirs.body["SessionId"] != mine.body["SessionId"]
    assert mine_again.body == mine.body
    assert org.standin.record_count()["Session__c"] == 2


def api_key_event(org: LocalEnvironment, api_key_id: str, **fields: Any) -> dict[str, Any]:
    event = rest_event(session_body(org, **fields), headers={"Idempotency-Key": "1"}, exact_headers=True)
    event["headers"]["Content-Type"] = "application/json"
    event["requestContext"]["identity"] |= {"apiKeyId": api_key_id, "apiKey": f"secret-value-of-{api_key_id}"}
    return event


def test_d_with_api_keys_a_key_belongs_to_the_api_key(org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("API_CLIENTS_SECRET_ID", raising=False)  # AuthMode API_KEY: API Gateway checked the key
    cold_start()
    first = send(api_key_event(org, "key-id-a"))
    other = send(api_key_event(org, "key-id-b"))
    again = send(api_key_event(org, "key-id-a"))
    changed = send(api_key_event(org, "key-id-a", SessionTopic="Writing"))

    assert (first.status, other.status, again.status, changed.status) == (201, 201, 201, 422)
    assert other.body["SessionId"] != first.body["SessionId"]
    assert again.body == first.body
