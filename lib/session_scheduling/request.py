"""What a coach's app sends to POST /sessions, validated field by field."""

import re
from datetime import date, time
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from session_scheduling.salesforce_ids import to_case_safe_id

CONTACT_ID_PREFIX = "003"
# The records are created in one composite request, where Salesforce replaces @{referenceId.Field} in any
# value with another subrequest's result (REST API Developer Guide, "Composite Subrequest"), and offers no
# escape: text that looks like one cannot be sent.
_COMPOSITE_REFERENCE = re.compile(r"@\{[^}]*\}")
SALESFORCE_FIRST_DAY = date(1700, 1, 1)
SALESFORCE_LAST_DAY = date(4000, 12, 31)
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# HH:MM, HH:MM:SS or HH:MM:SS.sss, then optionally a zone. Salesforce's own Time format is
# HH:MM:SS.sssZ (the existing API's Postman request sends 16:00:00.000Z).
_TIME_PATTERN = re.compile(
    r"^(?P<hours>[01]\d|2[0-3]):(?P<minutes>[0-5]\d)"
    r"(?::(?P<seconds>[0-5]\d)(?:\.(?P<millis>\d{3}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?$"
)
_UTC_ZONES = (None, "Z", "+00:00", "+0000")
_TIME_FORMS = "HH:MM, HH:MM:SS or HH:MM:SS.sss (24-hour, optionally followed by Z)"
# Session_Topic__c's values in the org (the existing API's RAML enum, docs/salesforce-fields.md).
# The old app sends them with underscores for spaces (Game_Day); the org holds "Game Day".
ORG_SESSION_TOPICS = frozenset(
    {"Soccer", "Writing", "Game Day", "Soccer and Writing", "Service Learning", "Service Learning and Soccer"}
)


def _record_id(value: str) -> str:
    return to_case_safe_id(value)


def _contact_id(value: str) -> str:
    case_safe = to_case_safe_id(value)
    if not case_safe.startswith(CONTACT_ID_PREFIX):
        raise ValueError(f"must be a Contact ID (starting with {CONTACT_ID_PREFIX})")
    return case_safe


def _calendar_date(value: object) -> date:
    if not isinstance(value, str) or not _DATE_PATTERN.match(value):
        raise ValueError("must be a date in the form YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a real calendar date") from None
    if not SALESFORCE_FIRST_DAY <= day <= SALESFORCE_LAST_DAY:
        raise ValueError(f"must be between {SALESFORCE_FIRST_DAY} and {SALESFORCE_LAST_DAY} (Salesforce's date range)")
    return day


def _clock_time(value: object) -> time:
    match = _TIME_PATTERN.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"must be a time in the form {_TIME_FORMS}, 00:00 to 23:59")
    if match["zone"] not in _UTC_ZONES:
        raise ValueError(
            f"has the UTC offset {match['zone']}: Salesforce Time fields have no zone, "
            "so give the local clock time without an offset (or with Z)"
        )
    millis = int(match["millis"] or 0)
    return time(int(match["hours"]), int(match["minutes"]), int(match["seconds"] or 0), millis * 1000)


def _topic(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if _COMPOSITE_REFERENCE.search(value):  # found by fuzzing: the create failed (INVALID_REFERENCE), a 500
        raise ValueError('must not contain "@{...}": Salesforce would read it as a reference inside the request')
    spaced = value.replace("_", " ")
    return spaced if spaced in ORG_SESSION_TOPICS else value


def _strict_flag(value: object) -> object:
    """Only true/false (any case) are accepted, not pydantic's wider set (yes, 1, on, ...).

    A query parameter given twice arrives as a list: the same answer twice is that answer.
    """
    if isinstance(value, list):
        answers = {item.lower() if isinstance(item, str) else item for item in value}
        if len(answers) != 1:
            raise ValueError("was given more than once with different values; give it once, true or false")
        value = value[0]
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


SalesforceId = Annotated[StrictStr, AfterValidator(_record_id)]
ContactId = Annotated[StrictStr, AfterValidator(_contact_id)]
# Dates and times arrive as strings only; pydantic's own parsing would also take numbers and
# other layouts, which the app never sends and Salesforce would misread.
CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]
ClockTime = Annotated[time, BeforeValidator(_clock_time)]
TopicText = Annotated[StrictStr, Field(min_length=1, max_length=255), AfterValidator(_topic)]
AttendanceTaskFlag = Annotated[bool, BeforeValidator(_strict_flag)]


class SessionRequest(BaseModel):
    """The body of POST /sessions. Unknown fields are accepted and dropped, never forwarded."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    TeamSeasonId: SalesforceId = Field(description="Team season record ID (15 or 18 characters)")
    SessionDate: CalendarDate = Field(description="Date of the session, YYYY-MM-DD", examples=["2025-05-21"])
    # The old app's AddSessionModal spells the times in lowercase, and the old app's server (the original
    # integration's legacy_support branch) stores them as the session's times: the same fields under a
    # second name. Each lowercase field comes just before its PascalCase field, which takes it in; they
    # are left out of dumps, so a request is the same request under either spelling.
    sessionStart: ClockTime | None = Field(
        default=None, exclude=True, description="The old app's spelling of SessionStart: the same field and rules"
    )
    SessionStart: ClockTime | None = Field(
        default=None,
        validate_default=True,
        description=f"Start time: {_TIME_FORMS}; also accepted as sessionStart",
        examples=["18:00", "16:00:00.000Z"],
    )
    sessionEnd: ClockTime | None = Field(
        default=None, exclude=True, description="The old app's spelling of SessionEnd: the same field and rules"
    )
    SessionEnd: ClockTime | None = Field(
        default=None,
        validate_default=True,
        description=f"End time, after SessionStart: {_TIME_FORMS}; also accepted as sessionEnd",
        examples=["19:30", "18:00:00.000Z"],
    )
    SessionTopic: TopicText | None = Field(
        default=None,
        description="What the session is about: one of the org's topics (an underscored form such as Game_Day is "
        "stored as Game Day) or other text",
        examples=["Soccer", "Game Day"],
    )
    CoachId: ContactId | None = Field(default=None, description="Coach Contact ID; needed for the task")

    @field_validator("SessionStart")
    @classmethod
    def _start_under_either_name(cls, start: time | None, info: ValidationInfo) -> time | None:
        return _one_time(start, "SessionStart", info.data.get("sessionStart"), "sessionStart")

    @field_validator("sessionEnd")
    @classmethod
    def _lowercase_end_after_start(cls, end: time | None, info: ValidationInfo) -> time | None:
        return _after_start(end, info)

    @field_validator("SessionEnd")
    @classmethod
    def _end_under_either_name_after_start(cls, end: time | None, info: ValidationInfo) -> time | None:
        given = end
        end = _one_time(end, "SessionEnd", info.data.get("sessionEnd"), "sessionEnd")
        return end if given is None else _after_start(end, info)  # sessionEnd's own check covered the rest


def _one_time(given: time | None, name: str, lowercase: time | None, lowercase_name: str) -> time | None:
    """One time under both names is that time; two different times are a conflict the client must settle."""
    if given is None:
        return lowercase
    if lowercase is None or lowercase == given:
        return given
    raise ValueError(
        f"is {_clock_text(given)} but {lowercase_name} is {_clock_text(lowercase)}: {name} and {lowercase_name} "
        "are the same field, so give one of them or the same time in both"
    )


def _after_start(end: time | None, info: ValidationInfo) -> time | None:
    """The start is SessionStart's value by then, whichever name it came under; the message names that one."""
    start = info.data.get("SessionStart")
    if end is not None and start is not None and end <= start:
        name = "SessionStart" if info.data.get("sessionStart") is None else "sessionStart"
        raise ValueError(f"must be after {name} ({_clock_text(start)})")
    return end


def _clock_text(value: time) -> str:
    return value.isoformat(timespec="milliseconds")
