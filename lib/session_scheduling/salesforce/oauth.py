"""OAuth 2.0 access tokens from {login_url}/services/oauth2/token (client credentials or JWT bearer)."""

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from session_scheduling.errors import SalesforceError, SalesforceFailure, is_retryable
from session_scheduling.salesforce.credentials import ClientCredentialsSecret, JwtBearerSecret

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_SECONDS = 180
PRODUCTION_AUDIENCE = "https://login.salesforce.com"
SANDBOX_AUDIENCE = "https://test.salesforce.com"
_TOKEN_KEYS = frozenset({"access_token", "instance_url"})


@dataclass(frozen=True)
class AccessToken:
    value: str
    instance_url: str
    user_id: str | None = None  # the integration user, the last part of the token's identity URL

    def __repr__(self) -> str:  # the token is a credential: keep it out of logs and tracebacks
        return f"AccessToken(instance_url={self.instance_url!r})"


def request_access_token(
    http: requests.Session,
    secret: ClientCredentialsSecret | JwtBearerSecret,
    timeout: tuple[float, float],
) -> AccessToken:
    form = _grant_form(secret)
    try:
        answer = http.post(f"{secret.login_url}/services/oauth2/token", data=form, timeout=timeout)
    except requests.Timeout:
        raise _unreachable("TIMEOUT", "the Salesforce token endpoint did not answer in time") from None
    except requests.RequestException as failure:
        raise _unreachable("CONNECTION_ERROR", _connection_problem(failure)) from None
    document = _json_or_none(answer)
    if answer.status_code != 200 or not isinstance(document, dict) or not document.keys() >= _TOKEN_KEYS:
        raise _refused(answer.status_code, document)
    identity = str(document.get("id") or "")  # https://login.salesforce.com/id/<org id>/<user id>
    return AccessToken(
        value=document["access_token"],
        instance_url=str(document["instance_url"]).rstrip("/"),
        user_id=identity.rstrip("/").rsplit("/", 1)[-1] if "/id/" in identity else None,
    )


def _grant_form(secret: ClientCredentialsSecret | JwtBearerSecret) -> dict[str, str]:
    if isinstance(secret, ClientCredentialsSecret):
        return {
            "grant_type": "client_credentials",
            "client_id": secret.client_id,
            "client_secret": secret.client_secret.get_secret_value(),
        }
    return {"grant_type": JWT_BEARER_GRANT, "assertion": _signed_assertion(secret)}


def _signed_assertion(secret: JwtBearerSecret) -> str:
    import jwt  # noqa: PLC0415 - PyJWT and cryptography load only for the JWT flow

    claims = {
        "iss": secret.client_id,
        "sub": secret.username,
        "aud": secret.audience or jwt_audience(secret.login_url),
        "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
    }
    try:
        return jwt.encode(claims, secret.private_key.get_secret_value(), algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise SalesforceFailure(
            "auth",
            (SalesforceError("INVALID_SECRET", "the secret's 'private_key' is not a usable RSA private key"),),
        ) from None


def jwt_audience(login_url: str) -> str:
    """Salesforce wants the login server as audience, not a My Domain host."""
    host = urlsplit(login_url).hostname or ""
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return SANDBOX_AUDIENCE
    if host == "login.salesforce.com" or host.endswith(".my.salesforce.com"):
        return PRODUCTION_AUDIENCE
    return login_url


def _json_or_none(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _refused(status: int, document: Any) -> SalesforceFailure:
    if isinstance(document, dict) and "error" in document:
        code = str(document["error"])
        message = str(document.get("error_description") or code)
        return SalesforceFailure(
            "auth", (SalesforceError(code, message, from_salesforce=True),), retryable=is_retryable(code, status)
        )
    if status == 200:
        code, message = (
            "UNEXPECTED_RESPONSE",
            "the Salesforce token endpoint's answer has no access_token or instance_url",
        )
    else:
        code, message = f"HTTP_{status}", f"the Salesforce token endpoint answered HTTP {status}"
    return SalesforceFailure("auth", (SalesforceError(code, message),), retryable=is_retryable(code, status))


def _unreachable(code: str, message: str) -> SalesforceFailure:
    return SalesforceFailure("auth", (SalesforceError(code, message),), retryable=True)


def _connection_problem(failure: requests.RequestException) -> str:
    return f"could not reach Salesforce ({type(failure).__name__})"
