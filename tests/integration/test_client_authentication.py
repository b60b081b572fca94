"""AuthMode CLIENT_ID: the apps' client_id/client_secret headers, checked against the allowed clients in
Secrets Manager before anything else, so a wrong pair never reaches the Salesforce code."""

import io
from typing import Any

import pytest

from handler.app import salesforce_gateway
from local.environment import APP_CLIENT_ID, APP_CLIENT_SECRET, LocalEnvironment
from tests.conftest import Answer, post_session, session_body

NOTHING = {"Session__c": 0, "SCORES_Task__c": 0, "Attendance__c": 0}


def unauthorized(org: LocalEnvironment, answer: Answer) -> None:
    assert answer.status == 401, answer.body
    assert answer.body == {
        "message": "Missing or invalid client credentials: send the client_id and client_secret headers of an "
        "allowed client."
    }
    assert answer.headers["Content-Type"] == "application/json"
    assert org.standin.calls == [], "nothing may reach Salesforce"
    assert salesforce_gateway.cache_info().currsize == 0, "the Salesforce gateway was never even built"
    assert org.standin.record_count() == NOTHING


@pytest.mark.parametrize(
    "headers",
    [
        {"client_id": None, "client_secret": None},
        {"client_id": None},
        {"client_secret": None},
        {"client_secret": "wrong-secret"},
        {"client_id": "someone-else"},
        {"client_id": "someone-else", "client_secret": "wrong-secret"},
        {"client_secret": ""},
        {"client_id": APP_CLIENT_SECRET, "client_secret": APP_CLIENT_ID},
    ],
    ids=["none", "no-id", "no-secret", "wrong-secret", "unknown-id", "both-wrong", "empty-secret", "swapped"],
)
def test_a_missing_or_wrong_pair_is_the_same_401_whichever_half_is_wrong(
    org: LocalEnvironment, headers: dict[str, Any]
) -> None:
    unauthorized(org, post_session(session_body(org), headers=headers))


def test_the_client_check_comes_before_any_other_answer(org: LocalEnvironment) -> None:
    """As an API Gateway authorizer would: a bad body or type from an unknown caller learns nothing more."""
    no_pair = {"client_id": None, "client_secret": None}
    unauthorized(org, post_session(raw_body="[1]", headers=no_pair))
    unauthorized(org, post_session(session_body(org), headers={**no_pair, "Content-Type": "text/plain"}))


def test_header_names_are_case_insensitive_as_http_says(org: LocalEnvironment) -> None:
    headers = {"client_id": None, "client_secret": None, "Client_Id": APP_CLIENT_ID, "CLIENT_SECRET": APP_CLIENT_SECRET}

    assert post_session(session_body(org), headers=headers).status == 201


def test_during_a_rotation_both_secrets_of_a_client_are_accepted_and_afterwards_only_the_new_one(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESFORCE_SECRET_MAX_AGE_SECONDS", "0")  # read the secret on every request
    org.store_allowed_clients({APP_CLIENT_ID: [APP_CLIENT_SECRET, "the-next-secret-of-the-app"]})

    assert post_session(session_body(org)).status == 201
    assert (
        post_session(
            session_body(org, SessionDate="2025-05-22"), headers={"client_secret": "the-next-secret-of-the-app"}
        ).status
        == 201
    )

    org.store_allowed_clients({APP_CLIENT_ID: ["the-next-secret-of-the-app"]})
    org.standin.reset_calls()
    answer = post_session(session_body(org, SessionDate="2025-05-23"))
    assert answer.status == 401
    assert org.standin.calls == []
    assert org.standin.record_count()["Session__c"] == 2


def test_a_third_secret_for_one_client_is_refused_as_a_malformed_secret(
    org: LocalEnvironment, service_logs: io.StringIO
) -> None:
    org.store_allowed_clients({APP_CLIENT_ID: ["one", "two", APP_CLIENT_SECRET]})

    answer = post_session(session_body(org), request_id="req-clients-1")

    assert answer.status == 500
    assert answer.body == {
        "message": "The service cannot check client credentials right now.",
        "requestId": "req-clients-1",
    }
    assert org.standin.calls == []
    logged = service_logs.getvalue()
    assert "the allowed-clients secret is malformed (clients.coach-app-demo" in logged
    assert APP_CLIENT_SECRET not in logged


def test_an_unreadable_allowed_clients_secret_lets_nobody_in(org: LocalEnvironment, service_logs: io.StringIO) -> None:
    org.store_secret("not json", secret_id="local/api-clients")

    answer = post_session(session_body(org))

    assert answer.status == 500
    assert org.standin.calls == []
    assert "the allowed-clients secret is not JSON" in service_logs.getvalue()


def test_without_a_clients_secret_the_function_leaves_the_check_to_api_gateway(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AuthMode API_KEY or IAM: API Gateway has checked the caller before the function runs."""
    monkeypatch.setenv("API_CLIENTS_SECRET_ID", "")

    answer = post_session(session_body(org), headers={"client_id": None, "client_secret": None})

    assert answer.status == 201
