"""Reading secrets from AWS Secrets Manager: one Powertools provider per container, values cached with a TTL."""

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from session_scheduling.outside_calls import aws_client

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

# Secrets Manager errors that a retry cannot fix; throttling and service errors can pass.
PERMANENT_ERRORS = frozenset(
    {"ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure", "InvalidRequestException"}
)


@dataclass
class SecretUnavailable(Exception):
    """The secret could not be read; code is the AWS error code (the secret's ARN is never repeated)."""

    code: str

    def __post_init__(self) -> None:
        super().__init__(self.code)

    @property
    def retryable(self) -> bool:
        return self.code not in PERMANENT_ERRORS


@cache
def secrets_client() -> Any:
    """On boto3's default session, which the idempotency table's client shares: a session of its own
    would load botocore's endpoint and model data a second time (about 50 ms per cold start). Its calls are timed."""
    return aws_client("secretsmanager")


@cache
def secrets_provider() -> "SecretsProvider":
    """Powertools' provider, caching values for their max age."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415

    return SecretsProvider(boto3_client=secrets_client())


def forget_secrets() -> None:
    """What a new container starts without: the client and the cached values."""
    secrets_provider.cache_clear()
    secrets_client.cache_clear()


def read_secret_text(secret_id: str, max_age_seconds: int) -> str | bytes | dict[str, object] | None:
    """The secret's value, fetched through Powertools parameters (cached for max_age_seconds)."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

    try:
        return secrets_provider().get(secret_id, max_age=max_age_seconds)
    except GetParameterError as failure:
        raise SecretUnavailable(_aws_error_code(failure)) from None


def _aws_error_code(failure: Exception) -> str:
    """The AWS error code from the exception chain; the message itself is not repeated."""
    cause: BaseException | None = failure
    while cause is not None:
        response = getattr(cause, "response", None)
        if isinstance(response, dict):
            return str(response.get("Error", {}).get("Code", "unknown error"))
        cause = cause.__cause__ or cause.__context__
    return "unknown error"
