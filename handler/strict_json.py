"""JSON parsing that refuses what Python's json would quietly accept: duplicate keys, NaN, Infinity.

Whatever else the parser cannot take (a number of thousands of digits, nesting deep enough to
exhaust the stack) is reported as invalid JSON too: it is the client's body, not our failure.
"""

import json
from typing import Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

# Powertools' validation hands a body model the first item of a JSON array ([A, B] would schedule A
# and drop B), so the body's shape is settled here, before validation sees it.
JSON_MEDIA_TYPE = "application/json"
NOT_AN_OBJECT = {"type": "model_type", "loc": ("body",), "msg": "must be a JSON object", "input": None}


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise json.JSONDecodeError(f"duplicate key {key[:50]!r}", "", 0)
        document[key] = value
    return document


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", "", 0)


def strict_json_loads(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", "", 0) from None
    except ValueError as unreadable:  # e.g. an integer longer than Python converts (4,300 digits)
        raise json.JSONDecodeError(str(unreadable)[:100], "", 0) from None


def json_object_loads(text: str) -> dict[str, Any]:
    """A request body: exactly one JSON object (the existing API's RAML type), never an array or a scalar."""
    document = strict_json_loads(text)
    if not isinstance(document, dict):
        raise RequestValidationError([NOT_AN_OBJECT])
    return document


def with_json_media_type_in_lower_case(event: dict[str, Any]) -> dict[str, Any]:
    """Media types are case-insensitive (RFC 9110, 8.3.1: `Application/JSON` is JSON), but Powertools' body
    parsing reads only a lower-case `application/json`; the check before routing already reads any case."""
    headers = event.get("headers") or {}
    many = event.get("multiValueHeaders") or {}
    return {
        **event,
        "headers": {name: _lowercased(name, value) for name, value in headers.items()} or event.get("headers"),
        "multiValueHeaders": {name: [_lowercased(name, v) for v in values] for name, values in many.items()}
        or event.get("multiValueHeaders"),
    }


def _lowercased(name: str, value: str) -> str:
    if name.lower() != "content-type" or not isinstance(value, str):
        return value
    media_type, separator, parameters = value.partition(";")
    if media_type.strip().lower() != JSON_MEDIA_TYPE:
        return value
    return JSON_MEDIA_TYPE + separator + parameters
