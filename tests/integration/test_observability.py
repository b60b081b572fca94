"""What operators see: one structured line per request (its outside calls included, under the X-Ray trace ID)
and EMF metrics, both secret-free."""

import io
import json
from typing import Any

import pytest

from local.environment import APP_CLIENT_ID, APP_CLIENT_SECRET, LocalEnvironment
from tests.conftest import post_session, session_body

TRACE_HEADER = "Root=1-6750a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


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
    assert line["client_id"] == APP_CLIENT_ID
    [metrics] = [doc for doc in emf_documents(capsys.readouterr().out) if "SessionsCreated" in doc]
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


def test_a_repeat_that_cannot_read_its_records_counts_toward_the_salesforce_alarm(
    org: LocalEnvironment, capsys: pytest.CaptureFixture[str]
) -> None:
    assert post_session(session_body(org)).status == 201
    org.standin.inject_fault("composite", status=503, body="<html>busy</html>")
    capsys.readouterr()

    assert post_session(session_body(org)).status == 503

    documents = emf_documents(capsys.readouterr().out)
    [by_cause] = [doc for doc in documents if "SalesforceErrors" in doc]
    assert (by_cause["stage"], by_cause["error_code"]) == ("repeat", "HTTP_503")
    [for_the_alarm] = [doc for doc in documents if "SalesforceFailures" in doc]
    assert for_the_alarm["SalesforceFailures"] == [1.0]


def test_requests_are_counted_by_client_id_and_the_client_secret_is_never_written(
    org: LocalEnvironment, service_logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    post_session(session_body(org))
    post_session(session_body(org), headers={"client_secret": "a-wrong-secret-for-this-test"})

    documents = emf_documents(capsys.readouterr().out)
    [by_client] = [doc for doc in documents if "ClientRequests" in doc]
    assert (by_client["client_id"], by_client["ClientRequests"]) == (APP_CLIENT_ID, [1.0])
    assert [doc["ClientsRefused"] for doc in documents if "ClientsRefused" in doc] == [[1.0]]
    written = service_logs.getvalue() + json.dumps(documents)
    assert APP_CLIENT_SECRET not in written
    assert "a-wrong-secret-for-this-test" not in written


def logged_calls(line: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(service, call, outcome) of each outside call on a request finished line; each has its duration."""
    assert all(call["ms"] >= 0 for call in line["calls"]), line["calls"]
    return [(call["service"], call["call"], call["outcome"]) for call in line["calls"]]


def test_each_salesforce_secrets_manager_and_dynamodb_call_is_logged_with_duration_and_outcome_under_the_trace_id(
    org: LocalEnvironment,
    service_logs: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER)  # Lambda sets it for each invocation

    post_session(session_body(org))

    [line] = finished_lines(service_logs)
    assert line["xray_trace_id"] == "1-6750a1b2-0123456789abcdef01234567"
    assert logged_calls(line) == [
        ("secretsmanager", "GetSecretValue", "ok"),
        ("dynamodb", "PutItem", "ok"),
        ("secretsmanager", "GetSecretValue", "ok"),
        ("salesforce", "token", "ok"),
        ("salesforce", "query", "ok"),
        ("salesforce", "composite", "ok"),
        ("dynamodb", "UpdateItem", "ok"),
    ]
    by_kind = [doc for doc in emf_documents(capsys.readouterr().out) if "SalesforceCallDuration" in doc]
    assert [doc["call"] for doc in by_kind] == ["token", "query", "composite"]
    assert [doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] for doc in by_kind] == [[["call", "service"]]] * 3
    logged = {call["call"]: call["ms"] for call in line["calls"] if call["service"] == "salesforce"}
    assert {doc["call"]: doc["SalesforceCallDuration"] for doc in by_kind} == {
        kind: [ms] for kind, ms in logged.items()
    }


def test_a_failed_call_is_logged_with_its_status_or_failure_type_and_never_its_message(
    org: LocalEnvironment, service_logs: io.StringIO
) -> None:
    org.standin.inject_fault("query", status=401, body=EXPIRED)  # an expired token: renewed, the query repeated
    post_session(session_body(org))
    org.standin.inject_fault("query", drop_connection=True)
    post_session(session_body(org, SessionDate="2025-05-22"))

    renewed, cut = finished_lines(service_logs)
    assert [call for call in logged_calls(renewed) if call[0] == "salesforce"] == [
        ("salesforce", "token", "ok"),
        ("salesforce", "query", "401"),
        ("salesforce", "token", "ok"),
        ("salesforce", "query", "ok"),
        ("salesforce", "composite", "ok"),
    ]
    assert ("salesforce", "query", "ConnectionError") in logged_calls(cut)
    assert cut["outcome"] == 500
    assert "Session expired" not in json.dumps(renewed)  # a status, not Salesforce's message


def test_a_token_refused_is_logged_with_salesforces_error_code(
    org: LocalEnvironment, service_logs: io.StringIO
) -> None:
    org.standin.inject_fault("token", status=400, body={"error": "invalid_client", "error_description": "bad"})

    post_session(session_body(org))

    [line] = finished_lines(service_logs)
    assert ("salesforce", "token", "invalid_client") in logged_calls(line)


def test_an_aws_call_that_fails_is_logged_with_the_aws_error_code(
    org: LocalEnvironment, service_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESFORCE_SECRET_ID", "local/no-such-secret")

    answer = post_session(session_body(org))

    [line] = finished_lines(service_logs)
    assert answer.status == 500
    assert ("secretsmanager", "GetSecretValue", "ResourceNotFoundException") in logged_calls(line)
    assert "no-such-secret" not in json.dumps(line["calls"])  # the operation, not its parameters
