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
SALESFORCE_FIRST_DAY = date(1700, 1, 1)
SALESFORCE_LAST_DAY = date(4000, 12, 31)
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


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
        raise ValueError("must be a 24-hour time in the form HH:MM (or HH:MM:SS), 00:00 to 23:59")
    hours, minutes, seconds = match.groups()
    return time(int(hours), int(minutes), int(seconds or 0))


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


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
TopicText = Annotated[StrictStr, Field(min_length=1, max_length=255), AfterValidator(_text)]
AttendanceTaskFlag = Annotated[bool, BeforeValidator(_strict_flag)]


class SessionRequest(BaseModel):
    """The body of POST /sessions. Unknown fields are accepted and dropped, never forwarded."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    TeamSeasonId: SalesforceId = Field(description="Team season record ID (15 or 18 characters)")
    SessionDate: CalendarDate = Field(description="Date of the session, YYYY-MM-DD", examples=["2025-05-21"])
    SessionStart: ClockTime | None = Field(default=None, description="Start time, HH:MM 24-hour", examples=["18:00"])
    SessionEnd: ClockTime | None = Field(
        default=None, description="End time, HH:MM 24-hour, after SessionStart", examples=["19:30"]
    )
    SessionTopic: TopicText | None = Field(default=None, description="What the session is about")
    CoachId: ContactId | None = Field(default=None, description="Coach Contact ID; needed for the task")

    @field_validator("SessionEnd")
    @classmethod
    def _end_after_start(cls, end: time | None, info: ValidationInfo) -> time | None:
        start = info.data.get("SessionStart")
        if end is not None and start is not None and end <= start:
            raise ValueError(f"must be after SessionStart ({start:%H:%M})")
        return end
