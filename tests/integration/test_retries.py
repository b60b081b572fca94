"""Retries are safe: a repeated request replays the first answer and creates nothing new."""

import io
import json
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from local.api_gateway_events import rest_event
from local.containers import ContainerFleet
from local.environment import IDEMPOTENCY_TABLE, REGION, LocalEnvironment
from local.lambda_runtime import LocalContext
from session_scheduling.idempotency import RetryGuard, ScheduleCall
from session_scheduling.request import SessionRequest
from session_scheduling.response import SessionCreated
from tests.conftest import as_answer, post_session, session_body

ONE_BUNDLE = {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}


def with_key(key: str) -> dict[str, Any]:
    return {"headers": {"Idempotency-Key": key}}


def test_a_repeated_idempotency_key_replays_the_first_answer_with_one_read_for_the_names(
    org: LocalEnvironment,
) -> None:
    """The retry memory holds no names (docs/privacy.md): one call checks that the records stand and names the
    students again (a composite of queries), nothing is created."""
    first = post_session(session_body(org), **with_key("tap-1"))
    org.standin.reset_calls()
    second = post_session(session_body(org), **with_key("tap-1"))

    assert (first.status, second.status) == (201, 201)
    assert second.raw == first.raw  # byte for byte
    assert [(call.method, call.kind) for call in org.standin.calls] == [("POST", "composite")]
    assert org.standin.record_count()["Session__c"] == 1


def test_a_repeat_without_students_to_name_reads_only_its_session(org: LocalEnvironment) -> None:
    """One query checks that the session still stands as asked."""
    first = post_session(session_body(org, CoachId=...), **with_key("tap-2"))
    org.standin.reset_calls()
    second = post_session(session_body(org, CoachId=...), **with_key("tap-2"))

    assert (first.status, second.status) == (201, 201)
    assert second.raw == first.raw
    assert [(call.method, call.kind) for call in org.standin.calls] == [("GET", "query")]


def test_a_repeat_names_students_as_salesforce_names_them_now(org: LocalEnvironment) -> None:
    first = post_session(session_body(org), **with_key("tap-3"))
    renamed = first.body["Attendances"][0]["StudentId"]
    org.standin.org.committed["Contact"][renamed]["Name"] = "Ana Diaz-Renamed"  # renamed in Salesforce since

    second = post_session(session_body(org), **with_key("tap-3"))

    assert second.status == 201
    [row] = [row for row in second.body["Attendances"] if row["StudentId"] == renamed]
    assert row["StudentName"].endswith("Diaz-Renamed")
    assert [r["AttendanceId"] for r in second.body["Attendances"]] == [
        r["AttendanceId"] for r in first.body["Attendances"]
    ]


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


def test_the_same_session_in_other_words_is_the_same_request(org: LocalEnvironment) -> None:
    """Unknown fields are dropped and a 15-character ID names the same record: neither makes a new body."""
    first = post_session(session_body(org), **with_key("tap-6"))
    reworded = session_body(org, TeamSeasonId=org.seed.team_season_id[:15], AppVersion="3.2")
    second = post_session(reworded, **with_key("tap-6"))

    assert (first.status, second.status) == (201, 201)
    assert second.body == first.body
    assert org.standin.record_count()["Session__c"] == 1


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


@pytest.mark.parametrize("attempt", range(6))  # a race: several rounds make a lost one likely to show
@pytest.mark.parametrize("keyed", [True, False], ids=["with-key", "without-key"])
def test_concurrent_duplicates_create_one_session(
    org: LocalEnvironment, containers: ContainerFleet, keyed: bool, attempt: int
) -> None:
    """The app's double tap: all requests arrive while the first is still with Salesforce."""
    org.standin.latency = 0.05
    headers = {"Idempotency-Key": f"tap-{attempt}"} if keyed else {}
    events = [rest_event(session_body(org), headers=headers) for _ in range(8)]
    answers = [as_answer(response) for response in containers.invoke_together(events)]

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
    assert "this attempt sent nothing to Salesforce" in answer.body["message"]
    assert org.standin.record_count()["Session__c"] == 0
    assert org.standin.calls == []


def test_a_key_is_the_requests_identity_so_a_new_key_is_a_new_session(org: LocalEnvironment) -> None:
    """The contract's window is for requests without the header; with it, only the key decides."""
    first = post_session(session_body(org, CoachId=...), **with_key("tap-7"))
    second = post_session(session_body(org, CoachId=...), **with_key("tap-8"))
    keyless = post_session(session_body(org, CoachId=...))

    assert [answer.status for answer in (first, second, keyless)] == [201, 201, 201]
    assert len({answer.body["SessionId"] for answer in (first, second, keyless)}) == 3
    assert org.standin.record_count()["Session__c"] == 3


def test_the_same_key_and_body_get_the_first_answer_whatever_the_query(org: LocalEnvironment) -> None:
    """Contract: a repeat with the same key and body returns the first response; 422 is for another body."""
    first = post_session(session_body(org), **with_key("tap-4"))
    repeat = post_session(session_body(org), query={"createAttendanceTask": "false"}, **with_key("tap-4"))

    assert (first.status, repeat.status) == (201, 201)
    assert repeat.body == first.body
    assert org.standin.record_count() == ONE_BUNDLE


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
    started = int(time.time())  # the expiry is kept in whole seconds
    post_session(session_body(org), **with_key("tap-9"))
    post_session(session_body(org, SessionTopic="Passing"))
    finished = time.time()

    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    short, long = sorted(int(item["expiration"]["N"]) for item in items)
    # each expiry is set between the two clock readings, however long the requests took
    assert started + 600 <= short <= finished + 600
    assert started + 86_400 <= long <= finished + 86_400


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    """Threads switch after microseconds instead of 5 ms, so a race between them shows at once."""
    usual = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(usual)


THREADS = 8


@pytest.mark.parametrize("attempt", range(20))  # without the fix about one round in four fails
@pytest.mark.usefixtures("eager_thread_switching")
def test_threads_sharing_a_new_retry_guard_see_a_duplicate_as_in_progress_not_as_a_different_request(
    org: LocalEnvironment, attempt: int
) -> None:
    """A guard shared by threads (a threaded host of the handler): their first calls race to set it up.

    The attempt holds until every other thread has had its answer, however late a thread arrives on a
    busy machine, so every other thread meets the attempt in progress.
    """
    guard = RetryGuard(IDEMPOTENCY_TABLE, window_seconds=600)
    request = SessionRequest.model_validate(session_body(org))
    call = ScheduleCall(idempotency_key=f"shared-{attempt}", request=request, create_attendance_task=True)
    created = SessionCreated(SessionId="a0S5g0000000001EAA", TaskId=None, Attendances=[])

    scheduled = []
    answered: list[str] = []
    everyone_else_answered = threading.Condition()

    class Scheduling:
        def attempt(self, request: SessionRequest, _with_task: bool, _elsewhere: object) -> SessionCreated:
            scheduled.append(request)
            with everyone_else_answered:
                # A cap, not a timing: only a thread that never answers (a hang) reaches it.
                if not everyone_else_answered.wait_for(lambda: len(answered) + len(scheduled) >= THREADS, 300):
                    raise AssertionError(f"only {len(answered)} of the other threads answered")
            return created

        def resume(self, *_: object) -> SessionCreated:
            raise AssertionError("no answer was lost")

    start = threading.Barrier(THREADS)

    def tap(_: int) -> str:
        start.wait()
        try:
            outcome = guard.run(call, Scheduling(), LocalContext(timeout_seconds=600)).SessionId
        except IdempotencyAlreadyInProgressError:
            outcome = "in progress"
        except IdempotencyValidationError:
            outcome = "different request"
        with everyone_else_answered:
            answered.append(outcome)
            everyone_else_answered.notify_all()
        return outcome

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        outcomes = sorted(pool.map(tap, range(THREADS)))

    assert outcomes == [created.SessionId] + ["in progress"] * (THREADS - 1)
    assert len(scheduled) == 1


def test_without_a_table_retries_are_not_recognised_and_the_log_says_so(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch, service_logs: io.StringIO
) -> None:
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "")
    first = post_session(session_body(org), **with_key("tap-5"))
    second = post_session(session_body(org), **with_key("tap-5"))

    assert second.body["SessionId"] != first.body["SessionId"]
    warnings = [
        line for line in map(json.loads, service_logs.getvalue().splitlines()) if line.get("level") == "WARNING"
    ]
    assert [line["message"] for line in warnings] == [
        "IDEMPOTENCY_TABLE_NAME is not set: retries are not recognised and may create duplicates"
    ]
