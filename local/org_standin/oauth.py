"""The OAuth 2.0 token endpoint: client credentials and JWT bearer grants, with Salesforce's error bodies.

Errors are a 400 with {"error", "error_description"} (Salesforce Help, "OAuth 2.0 Authorization Errors",
https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm&type=5). What of that page
could be read shows the shape only: each description below says where its wording was seen, or that it is ours.
"""

import time
from dataclasses import dataclass
from typing import Any

import jwt

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# aud: "Use the authorization server's URL ... https://login.salesforce.com, https://test.salesforce.com" (Salesforce
# Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"); the stand-in's own URL is its login server.
LOGIN_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


@dataclass(frozen=True)
class ConnectedApp:
    client_id: str
    client_secret: str | None
    public_key_pem: str | None
    username: str | None


def _error(code: str, description: str, status: int = 400) -> tuple[int, dict[str, str]]:
    return status, {"error": code, "error_description": description}


def issue_token(standin: Any, form: dict[str, str]) -> tuple[int, Any]:
    grant = form.get("grant_type")
    if grant == "client_credentials":
        app = standin.clients.get(form.get("client_id", ""))
        if app is None or app.client_secret is None or form.get("client_secret") != app.client_secret:
            return _error("invalid_client", "invalid client credentials")  # as quoted in restforce/restforce#338
        return 200, standin.new_session()
    if grant == JWT_BEARER:
        return _jwt_bearer(standin, form.get("assertion", ""))
    return _error("unsupported_grant_type", "grant type not supported")  # code: RFC 6749 5.2; wording: the stand-in's


def _jwt_bearer(standin: Any, assertion: str) -> tuple[int, Any]:
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return _error("invalid_grant", "invalid assertion")  # wording not documented
    app = standin.clients.get(str(unverified.get("iss", "")))
    if app is None or app.public_key_pem is None:
        return _error("invalid_client_id", "client identifier invalid")  # as quoted in omniphx/forrest#184
    try:
        claims = jwt.decode(
            assertion,
            app.public_key_pem,
            algorithms=["RS256"],
            audience=[standin.url, *LOGIN_AUDIENCES],
            options={"require": ["exp", "iss", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError:  # an expired JWT's answer: salesforce.stackexchange.com/questions/282513
        return _error("invalid_grant", "expired authorization code")
    except jwt.PyJWTError:
        return _error("invalid_grant", "invalid assertion")
    # "exp ... within 3 minutes" (Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration").
    if claims["exp"] > time.time() + 180:
        return _error("invalid_grant", "invalid assertion: exp too far in the future")  # wording: the stand-in's
    # A JWT for a user who has not approved the app: salesforce.stackexchange.com/questions/184363.
    if claims["sub"] != app.username:
        return _error("invalid_grant", "user hasn't approved this consumer")
    return 200, standin.new_session()
