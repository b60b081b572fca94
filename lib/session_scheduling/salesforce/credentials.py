"""The Salesforce secret in AWS Secrets Manager: its shape, and reading it (cached per container)."""

import json
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError, field_validator

from session_scheduling.errors import SalesforceError, SalesforceFailure

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider


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


@cache
def _secrets_manager() -> "SecretsProvider":
    """Powertools' provider on boto3's default session, which the idempotency table's client shares: a
    session of its own would load botocore's endpoint and model data a second time (about 50 ms per cold start).
    """
    import boto3  # noqa: PLC0415 - first call only
    from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415

    return SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def forget_secret() -> None:
    """What a new container starts without: the client and the cached secret."""
    _secrets_manager.cache_clear()


def read_secret(secret_id: str, max_age_seconds: int) -> ClientCredentialsSecret | JwtBearerSecret:
    """Fetch through Powertools parameters, which caches the value for max_age_seconds."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

    try:
        raw = _secrets_manager().get(secret_id, max_age=max_age_seconds)
    except GetParameterError as failure:
        code = _aws_error_code(failure)
        raise SalesforceFailure(
            "auth",
            # Not the secret's name or ARN: it tells the app's users about our account. The function's
            # SALESFORCE_SECRET_ID names it for operators.
            (SalesforceError("SECRET_UNAVAILABLE", f"could not read the Salesforce secret ({code})"),),
            retryable=code not in _PERMANENT_SECRET_ERRORS,
        ) from None
    return parse_secret(raw)


# Secrets Manager errors that a retry cannot fix; throttling and service errors can pass.
_PERMANENT_SECRET_ERRORS = frozenset(
    {"ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure", "InvalidRequestException"}
)


def _aws_error_code(failure: Exception) -> str:
    """The AWS error code from the exception chain; the message itself is not repeated."""
    cause: BaseException | None = failure
    while cause is not None:
        response = getattr(cause, "response", None)
        if isinstance(response, dict):
            return str(response.get("Error", {}).get("Code", "unknown error"))
        cause = cause.__cause__ or cause.__context__
    return "unknown error"
