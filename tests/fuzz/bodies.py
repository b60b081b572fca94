"""Body confusion: not an object, nested, duplicate keys, not JSON, huge, oddly encoded, odd field values."""

import json
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.requests import (
    BYTE_WIRES,
    COACH,
    PAD,
    SESSION_DATE,
    TEAM_SEASON,
    TEXT_WIRES,
    VALID_BODY,
    Raw,
)

MAX_BODY_BYTES = 64 * 1024
FIELDS = tuple(VALID_BODY)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _valid_text(**changes: Any) -> str:
    return json.dumps(VALID_BODY | changes)


def _with_extra_member(member: str) -> Raw:
    """The valid body's text with one more member written at its end (duplicates json.dumps cannot write)."""
    return Raw(_valid_text()[:-1] + ", " + member + "}")


not_an_object = st.one_of(
    st.lists(json_values, max_size=3),
    st.just([VALID_BODY]),
    st.just([VALID_BODY, VALID_BODY]),
    scalars.map(lambda value: Raw(json.dumps(value))),  # null, true, 3, "text" as the whole body
    st.just(Raw(json.dumps(json.dumps(VALID_BODY)))),  # the object, as a JSON string
)
nested = st.one_of(
    st.just({"session": VALID_BODY}),
    st.sampled_from(FIELDS).map(lambda name: VALID_BODY | {name: VALID_BODY}),
    st.sampled_from(FIELDS).flatmap(lambda name: json_values.map(lambda value: VALID_BODY | {name: [value]})),
    st.integers(1, 32_000).map(lambda depth: Raw("[" * depth + "]" * depth)),
    st.integers(1, 12_000).map(lambda depth: Raw('{"a":' * depth + "1" + "}" * depth)),
    st.integers(1, 30_000).map(lambda depth: _with_extra_member('"deep": ' + "[" * depth + "]" * depth)),
)
duplicate_keys = st.one_of(
    st.sampled_from(FIELDS).map(lambda name: _with_extra_member(f"{json.dumps(name)}: {json.dumps(VALID_BODY[name])}")),
    st.tuples(st.sampled_from(FIELDS), json_values).map(
        lambda dup: _with_extra_member(f"{json.dumps(dup[0])}: {json.dumps(dup[1])}")
    ),
    st.tuples(st.text(max_size=8), json_values, json_values).map(
        lambda dup: _with_extra_member(
            f'"Extra": {{{json.dumps(dup[0])}: {json.dumps(dup[1])}, {json.dumps(dup[0])}: {json.dumps(dup[2])}}}'
        )
    ),
    st.just(_with_extra_member('"sessiondate": "2025-01-02"')),  # another case: another (unknown) key
)
not_json = st.one_of(
    st.sampled_from(["", " ", "{", "}", "{}", "[]", "{,}", "null", "NaN", "-Infinity", "'x'", "\x00", "{}{}", "1e999"]),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "0" * 5_000, "-" + "9" * 5_000]).map(
        lambda number: _with_extra_member(f'"Extra": {number}')
    ),
    st.just(Raw(_valid_text()[:-1] + ",}")),  # trailing comma
    st.just(Raw(_valid_text() + " // comment")),
    st.just(Raw(_valid_text() + _valid_text())),  # two objects
    st.just(Raw(_valid_text().replace('"', "'"))),
    st.text(max_size=40).map(Raw),
)


def _huge(size: int, shape: str) -> Any:
    """A body of about `size` bytes (exactly, for the padded shapes), around the 64 KiB limit or far beyond it."""
    if shape == "whitespace":
        return Raw(_valid_text()[:-1] + PAD + "}", pad_to=size)
    if shape == "multibyte-topic":  # 2-byte characters: the limit counts bytes, not characters
        text = json.dumps(VALID_BODY | {"SessionTopic": "é" * (size // 2 - 200)}, ensure_ascii=False)
        return Raw(text[:-1] + PAD + "}", pad_to=size)
    if shape == "unknown-field":
        return VALID_BODY | {"Notes": "x" * size}
    if shape == "array":
        return [VALID_BODY] * (size // 200)
    return VALID_BODY | {"SessionTopic": "t" * size}


huge_sizes = st.one_of(
    st.sampled_from([MAX_BODY_BYTES - 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1, 2_000_000]),
    st.integers(MAX_BODY_BYTES - 100, MAX_BODY_BYTES + 100),
    st.integers(MAX_BODY_BYTES, 3_000_000),
)
huge = st.builds(
    _huge, huge_sizes, st.sampled_from(["whitespace", "multibyte-topic", "unknown-field", "array", "topic"])
)
body_confusion = st.one_of(not_an_object, nested, duplicate_keys, not_json, huge)
wires = st.sampled_from(TEXT_WIRES + BYTE_WIRES)

odd_ids = st.one_of(
    st.sampled_from(["", " ", "a0N", "a0N5g00000AbCdE", "a0N5g00000AbCdEAAA", "003" + "0" * 15, "0" * 18, "ä" * 18]),
    st.text(min_size=15, max_size=18, alphabet=st.characters(codec="ascii")),
)
odd_dates = st.one_of(
    st.sampled_from(["", "2025-02-30", "2025-13-01", "1699-12-31", "4001-01-01", "0001-01-01", "2025-1-1"]),
    st.sampled_from(["2025/05/21", "21-05-2025", "2025-05-21T18:00:00Z", "9999-12-31", "+2025-05-21", SESSION_DATE]),
    st.dates().map(str),
)
odd_times = st.one_of(
    st.sampled_from(["", "24:00", "23:60", "18:00+02:00", "18:00:00.000Z", "6pm", "18", "18:00:00.1234", "00:00"]),
    st.times().map(str),
)
odd_topics = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "x" * 255, "x" * 256, "Game_Day", "\x00"]))
FIELD_VALUES = {
    "TeamSeasonId": odd_ids | st.just(TEAM_SEASON),
    "CoachId": odd_ids | st.just(COACH),
    "SessionDate": odd_dates,
    "SessionStart": odd_times,
    "SessionEnd": odd_times,
    "SessionTopic": odd_topics,
}


@st.composite
def field_confusion(draw: st.DrawFn) -> dict[str, Any]:
    """The valid body with some fields given odd values, values of another JSON type, or left out; extra keys."""
    body = dict(VALID_BODY)
    for name in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True)):
        change = draw(st.sampled_from(["odd", "any-json", "absent", "null"]))
        if change == "absent":
            del body[name]
        else:
            body[name] = draw({"odd": FIELD_VALUES[name], "any-json": json_values, "null": st.none()}[change])
    extra_names = st.sampled_from(["sessionDate", "teamSeasonId", "sessionStart", "sessionEnd", "Extra", ""])
    body.update(draw(st.dictionaries(extra_names | st.text(max_size=8), json_values, max_size=3)))
    return body
