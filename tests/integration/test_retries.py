"""Retries are safe: a repeated request replays the first answer and creates nothing new."""

from typing import Any

import pytest

from local.api_gateway_events import rest_event
from local.environment import LocalEnvironment
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


def test_a_new_idempotency_key_is_a_new_request_even_with_an_identical_body(org: LocalEnvironment) -> None:
    """The contract's window applies without the header; with one, the key says which request it is."""
    first = post_session(session_body(org, CoachId=...), **with_key("tap-7"))
    second = post_session(session_body(org, CoachId=...), **with_key("tap-8"))

    assert (first.status, second.status) == (201, 201)
    assert second.body["SessionId"] != first.body["SessionId"]
