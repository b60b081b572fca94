"""Children's data (docs/privacy.md): a student's name lives in Salesforce and in the coach's answer, nowhere else.

Every test creates attendance rows for named students through the real handler, then reads what AWS
would keep: the DynamoDB retry table (a scan, as anyone with read access would), every log line at
DEBUG (the service's, every library's, and the EMF metrics on stdout) and the error bodies.
The function sends no trace of its own (test_traces.py checks it, listening where X-Ray's daemon would);
its outside calls are on the log lines read here.
"""

import io
import json
import logging
from collections.abc import Callable, Iterator

import boto3
import pytest

from local.environment import IDEMPOTENCY_TABLE, LocalEnvironment
from local.org_standin.ids import INTEGRATION_USER_ID
from tests.conftest import Answer, post_session, session_body
from tests.integration.test_lost_answers import committed_but_answered_504, lose_the_answer_after_commit


@pytest.fixture(autouse=True)
def _no_settle_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "0")


@pytest.fixture
def everything_kept(
    service_logs: io.StringIO, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[[], str]]:
    """All the service would leave in CloudWatch, at DEBUG: its JSON lines, libraries' records, EMF metrics."""
    from handler.app import logger

    previous = logger.log_level
    logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield lambda: service_logs.getvalue() + caplog.text + capsys.readouterr().out
    logger.setLevel(previous)


def retry_table() -> str:
    return json.dumps(boto3.client("dynamodb").scan(TableName=IDEMPOTENCY_TABLE)["Items"])


def names_in(org: LocalEnvironment, text: str) -> list[str]:
    return [name for name in org.seed.student_names.values() if name in text]


def named_students(answer: Answer) -> set[str]:
    return {row["StudentName"] for row in answer.body["Attendances"]}


def test_keyed_and_keyless_creates_and_their_repeats_leave_no_name_in_the_retry_table(org: LocalEnvironment) -> None:
    keyed = post_session(session_body(org), headers={"Idempotency-Key": "privacy-1"})
    keyed_repeat = post_session(session_body(org), headers={"Idempotency-Key": "privacy-1"})
    keyless = post_session(session_body(org, SessionDate="2025-05-22"))
    keyless_repeat = post_session(session_body(org, SessionDate="2025-05-22"))

    assert [keyed.status, keyed_repeat.status, keyless.status, keyless_repeat.status] == [201] * 4
    assert named_students(keyed) == set(org.seed.student_names.values())
    assert keyed_repeat.raw == keyed.raw
    assert keyless_repeat.raw == keyless.raw
    table = retry_table()
    assert keyed.body["Attendances"][0]["AttendanceId"] in table  # the memory is there, by ID
    assert names_in(org, table) == []
    assert "StudentName" not in table


def test_a_lost_answer_found_by_reconciliation_answers_with_names_and_keeps_none(org: LocalEnvironment) -> None:
    committed_but_answered_504(org, session_body(org), headers={"Idempotency-Key": "privacy-2"})

    found = post_session(session_body(org), headers={"Idempotency-Key": "privacy-2"})
    again = post_session(session_body(org), headers={"Idempotency-Key": "privacy-2"})

    assert (found.status, again.status) == (201, 201)
    assert named_students(found) == set(org.seed.student_names.values())
    assert again.raw == found.raw
    assert names_in(org, retry_table()) == []


def test_no_name_in_any_log_line_metric_or_error_body(
    org: LocalEnvironment, everything_kept: Callable[[], str]
) -> None:
    answers = [post_session(session_body(org), headers={"Idempotency-Key": "privacy-3"})]
    answers.append(post_session(session_body(org), headers={"Idempotency-Key": "privacy-3"}))  # replayed
    lose_the_answer_after_commit(org)
    answers.append(post_session(session_body(org, SessionDate="2025-05-23")))  # lost: 504
    answers.append(post_session(session_body(org, SessionDate="2025-05-23")))  # found: 201
    committed_but_answered_504(org, session_body(org, SessionDate="2025-05-24", CoachId=...))
    [lost] = [s for s in org.standin.records("Session__c") if s["Session_Date__c"] == "2025-05-24"]
    look_alike = {name: value for name, value in lost.items() if name.endswith("__c")}
    org.standin.org.insert("Session__c", look_alike, created_by=INTEGRATION_USER_ID)
    answers.append(post_session(session_body(org, SessionDate="2025-05-24", CoachId=...)))  # look-alikes: 409
    org.standin.fail_next_insert("Attendance__c", "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access")
    answers.append(post_session(session_body(org, SessionDate="2025-05-25")))  # Salesforce refused: 500
    org.standin.inject_fault("composite", status=503, body="<html>busy</html>")
    answers.append(post_session(session_body(org), headers={"Idempotency-Key": "privacy-3"}))  # unread: 503

    assert [answer.status for answer in answers] == [201, 201, 504, 201, 409, 500, 503]
    assert answers[4].body["records"]  # the 409 names records, by ID
    kept = everything_kept()
    assert '"level":"DEBUG"' in kept or "DEBUG" in kept
    assert '"SessionsCreated"' in kept  # the metrics are in what was read
    assert '"SalesforceCallDuration"' in kept  # the Salesforce calls by kind
    assert '"calls":[{"service"' in kept  # and each request's outside calls
    assert names_in(org, kept) == []
    for answer in (answers[2], answers[4], answers[5], answers[6]):
        assert names_in(org, answer.raw) == []


def test_a_bug_whose_message_quotes_a_name_is_logged_by_type_and_place_without_it(
    org: LocalEnvironment, everything_kept: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from session_scheduling.session_scheduler import SessionScheduler

    name = next(iter(org.seed.student_names.values()))

    def choke(*_: object) -> None:
        raise ValueError(f"input_value='{name}' is not valid")  # as a pydantic error would quote it

    post_session(session_body(org), headers={"Idempotency-Key": "privacy-4"})
    monkeypatch.setattr(SessionScheduler, "replay", choke)

    answer = post_session(session_body(org), headers={"Idempotency-Key": "privacy-4"})

    assert answer.status == 500
    kept = everything_kept()
    assert '"error_type":"ValueError"' in kept
    assert "choke" in kept  # where it happened
    assert name not in kept
    assert name not in answer.raw
