"""When Salesforce refuses or fails: a 500 naming the stage, and nothing left behind in the org."""

import io
import json
from typing import Any

import pytest

from local.api_gateway_events import rest_event
from local.environment import LocalEnvironment
from local.lambda_runtime import cold_start
from tests.conftest import post_session, send, session_body

NOTHING = {"Session__c": 0, "SCORES_Task__c": 0, "Attendance__c": 0}


def assert_failed(answer: Any, stage: str, code: str, *, retryable: bool) -> None:
    assert answer.status == 500
    assert answer.body["stage"] == stage
    assert answer.body["salesforceErrors"][0]["errorCode"] == code
    assert answer.body["retryable"] is retryable
    assert answer.body["errorType"].endswith(f":{code}")
    assert answer.body["requestId"]
    assert answer.body["message"]


@pytest.mark.parametrize(
    ("sobject", "stage", "error_type"),
    [
        ("Session__c", "session", "CUSTOM:SALESFORCE_SESSION_CREATE:FIELD_CUSTOM_VALIDATION_EXCEPTION"),
        ("SCORES_Task__c", "task", "CUSTOM:SALESFORCE_TASK_CREATE:FIELD_CUSTOM_VALIDATION_EXCEPTION"),
        ("Attendance__c", "attendance", "CUSTOM:SALESFORCE_ATTENDANCE_CREATE:FIELD_CUSTOM_VALIDATION_EXCEPTION"),
    ],
)
def test_a_refused_step_rolls_back_everything_and_names_the_stage(
    org: LocalEnvironment, sobject: str, stage: str, error_type: str
) -> None:
    org.standin.fail_next_insert(sobject, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Coach is inactive", ["Name"])

    answer = post_session(session_body(org))

    assert_failed(answer, stage, "FIELD_CUSTOM_VALIDATION_EXCEPTION", retryable=False)
    assert answer.body["errorType"] == error_type
    assert answer.body["salesforceErrors"][0]["message"] == "Coach is inactive"
    assert org.standin.record_count() == NOTHING


def test_a_failed_request_can_be_retried_successfully(org: LocalEnvironment) -> None:
    org.standin.fail_next_insert("Attendance__c", "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access")

    first = post_session(session_body(org))
    second = post_session(session_body(org))

    assert_failed(first, "attendance", "UNABLE_TO_LOCK_ROW", retryable=True)
    assert second.status == 201
    assert org.standin.record_count()["Session__c"] == 1


@pytest.mark.parametrize(
    ("status", "body", "code", "retryable"),
    [
        (
            500,
            [{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred"}],
            "UNKNOWN_EXCEPTION",
            True,
        ),
        (503, "<html>Service Unavailable</html>", "HTTP_503", True),
        (
            403,
            [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}],
            "REQUEST_LIMIT_EXCEEDED",
            True,
        ),
        (400, [{"errorCode": "JSON_PARSER_ERROR", "message": "Unexpected character"}], "JSON_PARSER_ERROR", False),
    ],
)
def test_composite_failures_map_to_a_500_of_the_session_stage(
    org: LocalEnvironment, status: int, body: Any, code: str, retryable: bool
) -> None:
    org.standin.inject_fault("composite", status=status, body=body)

    answer = post_session(session_body(org))

    assert_failed(answer, "session", code, retryable=retryable)
    assert org.standin.record_count() == NOTHING


def test_a_failing_enrollment_query_fails_the_attendance_stage_before_anything_is_written(
    org: LocalEnvironment,
) -> None:
    org.standin.inject_fault("query", status=400, body=[{"errorCode": "INVALID_FIELD", "message": "No such column"}])

    answer = post_session(session_body(org))

    assert_failed(answer, "attendance", "INVALID_FIELD", retryable=False)
    assert [call.kind for call in org.standin.calls] == ["token", "query"]
    assert org.standin.record_count() == NOTHING


def test_an_expired_token_is_replaced_once_and_the_call_repeated(org: LocalEnvironment) -> None:
    assert post_session(session_body(org)).status == 201
    org.standin.expire_tokens()
    org.standin.reset_calls()

    answer = post_session(session_body(org, SessionDate="2025-05-28"))

    assert answer.status == 201
    assert [(call.kind, call.status) for call in org.standin.calls] == [
        ("query", 401),
        ("token", 200),
        ("query", 200),
        ("composite", 200),
    ]


def test_refused_client_credentials_are_an_auth_failure(org: LocalEnvironment) -> None:
    org.store_secret(org.client_credentials_secret(client_secret="wrong"))

    answer = post_session(session_body(org))

    assert_failed(answer, "auth", "invalid_client", retryable=False)
    assert answer.body["errorType"] == "CUSTOM:SALESFORCE_AUTH:invalid_client"
    assert org.standin.record_count() == NOTHING


def test_a_secret_missing_a_key_is_an_auth_failure_whose_log_names_the_key(
    org: LocalEnvironment, service_logs: io.StringIO
) -> None:
    secret = org.client_credentials_secret()
    del secret["client_secret"]
    org.store_secret(secret)

    answer = post_session(session_body(org))

    assert_failed(answer, "auth", "INVALID_SECRET", retryable=False)
    assert "client_secret" in answer.body["salesforceErrors"][0]["message"]
    assert "'client_secret'" in service_logs.getvalue()
    assert org.standin.calls == []


def test_a_secret_that_is_not_json_is_an_auth_failure(org: LocalEnvironment) -> None:
    org.store_secret("client_secret=abc")

    assert_failed(post_session(session_body(org)), "auth", "INVALID_SECRET", retryable=False)


def test_a_salesforce_that_does_not_answer_in_time_is_a_retryable_timeout(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESFORCE_READ_TIMEOUT_SECONDS", "0.3")
    org.standin.inject_fault("query", delay=1.0)

    answer = post_session(session_body(org))

    assert_failed(answer, "attendance", "TIMEOUT", retryable=True)
    assert org.standin.record_count() == NOTHING


def test_no_secret_reaches_logs_or_answers(org: LocalEnvironment, service_logs: io.StringIO) -> None:
    secret_value = org.client_credentials_secret()["client_secret"]
    answers = [post_session(session_body(org))]
    org.standin.fail_next_insert("Session__c", "REQUIRED_FIELD_MISSING", "Required fields are missing")
    answers.append(post_session(session_body(org, SessionDate="2025-05-22")))
    org.store_secret(org.client_credentials_secret(client_secret="wrong-" + secret_value))
    cold_start()
    answers.append(post_session(session_body(org, SessionDate="2025-05-23")))
    assert [answer.status for answer in answers] == [201, 500, 500]

    logged = service_logs.getvalue()
    assert "Salesforce step failed" in logged
    tokens = list(org.standin.issued_tokens)
    assert tokens
    for text in [logged, *(json.dumps(a.body) for a in answers)]:
        assert secret_value not in text
        assert not any(token in text for token in tokens)
        assert "Bearer" not in text
        assert "access_token" not in text


def test_a_secret_that_does_not_exist_is_a_permanent_auth_failure(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = "arn:aws:secretsmanager:us-west-2:123456789012:secret:no/such/secret-AbCdEf"
    monkeypatch.setenv("SALESFORCE_SECRET_ID", missing)

    answer = post_session(session_body(org))

    assert_failed(answer, "auth", "SECRET_UNAVAILABLE", retryable=False)
    assert "ResourceNotFoundException" in answer.body["salesforceErrors"][0]["message"]
    assert "123456789012" not in str(answer.body)  # the app's users learn nothing of our account
    assert org.standin.calls == []


def test_a_refused_row_in_a_collection_rolls_back_the_whole_bundle(org: LocalEnvironment) -> None:
    team = org.standin.insert("Team_Season__c", {"Name": "Big team"})
    org.standin.seed_students(team, 30)
    org.standin.fail_next_insert("Attendance__c", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Student withdrawn")

    answer = post_session(session_body(org, TeamSeasonId=team))

    assert_failed(answer, "attendance", "FIELD_CUSTOM_VALIDATION_EXCEPTION", retryable=False)
    assert answer.body["salesforceErrors"][0]["message"] == "Student withdrawn"
    assert org.standin.record_count() == NOTHING


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SALESFORCE_SECRET_ID", None, "SALESFORCE_SECRET_ID"),
        ("SALESFORCE_READ_TIMEOUT_SECONDS", "-1", "SALESFORCE_READ_TIMEOUT_SECONDS"),
        ("TASK_OWNER_USER_ID", "0035g0000000001AAA", "TASK_OWNER_USER_ID"),
    ],
)
def test_a_misconfigured_deployment_is_a_500_that_says_so_and_names_the_variable(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch, variable: str, value: str | None, named: str
) -> None:
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)

    answer = post_session(session_body(org))

    assert_failed(answer, "auth", "CONFIGURATION_ERROR", retryable=False)
    assert named in answer.body["salesforceErrors"][0]["message"]
    assert answer.body["message"].startswith("The service is misconfigured")
    assert org.standin.calls == []


def test_an_event_without_request_context_still_gets_the_structured_500(org: LocalEnvironment) -> None:
    org.store_secret("not json")
    event = rest_event(session_body(org))
    del event["requestContext"]

    answer = send(event)

    assert answer.status == 500
    assert (answer.body["stage"], answer.body["salesforceErrors"][0]["errorCode"]) == ("auth", "INVALID_SECRET")
    assert "requestId" not in answer.body
