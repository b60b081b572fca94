"""Retries are safe: a repeated request replays the first answer and creates nothing new."""

import time
from typing import Any

import boto3
import pytest

from local.api_gateway_events import rest_event
from local.environment import IDEMPOTENCY_TABLE, REGION, LocalEnvironment
from local.lambda_runtime import invoke_concurrently
from tests.conftest import as_answer, post_session, session_body

ONE_BUNDLE = {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}


def with_key(key: str) -> dict[str, Any]:
    return {"headers": {"Idempotency-Key": key}}


def test_a_repeated_idempotency_key_replays_the_first_answer_without_touching_salesforce(
    org: LocalEnvironment,
) -> None:
    first = post_session(session_body(org), **with_key("tap-1"))
    org.standin.reset_calls()
    second = post_session(session_body(org), **with_key("tap-1"))

    assert (first.status, second.status) == (201, 201)
    assert second.body == first.body
    assert org.standin.calls == []
    assert org.standin.record_count()["Session__c"] == 1


def test_an_identical_request_without_a_key_within_the_window_is_a_retry(org: LocalEnvironment) -> None:
    first = post_session(session_body(org))
    second = post_session(session_body(org))

    assert second.status == 201
    assert second.body == first.body
    assert org.standin.record_count()["Session__c"] == 1


def test_a_different_body_without_a_key_is_a_new_session(org: LocalEnvironment) -> None:
    post_session(session_body(org))
    post_session(session_body(org, SessionTopic="Passing"))

    assert org.standin.record_count()["Session__c"] == 2


def test_the_window_can_be_disabled(org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEMPOTENCY_WINDOW_SECONDS", "0")
    post_session(session_body(org, CoachId=...))
    post_session(session_body(org, CoachId=...))

    assert org.standin.record_count()["Session__c"] == 2


def test_a_key_reused_with_a_different_body_is_a_422_and_creates_nothing(org: LocalEnvironment) -> None:
    post_session(session_body(org), **with_key("tap-2"))
    answer = post_session(session_body(org, SessionTopic="Passing"), **with_key("tap-2"))

    assert answer.status == 422
    assert "Idempotency-Key" in answer.body["message"]
    assert org.standin.record_count()["Session__c"] == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_a_malformed_idempotency_key_is_a_400_naming_the_header(org: LocalEnvironment, key: str) -> None:
    answer = post_session(session_body(org), **with_key(key))

    assert answer.status == 400
    assert [problem["field"] for problem in answer.body["errors"]] == ["Idempotency-Key"]
    assert org.standin.record_count()["Session__c"] == 0


def test_only_successes_are_remembered_so_a_failed_request_can_be_retried(org: LocalEnvironment) -> None:
    org.standin.fail_next_insert("Session__c", "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access")

    first = post_session(session_body(org), **with_key("tap-3"))
    second = post_session(session_body(org), **with_key("tap-3"))

    assert (first.status, second.status) == (500, 201)
    assert first.body["retryable"] is True
    assert org.standin.record_count() == ONE_BUNDLE


# In one process the threads share one Metrics object: the first flush leaves the others nothing to publish.
@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
@pytest.mark.parametrize("attempt", range(12))  # a race: several rounds make a lost one likely to show
def test_concurrent_duplicates_create_one_session(org: LocalEnvironment, attempt: int) -> None:
    """The app's double tap: all requests arrive while the first is still with Salesforce."""
    org.standin.latency = 0.05
    events = [rest_event(session_body(org), headers={"Idempotency-Key": f"tap-{attempt}"}) for _ in range(8)]
    answers = [as_answer(response) for response in invoke_concurrently(events)]

    statuses = sorted(answer.status for answer in answers)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert org.standin.record_count() == ONE_BUNDLE
    in_progress = [a for a in answers if a.status == 409]
    assert all("still being processed" in a.body["message"] for a in in_progress)


def test_an_unavailable_idempotency_table_fails_closed_with_a_503(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "no-such-table")

    answer = post_session(session_body(org))

    assert answer.status == 503
    assert "nothing was created" in answer.body["message"]
    assert org.standin.record_count()["Session__c"] == 0
    assert org.standin.calls == []


def test_an_identical_request_within_the_window_is_one_session_whatever_the_keys(org: LocalEnvironment) -> None:
    """A double tap that makes a new key per tap, or a keyed send retried without the key, is one session."""
    first = post_session(session_body(org, CoachId=...), **with_key("tap-7"))
    second = post_session(session_body(org, CoachId=...), **with_key("tap-8"))
    third = post_session(session_body(org, CoachId=...))

    assert [answer.status for answer in (first, second, third)] == [201, 201, 201]
    assert first.body == second.body == third.body
    assert org.standin.record_count()["Session__c"] == 1


def test_after_the_window_an_identical_request_without_a_key_is_a_new_session(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDEMPOTENCY_WINDOW_SECONDS", "1")
    first = post_session(session_body(org, CoachId=...))
    time.sleep(2.1)  # expiry is kept in whole seconds
    second = post_session(session_body(org, CoachId=...))

    assert second.body["SessionId"] != first.body["SessionId"]
    assert org.standin.record_count()["Session__c"] == 2


def test_a_key_is_remembered_for_24_hours_and_a_keyless_request_for_the_window(org: LocalEnvironment) -> None:
    started = time.time()
    post_session(session_body(org), **with_key("tap-9"))
    post_session(session_body(org, SessionTopic="Passing"))

    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    lifetimes = sorted(int(item["expiration"]["N"]) - started for item in items)
    # the keyed request's key and window records, and the keyless request's window record
    assert lifetimes == [pytest.approx(600, abs=2), pytest.approx(600, abs=2), pytest.approx(86_400, abs=2)]
