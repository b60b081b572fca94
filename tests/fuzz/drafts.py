"""Every fuzzed request: one kind of confusion on an otherwise valid request, or several at once."""

import json
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.core import NOT_SET
from schemathesis.generation import GenerationMode

from local.openapi import DOCUMENT
from tests.fuzz.bodies import body_confusion, field_confusion, wires
from tests.fuzz.headers import content_types, header_confusion, query_confusion
from tests.fuzz.requests import APP_HEADERS, BYTE_WIRES, CLIENT_HEADERS, TEXT_WIRES, VALID_BODY, Draft

_OPERATION = schemathesis.openapi.from_path(DOCUMENT)["/sessions"]["POST"]


def _from_openapi(case: Any) -> Draft:
    body = None if case.body is NOT_SET else case.body
    query = tuple(
        (name, value if isinstance(value, str) else json.dumps(value)) for name, value in (case.query or {}).items()
    )
    headers = tuple((name, str(value)) for name, value in (case.headers or {}).items())
    return Draft("openapi", body=body, headers=APP_HEADERS + headers, query=query)


def _encoded(body: Any, wire: str, content_type: tuple[tuple[str, str], ...]) -> Draft:
    return Draft("encoding", body=body, wire=wire, headers=content_type + CLIENT_HEADERS)


openapi = st.one_of(
    _OPERATION.as_strategy(generation_mode=GenerationMode.POSITIVE),
    _OPERATION.as_strategy(generation_mode=GenerationMode.NEGATIVE),
).map(_from_openapi)
encoding = st.builds(
    _encoded,
    st.one_of(st.just(VALID_BODY), field_confusion(), body_confusion),
    st.sampled_from(TEXT_WIRES[1:] + BYTE_WIRES),
    st.one_of(st.just(()), content_types.map(lambda value: (("Content-Type", value),))),
)
mixed = st.builds(
    lambda body, wire, headers, query: Draft("mixed", body=body, wire=wire, headers=headers, query=query),
    st.one_of(st.just(VALID_BODY), field_confusion(), body_confusion, st.none()),
    wires,
    header_confusion(),
    query_confusion(),
)
valid = st.builds(
    lambda topic, leave_out, query: Draft(
        "none",
        body={k: v for k, v in (VALID_BODY | {"SessionTopic": topic}).items() if k not in leave_out},
        query=query,
    ),
    st.text(st.characters(categories=["L", "N", "P", "Zs"]), min_size=1, max_size=255).filter(str.strip),
    st.sets(st.sampled_from(["SessionEnd", "SessionTopic", "CoachId"])),
    st.sampled_from([(), (("createAttendanceTask", "true"),), (("createAttendanceTask", "false"),)]),
)

# Each kind by name: a run takes them in turn, so that every kind gets its share of the requests.
DRAFTS: dict[str, st.SearchStrategy[Draft]] = {
    "body": body_confusion.map(lambda body: Draft("body", body=body)),
    "encoding": encoding,
    "header": header_confusion().map(lambda headers: Draft("header", headers=headers)),
    "query": query_confusion().map(lambda query: Draft("query", query=query)),
    "field": field_confusion().map(lambda body: Draft("field", body=body)),
    "openapi": openapi,
    "mixed": mixed,
    "none": valid,
}
