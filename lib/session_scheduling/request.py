"""What a coach's app sends to POST /sessions, validated field by field."""

from datetime import date, time
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from session_scheduling.field_names import meant_name, near_miss_message
from session_scheduling.field_values import (
    TIME_FORMS,
    calendar_date,
    clock_time,
    contact_id,
    one_value,
    record_id,
    strict_flag,
    topic,
)

SalesforceId = Annotated[StrictStr, AfterValidator(record_id)]
ContactId = Annotated[StrictStr, AfterValidator(contact_id)]
# Dates and times arrive as strings only; pydantic's own parsing would also take numbers and
# other layouts, which the app never sends and Salesforce would misread.
CalendarDate = Annotated[date, BeforeValidator(calendar_date)]
ClockTime = Annotated[time, BeforeValidator(clock_time)]
TopicText = Annotated[StrictStr, Field(min_length=1, max_length=255), AfterValidator(topic)]
AttendanceTaskFlag = Annotated[bool, BeforeValidator(strict_flag)]
ATTENDANCE_TASK_QUERY = "createAttendanceTask"  # the query parameter that carries the flag
# 1-255 printable ASCII characters (the contract); a header sent twice arrives as a list (multiValueHeaders).
IdempotencyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\x20-\x7e]+$"), BeforeValidator(one_value)
]


class _NearMiss:
    """A body field named like a known one but for case or blanks: kept only to be refused under its own name."""

    def __init__(self, meant: str) -> None:
        self.meant = meant


def _not_a_near_miss(value: object) -> object:
    if isinstance(value, _NearMiss):
        raise ValueError(near_miss_message(value.meant))
    return value


class SessionRequest(BaseModel):
    """The body of POST /sessions. Unknown fields are accepted and dropped, never forwarded.

    A field named like a known one but for case or surrounding blanks (coachId, "CoachId ") is a 400 naming both."""

    # Extra fields reach validation only as near misses, which always fail: a valid request has none.
    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, Annotated[Any, BeforeValidator(_not_a_near_miss)]] = Field(init=False)

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
        description=f"Start time: {TIME_FORMS}; also accepted as sessionStart",
        examples=["18:00", "16:00:00.000Z"],
    )
    sessionEnd: ClockTime | None = Field(
        default=None, exclude=True, description="The old app's spelling of SessionEnd: the same field and rules"
    )
    SessionEnd: ClockTime | None = Field(
        default=None,
        validate_default=True,
        description=f"End time, after SessionStart: {TIME_FORMS}; also accepted as sessionEnd",
        examples=["19:30", "18:00:00.000Z"],
    )
    SessionTopic: TopicText | None = Field(
        default=None,
        description="What the session is about: one of the org's topics (in any case, with underscores or extra "
        "blanks, such as Game_Day or game day, it is stored as Game Day) or other visible text (no control or "
        "invisible characters)",
        examples=["Soccer", "Game Day"],
    )
    CoachId: ContactId | None = Field(default=None, description="Coach Contact ID; needed for the task")

    @model_validator(mode="before")
    @classmethod
    def _unknown_names_dropped_near_misses_kept(cls, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        known = _KNOWN_NAMES
        kept: dict[Any, object] = {}
        for name, value in body.items():
            meant = meant_name(name, known) if isinstance(name, str) else None
            if name in known or meant is not None:
                kept[name] = value if meant is None else _NearMiss(meant)
        return kept

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


# The documented names first: "sessionstart" is a near miss of SessionStart, the name the OpenAPI document gives.
_KNOWN_NAMES = sorted(SessionRequest.model_fields, key=lambda name: not name[0].isupper())


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
