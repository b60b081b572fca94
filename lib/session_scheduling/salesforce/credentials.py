"""The Salesforce secret in AWS Secrets Manager: its shape, and reading it (cached per container)."""

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError, field_validator

from session_scheduling.errors import SalesforceError, SalesforceFailure
from session_scheduling.secrets_manager import SecretUnavailable, read_secret_text


class _SecretBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    login_url: str = Field(description="https base URL of the org's login host or My Domain")
    client_id: str = Field(min_length=1)
    api_version: str = Field(default="62.0", pattern=r"^\d{2,3}\.\d$")

    @field_validator("login_url")
    @classmethod
    def _https_only(cls, value: str) -> str:
        if not value.startswith("https://") or len(value) <= len("https://"):
            raise ValueError("must be an https:// URL")
        return value.rstrip("/")


class ClientCredentialsSecret(_SecretBase):
    auth_flow: Literal["client_credentials"]
    client_secret: SecretStr = Field(min_length=1)


class JwtBearerSecret(_SecretBase):
    auth_flow: Literal["jwt_bearer"]
    username: str = Field(min_length=1)
    private_key: SecretStr = Field(min_length=1)
    audience: str | None = Field(default=None, description="JWT aud; derived from login_url when absent")


SalesforceSecret = Annotated[ClientCredentialsSecret | JwtBearerSecret, Field(discriminator="auth_flow")]
_SECRET_SHAPE: TypeAdapter[ClientCredentialsSecret | JwtBearerSecret] = TypeAdapter(SalesforceSecret)


def parse_secret(raw: str | bytes | dict[str, Any] | None) -> ClientCredentialsSecret | JwtBearerSecret:
    """Validate the secret's JSON; problems name keys, never values (the values are credentials)."""
    try:
        document = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    except json.JSONDecodeError:
        raise _secret_problem("the secret is not a JSON object") from None
    if not isinstance(document, dict):
        raise _secret_problem("the secret is not a JSON object")
    try:
        return _SECRET_SHAPE.validate_python(document)
    except ValidationError as invalid:
        problems = [_describe(error) for error in invalid.errors(include_input=False, include_url=False)]
        raise _secret_problem(*problems) from None


def _describe(error: Any) -> str:
    key = ".".join(str(part) for part in error["loc"] if part not in ("client_credentials", "jwt_bearer"))
    if error["type"] == "missing":
        return f"the secret lacks the key '{key}'"
    if error["type"] == "union_tag_invalid":
        return "the secret's 'auth_flow' must be 'client_credentials' or 'jwt_bearer'"
    if error["type"] == "union_tag_not_found":
        return "the secret lacks the key 'auth_flow'"
    return f"the secret's key '{key}' is invalid: {error['msg']}"


def _secret_problem(*messages: str) -> SalesforceFailure:
    return SalesforceFailure(
        "auth", tuple(SalesforceError("INVALID_SECRET", message) for message in messages), retryable=False
    )


def read_secret(secret_id: str, max_age_seconds: int) -> ClientCredentialsSecret | JwtBearerSecret:
    """Fetch through Powertools parameters, which caches the value for max_age_seconds."""
    try:
        raw = read_secret_text(secret_id, max_age_seconds)
    except SecretUnavailable as unavailable:
        raise SalesforceFailure(
            "auth",
            # Not the secret's name or ARN: it tells the app's users about our account. The function's
            # SALESFORCE_SECRET_ID names it for operators.
            (SalesforceError("SECRET_UNAVAILABLE", f"could not read the Salesforce secret ({unavailable.code})"),),
            retryable=unavailable.retryable,
        ) from None
    return parse_secret(raw)
