"""Every step against every kind of Salesforce trouble: the client always knows what exists."""

from dataclasses import dataclass
from typing import Any

import pytest

from local.api_gateway_events import rest_event
from local.environment import LocalEnvironment
from local.lambda_runtime import LocalContext
from tests.conftest import post_session, send, session_body
from tests.integration.test_salesforce_failures import NOTHING, assert_failed

SERVER_ERROR = [
    {"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred. Please include this ErrorId"}
]
LIMIT = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
LOCKED = [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access to this record"}]
UNAVAILABLE = "<html><body>Service Unavailable</body></html>"
STAGE_OF = {"token": "auth", "query": "attendance", "composite": "session"}


@pytest.mark.parametrize("step", ["token", "query", "composite"])
@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (500, SERVER_ERROR, "UNKNOWN_EXCEPTION"),
        (503, UNAVAILABLE, "HTTP_503"),
        (403, LIMIT, "REQUEST_LIMIT_EXCEEDED"),
        (400, LOCKED, "UNABLE_TO_LOCK_ROW"),
    ],
)
def test_transient_salesforce_trouble_is_a_retryable_500_and_nothing_exists(
    org: LocalEnvironment, step: str, status: int, body: Any, code: str
) -> None:
    if step == "token":
        body = {"error": "temporarily_unavailable", "error_description": "try later"} if status != 503 else body
        code = "temporarily_unavailable" if status != 503 else code
    org.standin.inject_fault(step, status=status, body=body)

    answer = post_session(session_body(org))

    assert_failed(answer, STAGE_OF[step], code, retryable=True)
    assert org.standin.record_count() == NOTHING
    retry = post_session(session_body(org))
    assert retry.status == 201
    assert org.standin.record_count()["Session__c"] == 1


def test_a_token_that_expires_between_the_query_and_the_create_is_renewed_once(org: LocalEnvironment) -> None:
    org.standin.inject_fault(
        "composite", status=401, body=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    )

    answer = post_session(session_body(org))

    assert answer.status == 201
    assert [(c.kind, c.status) for c in org.standin.calls] == [
        ("token", 200),
        ("query", 200),
        ("composite", 401),
        ("token", 200),
        ("composite", 200),
    ]
    assert org.standin.record_count() == {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}


def test_a_token_refused_right_after_renewal_is_an_auth_failure_not_a_loop(org: LocalEnvironment) -> None:
    expired = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    org.standin.inject_fault("query", status=401, body=expired, times=2)

    answer = post_session(session_body(org))

    assert_failed(answer, "auth", "INVALID_SESSION_ID", retryable=False)
    assert [c.kind for c in org.standin.calls] == ["token", "query", "token", "query"]


def test_a_read_timeout_on_the_query_is_retryable_and_nothing_exists(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESFORCE_READ_TIMEOUT_SECONDS", "0.3")
    org.standin.inject_fault("query", delay=1.0)

    assert_failed(post_session(session_body(org)), "attendance", "TIMEOUT", retryable=True)
    assert org.standin.record_count() == NOTHING


@pytest.mark.parametrize("fault", [{"delay": 1.0}, {"drop_connection": True}])
def test_a_lost_answer_to_the_create_is_a_504_that_does_not_claim_nothing_exists(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch, fault: dict[str, Any]
) -> None:
    monkeypatch.setenv("SALESFORCE_READ_TIMEOUT_SECONDS", "0.3")
    org.standin.inject_fault("composite", **fault)

    answer = post_session(session_body(org))

    assert answer.status == 504
    assert answer.body["errorType"] == "CUSTOM:SALESFORCE_SESSION_CREATE:OUTCOME_UNKNOWN"
    assert answer.body["retryable"] is True
    assert "Send the same request again" in answer.body["message"]


@pytest.mark.parametrize(("with_task", "stage"), [(True, "attendance"), (False, "session")])
def test_connection_refused_by_the_instance_is_retryable_and_nothing_exists(
    org: LocalEnvironment, with_task: bool, stage: str
) -> None:
    org.standin.instance_url = "https://127.0.0.1:9"  # the token points at an instance that refuses
    body = session_body(org) if with_task else session_body(org, CoachId=...)

    assert_failed(post_session(body), stage, "CONNECTION_ERROR", retryable=True)
    assert org.standin.record_count() == NOTHING


@pytest.mark.parametrize("status", [502, 504])
def test_a_proxy_error_on_the_create_is_a_504_because_the_create_may_have_committed(
    org: LocalEnvironment, status: int
) -> None:
    org.standin.inject_fault("composite", status=status, body="<html>Bad Gateway</html>")

    answer = post_session(session_body(org))

    assert answer.status == 504
    assert answer.body["errorType"] == "CUSTOM:SALESFORCE_SESSION_CREATE:OUTCOME_UNKNOWN"
    assert answer.body["retryable"] is True


def test_an_answer_to_the_query_that_is_not_json_is_a_retryable_500_and_nothing_exists(org: LocalEnvironment) -> None:
    org.standin.inject_fault("query", status=200, body="<html>Please log in</html>")

    assert_failed(post_session(session_body(org)), "attendance", "UNEXPECTED_RESPONSE", retryable=True)
    assert org.standin.record_count() == NOTHING


def test_a_token_answer_without_instance_url_is_an_auth_failure_and_nothing_is_called(org: LocalEnvironment) -> None:
    org.standin.inject_fault("token", status=200, body={"access_token": "00D!abc", "token_type": "Bearer"})

    answer = post_session(session_body(org))

    assert_failed(answer, "auth", "UNEXPECTED_RESPONSE", retryable=False)
    assert "00D!abc" not in str(answer.body)
    assert [call.kind for call in org.standin.calls] == ["token"]


def test_a_successful_composite_answer_that_cannot_be_read_is_a_504_not_a_claim_that_nothing_exists(
    org: LocalEnvironment,
) -> None:
    only_the_session = {
        "compositeResponse": [
            {
                "body": {"id": "a0S5g0000000009EAA", "success": True, "errors": []},
                "httpHeaders": {},
                "httpStatusCode": 201,
                "referenceId": "session",
            }
        ]
    }
    org.standin.inject_fault("composite", status=200, body=only_the_session)

    answer = post_session(session_body(org))

    assert answer.status == 504
    assert answer.body["errorType"] == "CUSTOM:SALESFORCE_SESSION_CREATE:OUTCOME_UNKNOWN"
    assert answer.body["retryable"] is True


@dataclass
class InvocationClock(LocalContext):
    """The invocation's remaining time passes only as the test says (spend): what the service decides from
    it is the same on a quiet machine and a busy one."""

    spent: float = 0.0

    def spend(self, seconds: float) -> None:
        self.spent += seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.timeout_seconds - self.spent) * 1000)


def test_no_call_starts_that_could_not_finish_before_the_lambda_timeout(org: LocalEnvironment) -> None:
    """The query takes 2 of a 3.5 s invocation: too little is left for the create, and it is not sent at all."""
    clock = InvocationClock(timeout_seconds=3.5)
    org.standin.inject_fault("query", notify=lambda _: clock.spend(2.0))

    answer = send(rest_event(session_body(org)), context=clock)

    assert_failed(answer, "session", "TIMEOUT", retryable=True)
    assert [call.kind for call in org.standin.calls] == ["token", "query"]
    assert org.standin.record_count() == NOTHING


def test_a_call_is_cut_short_to_answer_before_the_lambda_timeout(org: LocalEnvironment) -> None:
    """Salesforce stuck on the create (the default read timeout is 8 s) with 4 s of the invocation left: a 504
    in time. Salesforce answers the held create after 6 s, within the read timeout: only a call cut short for
    the invocation's deadline answers 504 (waiting would have answered 201)."""
    org.standin.inject_fault("composite", delay=6.0)

    answer = send(rest_event(session_body(org)), context=InvocationClock(timeout_seconds=4.0))

    assert answer.status == 504
    assert answer.body["errorType"] == "CUSTOM:SALESFORCE_SESSION_CREATE:OUTCOME_UNKNOWN"
