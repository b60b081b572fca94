"""The service's configuration: environment variables, parsed once per container."""

import os
from functools import cache
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    field_validator,
)

from session_scheduling.errors import ServiceMisconfigured
from session_scheduling.salesforce_ids import to_case_safe_id

USER_ID_PREFIX = "005"


def _true_or_false(value: object) -> object:
    """true or false in any case; blank is the default (a template parameter left empty)."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false", ""):
        return value.strip().lower() == "true"
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def _user_id(value: str) -> str:
    case_safe = to_case_safe_id(value)
    if not case_safe.startswith(USER_ID_PREFIX):
        raise ValueError(f"must be a Salesforce User ID (starting with {USER_ID_PREFIX})")
    return case_safe


class ServiceSettings(BaseModel):
    """Read from the Lambda environment; names are the environment variable names."""

    model_config = ConfigDict(frozen=True)

    salesforce_secret_id: str = Field(alias="SALESFORCE_SECRET_ID", min_length=1)
    secret_max_age_seconds: int = Field(default=300, ge=0, alias="SALESFORCE_SECRET_MAX_AGE_SECONDS")
    connect_timeout_seconds: PositiveFloat = Field(default=3.05, alias="SALESFORCE_CONNECT_TIMEOUT_SECONDS")
    read_timeout_seconds: PositiveFloat = Field(default=8.0, alias="SALESFORCE_READ_TIMEOUT_SECONDS")
    task_owner_user_id: Annotated[str, AfterValidator(_user_id)] | None = Field(
        default=None, alias="TASK_OWNER_USER_ID"
    )
    # Off until the org confirms Created_By_Contact__c/Last_Modified_By_Contact__c are Contact lookups:
    # the original never writes them and its examples put User IDs there; if they are not, every task
    # create, and with allOrNone the whole request, fails (docs/salesforce-fields.md).
    task_contact_fields_enabled: Annotated[bool, BeforeValidator(_true_or_false)] = Field(
        default=False, alias="TASK_CONTACT_FIELDS_ENABLED"
    )

    # Set in AuthMode CLIENT_ID: the secret with the apps' client_id/client_secret pairs. Unset, API
    # Gateway checks the caller (API key or IAM) before the function runs.
    api_clients_secret_id: str | None = Field(default=None, alias="API_CLIENTS_SECRET_ID")
    idempotency_table_name: str | None = Field(default=None, alias="IDEMPOTENCY_TABLE_NAME")
    idempotency_window_seconds: int = Field(default=600, ge=0, alias="IDEMPOTENCY_WINDOW_SECONDS")
    # After a lost answer, a repeat that finds nothing creates again only this long after the lost
    # attempt started: before, Salesforce may still be committing it (docs/reliability.md).
    lost_answer_settle_seconds: float = Field(default=30, ge=0, alias="LOST_ANSWER_SETTLE_SECONDS")

    @field_validator("task_owner_user_id", "idempotency_table_name", "api_clients_secret_id", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def timeouts(self) -> tuple[float, float]:
        return (self.connect_timeout_seconds, self.read_timeout_seconds)


@cache
def load_settings() -> ServiceSettings:
    """Parse the environment; a bad deployment fails every request (an auth-stage 500), naming the variable."""
    try:
        return ServiceSettings.model_validate(dict(os.environ))
    except ValidationError as invalid:
        raise ServiceMisconfigured(
            tuple(
                f"environment variable {'.'.join(map(str, e['loc']))}: {e['msg']}"
                for e in invalid.errors(include_input=False)
            )
        ) from None
