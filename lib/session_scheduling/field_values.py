"""The rules for each field's value in POST /sessions: IDs, dates, times, the topic and the task flag."""

import re
import unicodedata
from datetime import date, time

from session_scheduling.salesforce_ids import to_case_safe_id

CONTACT_ID_PREFIX = "003"
# The records are created in one composite request, where Salesforce replaces @{referenceId.Field} in any
# value with another subrequest's result (REST API Developer Guide, "Composite Subrequest"), and offers no
# escape: text that looks like one cannot be sent.
_COMPOSITE_REFERENCE = re.compile(r"@\{[^}]*\}")
SALESFORCE_FIRST_DAY = date(1700, 1, 1)
SALESFORCE_LAST_DAY = date(4000, 12, 31)
# Whole strings only (fullmatch): "$" in a match() would also accept a trailing newline.
_DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
# HH:MM, HH:MM:SS or HH:MM:SS.sss, then optionally a zone. Salesforce's own Time format is
# HH:MM:SS.sssZ (the existing API's Postman request sends 16:00:00.000Z).
_TIME_PATTERN = re.compile(
    r"(?P<hours>[01]\d|2[0-3]):(?P<minutes>[0-5]\d)"
    r"(?::(?P<seconds>[0-5]\d)(?:\.(?P<millis>\d{3}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)
_UTC_ZONES = (None, "Z", "+00:00", "+0000")
TIME_FORMS = "HH:MM, HH:MM:SS or HH:MM:SS.sss (24-hour, optionally followed by Z)"
# Session_Topic__c's values in the org (the existing API's RAML enum, docs/salesforce-fields.md).
# The old app sends them with underscores for spaces (Game_Day); the org holds "Game Day".
ORG_SESSION_TOPICS = frozenset(
    {"Soccer", "Writing", "Game Day", "Soccer and Writing", "Service Learning", "Service Learning and Soccer"}
)
_TOPIC_BY_KEY = {" ".join(topic.split()).casefold(): topic for topic in ORG_SESSION_TOPICS}
# Unicode categories that are not visible text: controls (NUL, newline, tab), formats (right-to-left
# override, zero-width space and joiner), line and paragraph separators, surrogates, private use, unassigned.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# What a text decoder leaves for bytes that were not UTF-8 (a Latin-1 body through API Gateway, which
# reads request bodies as UTF-8 text): the characters the coach typed are lost, so nothing is stored.
_REPLACEMENT_CHARACTER = "\ufffd"


def record_id(value: str) -> str:
    return to_case_safe_id(value)


def contact_id(value: str) -> str:
    case_safe = to_case_safe_id(value)
    if not case_safe.startswith(CONTACT_ID_PREFIX):
        raise ValueError(f"must be a Contact ID (starting with {CONTACT_ID_PREFIX})")
    return case_safe


def calendar_date(value: object) -> date:
    if not isinstance(value, str) or not _DATE_PATTERN.fullmatch(value):
        raise ValueError("must be a date in the form YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a real calendar date") from None
    if not SALESFORCE_FIRST_DAY <= day <= SALESFORCE_LAST_DAY:
        raise ValueError(f"must be between {SALESFORCE_FIRST_DAY} and {SALESFORCE_LAST_DAY} (Salesforce's date range)")
    return day


def clock_time(value: object) -> time:
    match = _TIME_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"must be a time in the form {TIME_FORMS}, 00:00 to 23:59")
    if match["zone"] not in _UTC_ZONES:
        raise ValueError(
            f"has the UTC offset {match['zone']}: Salesforce Time fields have no zone, "
            "so give the local clock time without an offset (or with Z)"
        )
    millis = int(match["millis"] or 0)
    return time(int(match["hours"]), int(match["minutes"]), int(match["seconds"] or 0), millis * 1000)


def topic(value: str) -> str:
    """A listed topic in any case, with underscores or extra blanks, is stored as the org's value; other text as sent."""
    _visible_text_only(value)
    if not value.strip():
        raise ValueError("must not be empty")
    if _COMPOSITE_REFERENCE.search(value):  # found by fuzzing: the create failed (INVALID_REFERENCE), a 500
        raise ValueError('must not contain "@{...}": Salesforce would read it as a reference inside the request')
    return _TOPIC_BY_KEY.get(" ".join(value.replace("_", " ").split()).casefold(), value)


def _visible_text_only(value: str) -> None:
    """Names the first offending character by its code point only: the text itself may be a child's name."""
    for position, character in enumerate(value, start=1):
        if character == _REPLACEMENT_CHARACTER:
            raise ValueError(
                f"contains U+FFFD at character {position}, what is left of bytes that were not UTF-8: "
                "send the body as UTF-8"
            )
        if unicodedata.category(character) in _INVISIBLE_CATEGORIES:
            raise ValueError(
                f"contains the control or invisible character U+{ord(character):04X} at character {position}: "
                "only visible text and ordinary spaces are allowed"
            )


def strict_flag(value: object) -> object:
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


def one_value(value: object) -> object:
    """A header sent more than once arrives as the list of its values: the same value every time is that value."""
    if not isinstance(value, list):
        return value
    if len({str(item) for item in value}) != 1:
        raise ValueError("was sent more than once with different values; send it once")
    return value[0]
