"""Failures the scheduling can meet, raised where they happen and turned into HTTP once, in the handler."""

from dataclasses import dataclass, field
from typing import Literal

from session_scheduling.redaction import redacted

Stage = Literal["auth", "session", "task", "attendance"]

# The existing endpoint's errorType names, e.g. CUSTOM:SALESFORCE_SESSION_CREATE:REQUIRED_FIELD_MISSING.
_ERROR_TYPE_STEP: dict[Stage, str] = {
    "auth": "SALESFORCE_AUTH",
    "session": "SALESFORCE_SESSION_CREATE",
    "task": "SALESFORCE_TASK_CREATE",
    "attendance": "SALESFORCE_ATTENDANCE_CREATE",
}

# Codes where the same request, sent again a little later, can succeed.
RETRYABLE_CODES = frozenset(
    {
        "UNABLE_TO_LOCK_ROW",
        "REQUEST_LIMIT_EXCEEDED",
        "SERVER_UNAVAILABLE",
        "UNKNOWN_EXCEPTION",
        "QUERY_TIMEOUT",
        "TIMEOUT",
        "CONNECTION_ERROR",
        "temporarily_unavailable",
    }
)


@dataclass(frozen=True)
class SalesforceError:
    """One entry of a Salesforce error list: its errorCode, message and the fields involved.

    from_salesforce: the message is Salesforce's text (an org's rule can quote anything), not the service's own.
    """

    code: str
    message: str
    fields: tuple[str, ...] = ()
    from_salesforce: bool = False

    @property
    def for_the_log(self) -> dict[str, object]:
        """Code, fields and the message, Salesforce's own redacted (docs/privacy.md); the coach's 500 body has it whole."""
        message = redacted(self.message) if self.from_salesforce else self.message
        return {"code": self.code, "fields": list(self.fields), "message": message}


@dataclass
class SalesforceFailure(Exception):
    """Salesforce refused or failed a step; nothing was committed (the writes are all-or-none)."""

    stage: Stage
    errors: tuple[SalesforceError, ...]
    retryable: bool = field(default=False)

    def __post_init__(self) -> None:
        super().__init__(self.summary)

    @property
    def primary_code(self) -> str:
        return self.errors[0].code if self.errors else "UNKNOWN"

    @property
    def error_type(self) -> str:
        return f"CUSTOM:{_ERROR_TYPE_STEP[self.stage]}:{self.primary_code}"

    @property
    def first_message(self) -> str:
        return self.errors[0].message if self.errors else "no detail given"

    @property
    def summary(self) -> str:
        return f"Salesforce {self.stage} step failed ({self.primary_code}): {self.first_message}"

    @property
    def explanation(self) -> str:
        """What went wrong, in the words the client is given."""
        if self.stage == "auth":
            return f"The service could not authenticate to Salesforce: {self.summary}"
        return self.summary


class ServiceMisconfigured(SalesforceFailure):
    """The deployment's settings are unusable, so the service cannot reach Salesforce until an operator
    fixes them. Answered like an auth failure (the contract's stage), but said for what it is."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("auth", tuple(SalesforceError("CONFIGURATION_ERROR", problem) for problem in problems))

    @property
    def summary(self) -> str:
        return f"The service is misconfigured ({self.first_message})"

    @property
    def explanation(self) -> str:
        return self.summary


def is_retryable(code: str, http_status: int | None = None) -> bool:
    return code in RETRYABLE_CODES or (http_status is not None and http_status >= 500)


@dataclass
class SalesforceOutcomeUnknown(Exception):
    """The create request reached Salesforce but no answer came back: it may or may not have committed.

    detail: the specific cause (a proxy's 502/504, a timeout, a cut connection, an unreadable answer), for the log.
    lost_here: False for a repeat that could not find out what an earlier attempt committed (its look failed):
    this request lost no answer of its own, and docs/operations.md counts the two apart.
    """

    detail: str
    lost_here: bool = True

    def __post_init__(self) -> None:
        super().__init__(self.detail)


@dataclass
class ClientCheckUnavailable(Exception):
    """The allowed clients cannot be read, so no request can be let in (an operator must fix the secret)."""

    reason: str

    def __post_init__(self) -> None:
        super().__init__(self.reason)
