"""Authentication: both OAuth flows against the stand-in's token endpoint, and its failure modes."""

import pytest

from local.environment import LocalEnvironment
from tests.conftest import post_session, session_body
from tests.integration.test_salesforce_failures import NOTHING, assert_failed
from tests.keys import rsa_key_pair

INTEGRATION_USER = "integration@owls.example.org"


@pytest.fixture
def jwt_org(org: LocalEnvironment) -> tuple[LocalEnvironment, str]:
    private_pem, public_pem = rsa_key_pair()
    org.standin.register_client("jwt-app", public_key_pem=public_pem, username=INTEGRATION_USER)
    return org, private_pem


def jwt_secret(org: LocalEnvironment, private_pem: str, **overrides: str) -> dict[str, str]:
    secret = {
        "auth_flow": "jwt_bearer",
        "login_url": org.standin.url,
        "client_id": "jwt-app",
        "username": INTEGRATION_USER,
        "private_key": private_pem,
        "api_version": "62.0",
    }
    secret.update(overrides)
    return secret


def test_the_jwt_bearer_flow_creates_the_session(jwt_org: tuple[LocalEnvironment, str]) -> None:
    org, private_pem = jwt_org
    org.store_secret(jwt_secret(org, private_pem))

    answer = post_session(session_body(org))

    assert answer.status == 201
    assert [call.kind for call in org.standin.calls] == ["token", "query", "composite"]


def test_a_jwt_for_a_user_the_app_does_not_know_is_an_auth_failure(jwt_org: tuple[LocalEnvironment, str]) -> None:
    org, private_pem = jwt_org
    org.store_secret(jwt_secret(org, private_pem, username="someone@else.org"))

    assert_failed(post_session(session_body(org)), "auth", "invalid_grant", retryable=False)
    assert org.standin.record_count() == NOTHING


def test_a_private_key_that_is_not_a_key_is_an_auth_failure_without_echoing_it(
    jwt_org: tuple[LocalEnvironment, str],
) -> None:
    org, _ = jwt_org
    org.store_secret(jwt_secret(org, "-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----"))

    answer = post_session(session_body(org))

    assert_failed(answer, "auth", "INVALID_SECRET", retryable=False)
    assert "not-a-key" not in str(answer.body)
    assert org.standin.calls == []


@pytest.mark.parametrize(
    ("fault", "code"),
    [({"delay": 1.0}, "TIMEOUT"), ({"drop_connection": True}, "CONNECTION_ERROR")],
)
def test_an_unreachable_token_endpoint_is_a_retryable_auth_failure(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch, fault: dict[str, object], code: str
) -> None:
    monkeypatch.setenv("SALESFORCE_READ_TIMEOUT_SECONDS", "0.3")
    org.standin.inject_fault("token", **fault)  # type: ignore[arg-type]

    assert_failed(post_session(session_body(org)), "auth", code, retryable=True)
    assert org.standin.record_count() == NOTHING


def test_connection_refused_is_a_retryable_auth_failure(org: LocalEnvironment) -> None:
    org.store_secret(org.client_credentials_secret(login_url="https://127.0.0.1:9"))

    assert_failed(post_session(session_body(org)), "auth", "CONNECTION_ERROR", retryable=True)


def test_a_token_endpoint_outage_is_retryable(org: LocalEnvironment) -> None:
    org.standin.inject_fault("token", status=503, body="<html>Maintenance</html>")

    assert_failed(post_session(session_body(org)), "auth", "HTTP_503", retryable=True)


def test_the_secret_is_read_again_after_rotation_when_its_cache_expires(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESFORCE_SECRET_MAX_AGE_SECONDS", "0")
    assert post_session(session_body(org)).status == 201
    org.store_secret(org.client_credentials_secret(client_secret="rotated-away"))

    answer = post_session(session_body(org, SessionDate="2025-05-28"))

    assert_failed(answer, "auth", "invalid_client", retryable=False)
