"""The secret's shape: both OAuth flows, https only, and problems that name keys but never values."""

import json

import pytest

from session_scheduling.errors import SalesforceFailure
from session_scheduling.salesforce.credentials import ClientCredentialsSecret, JwtBearerSecret, parse_secret
from session_scheduling.salesforce.oauth import jwt_audience

CLIENT_SECRET = "s3cr3t-value-never-logged"


def client_credentials(**overrides: object) -> dict[str, object]:
    secret: dict[str, object] = {
        "auth_flow": "client_credentials",
        "login_url": "https://acme.my.salesforce.com/",
        "client_id": "3MVG9",
        "client_secret": CLIENT_SECRET,
        "api_version": "62.0",
    }
    secret.update(overrides)
    return secret


def failure_of(raw: object) -> SalesforceFailure:
    with pytest.raises(SalesforceFailure) as raised:
        parse_secret(raw)  # type: ignore[arg-type]  # deliberately malformed input
    assert raised.value.stage == "auth"
    assert not raised.value.retryable
    return raised.value


def test_client_credentials_secret_is_read_from_json_text() -> None:
    secret = parse_secret(json.dumps(client_credentials()))
    assert isinstance(secret, ClientCredentialsSecret)
    assert secret.login_url == "https://acme.my.salesforce.com"
    assert CLIENT_SECRET not in repr(secret)


def test_jwt_bearer_secret_is_read() -> None:
    secret = parse_secret(
        {
            "auth_flow": "jwt_bearer",
            "login_url": "https://login.salesforce.com",
            "client_id": "3MVG9",
            "username": "integration@acme.org",
            "private_key": "-----BEGIN PRIVATE KEY-----x",
        }
    )
    assert isinstance(secret, JwtBearerSecret)
    assert secret.api_version == "62.0"


def test_a_missing_key_is_named_and_no_value_is_echoed() -> None:
    secret = client_credentials()
    del secret["client_id"]
    failure = failure_of(secret)
    assert "'client_id'" in failure.errors[0].message
    assert CLIENT_SECRET not in str([failure.errors, failure.summary])


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", json.dumps("text"), None])
def test_a_secret_that_is_not_a_json_object_is_refused(raw: object) -> None:
    assert "not a JSON object" in failure_of(raw).errors[0].message


def test_login_url_must_be_https() -> None:
    assert "https" in failure_of(client_credentials(login_url="http://acme.my.salesforce.com")).summary


@pytest.mark.parametrize("flow", ["password", "soap"])
def test_username_password_and_soap_flows_are_not_supported(flow: str) -> None:
    assert "auth_flow" in failure_of(client_credentials(auth_flow=flow)).errors[0].message


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme--dev.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
    ],
)
def test_jwt_audience_is_the_login_server(login_url: str, audience: str) -> None:
    assert jwt_audience(login_url) == audience
