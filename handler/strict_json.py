"""JSON parsing that refuses what Python's json would quietly accept: duplicate keys, NaN, Infinity."""

import json
from typing import Any


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
    return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
