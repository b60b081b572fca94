"""A fuzzed request as drawn (a draft), and the API Gateway event it becomes.

Drafts name the seeded records and a per-request date and start time by placeholders, so that the
generators need no org, and every request that can be created is a request of its own: no 2xx is
the replay of an earlier one (the identical-request window stays on, as deployed).
"""

import base64
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from local.api_gateway_events import DEMO_APP_HEADERS, rest_event
from tests.builders import is_salesforce_id

TEAM_SEASON = "<<team-season>>"
COACH = "<<coach>>"
SESSION_DATE = "<<session-date>>"
SESSION_START = "<<session-start>>"

# A valid body: the seeded team season and coach, a date in the enrollments' season, a start of its own.
VALID_BODY: dict[str, Any] = {
    "TeamSeasonId": TEAM_SEASON,
    "SessionDate": SESSION_DATE,
    "SessionStart": SESSION_START,
    "SessionEnd": "23:59:59.999",
    "SessionTopic": "Dribbling",
    "CoachId": COACH,
}
CLIENT_HEADERS: tuple[tuple[str, str], ...] = tuple(DEMO_APP_HEADERS.items())
APP_HEADERS = (("Content-Type", "application/json"), *CLIENT_HEADERS)

# How the body's text reaches the function: API Gateway hands text over as it is, bytes base64-encoded.
TEXT_WIRES = ("utf-8", "utf-8-bom", "latin-1-as-text", "replacement-chars")
BYTE_WIRES = ("base64-utf-8", "base64-utf-8-bom", "base64-utf-16", "base64-utf-16-le", "base64-utf-16-be")
BYTE_WIRES += ("base64-latin-1", "base64-invalid-utf-8", "base64-not-base64", "base64-unpadded")


PAD = "<<pad>>"


@dataclass(frozen=True)
class Raw:
    """A body's exact text (duplicate keys, NaN, broken JSON): not a Python value to dump.

    pad_to: the PAD in the text becomes spaces so that the final text is exactly this many UTF-8 bytes.
    """

    text: str
    pad_to: int | None = None


@dataclass(frozen=True)
class Draft:
    kind: str  # the confusion it carries: body, encoding, header, query, field, openapi, mixed, none
    body: Any = field(default_factory=lambda: dict(VALID_BODY))  # a JSON value, Raw text, bytes, None (no body)
    wire: str = "utf-8"
    headers: tuple[tuple[str, str], ...] = APP_HEADERS  # in order; a name given twice was sent twice
    query: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Seed:
    team_season_id: str
    coach_id: str
    season_start: date = date(2025, 1, 1)


def event(draft: Draft, seed: Seed, serial: int) -> dict[str, Any]:
    """The API Gateway REST event of the draft, as request number `serial` of the run."""
    if isinstance(draft.body, bytes):  # schemathesis' binary bodies: API Gateway hands them over base64-encoded
        raw_body, base64_encoded = base64.b64encode(draft.body).decode(), True
    else:
        text = None if draft.body is None else _text(_existing_records(draft.body), seed, serial)
        raw_body, base64_encoded = _on_the_wire(text, draft.wire)
    return rest_event(
        raw_body=raw_body,
        base64_encoded=base64_encoded,
        headers=_grouped(draft.headers),
        query=_grouped(draft.query) or None,
        exact_headers=True,
    )


def _existing_records(body: Any) -> Any:
    """A well-formed ID names the seeded record of its field: the fuzz probes the service's checks, not the org's data.

    (An ID of no record, or of another object, reaches Salesforce, which refuses it: the contract's 500.)
    """
    if not isinstance(body, dict):
        return body
    body = dict(body)
    if is_salesforce_id(body.get("TeamSeasonId")):
        body["TeamSeasonId"] = TEAM_SEASON
    if is_salesforce_id(body.get("CoachId")) and str(body["CoachId"]).startswith("003"):
        body["CoachId"] = COACH
    return body


def _text(body: Any, seed: Seed, serial: int) -> str:
    text = body.text if isinstance(body, Raw) else json.dumps(body, ensure_ascii=serial % 2 == 0)
    start = timedelta(seconds=serial % 86_000, milliseconds=serial // 86_000)
    hours, rest = divmod(int(start.total_seconds()), 3600)
    replacements = {
        TEAM_SEASON: seed.team_season_id,
        COACH: seed.coach_id,
        SESSION_DATE: (seed.season_start + timedelta(days=serial % 365)).isoformat(),
        SESSION_START: f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}.{start.microseconds // 1000:03d}",
    }
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    if isinstance(body, Raw) and body.pad_to is not None:
        text = text.replace(PAD, " " * (body.pad_to - len(text.encode()) + len(PAD)))
    return text


def _on_the_wire(text: str | None, wire: str) -> tuple[str | None, bool]:
    if text is None:
        return None, False
    if wire in TEXT_WIRES:
        return _as_text(text, wire), False
    return _as_base64(text, wire), True


def _as_text(text: str, wire: str) -> str:
    if wire == "utf-8-bom":
        return "\ufeff" + text
    if wire == "latin-1-as-text":  # UTF-8 bytes read as latin-1: mojibake, still text
        return text.encode().decode("latin-1")
    if wire == "replacement-chars":  # what a gateway makes of bytes that are not UTF-8
        return text[:1] + "\ufffd\ufffd" + text[1:]
    return text


def _as_base64(text: str, wire: str) -> str:
    encodings = {
        "base64-utf-8": ("utf-8", b""),
        "base64-utf-8-bom": ("utf-8", b"\xef\xbb\xbf"),
        "base64-utf-16": ("utf-16", b""),  # with its BOM
        "base64-utf-16-le": ("utf-16-le", b""),
        "base64-utf-16-be": ("utf-16-be", b""),
        "base64-latin-1": ("latin-1", b""),
        "base64-invalid-utf-8": ("utf-8", b"\xff\xfe\xc3"),
        "base64-not-base64": ("utf-8", b""),
        "base64-unpadded": ("utf-8", b""),
    }
    encoding, prefix = encodings[wire]
    data = prefix + text.encode(encoding, errors="replace")
    encoded = base64.b64encode(data).decode()
    if wire == "base64-not-base64":
        return "%" + encoded[1:] + "!"
    if wire == "base64-unpadded":
        return encoded.rstrip("=")
    return encoded


def _grouped(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in grouped.items()}
