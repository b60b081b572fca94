"""What operators see: one structured line per request and EMF metrics, both secret-free."""

import io
import json
from typing import Any

import pytest

from local.environment import LocalEnvironment
from tests.conftest import post_session, session_body


def finished_lines(logs: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("message") == "request finished"]


def emf_documents(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith('{"_aws"')]


def test_a_success_logs_one_line_with_outcome_latency_and_call_count(
    org: LocalEnvironment, service_logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = post_session(session_body(org), request_id="req-success-1")

    [line] = finished_lines(service_logs)
    assert line["correlation_id"] == "req-success-1"
    assert line["outcome"] == 201
    assert line["salesforce_calls"] == 3
    assert line["latency_ms"] > 0
    assert line["session_id"] == answer.body["SessionId"]
    assert line["attendance_rows"] == 3
    [metrics] = emf_documents(capsys.readouterr().out)
    assert (metrics["SessionsCreated"], metrics["TasksCreated"]) == ([1.0], [1.0])
    assert (metrics["AttendanceRowsCreated"], metrics["SalesforceCalls"]) == ([3.0], [3.0])


def test_a_failure_logs_its_stage_and_error_code_and_counts_it_by_both(
    org: LocalEnvironment, service_logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    org.standin.fail_next_insert("SCORES_Task__c", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Coach is inactive")

    answer = post_session(session_body(org), request_id="req-failure-1")

    [line] = finished_lines(service_logs)
    assert (line["outcome"], line["stage"], line["salesforce_error_code"]) == (
        500,
        "task",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    )
    assert line["correlation_id"] == answer.body["requestId"] == "req-failure-1"
    documents = emf_documents(capsys.readouterr().out)
    [by_cause] = [doc for doc in documents if "SalesforceErrors" in doc]
    assert (by_cause["stage"], by_cause["error_code"]) == ("task", "FIELD_CUSTOM_VALIDATION_EXCEPTION")
    [for_the_alarm] = [doc for doc in documents if "SalesforceFailures" in doc]
    assert for_the_alarm["SalesforceFailures"] == [1.0]
    assert "stage" not in for_the_alarm
