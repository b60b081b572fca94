"""A small CloudWatch Logs Insights evaluator: the subset of the query language docs/operations.md uses.

Commands: `fields`, `filter`, `stats count() by ...`, `sort ... asc|desc`, `limit`. Filter expressions:
`and`, `or`, `not`, parentheses, `= != < <= > >=`, `like "text"` / `like /regex/`, `in [...]`,
`ispresent(field)`. As Logs Insights does with JSON log events, nested keys and arrays are flattened
into dotted names (`salesforce_errors.0.code`), `@message` is the raw line and `@timestamp` the
event's time. Semantics kept deliberately strict, so a query that works here is not looser than the
real one: a missing field makes every comparison false (`!=` included); numbers compare only with
numbers and strings only with strings, so `outcome = "504"` does not match a numeric 504.
Anything outside the subset raises, rather than guessing.

Reference: "CloudWatch Logs Insights language query syntax" (AWS CloudWatch Logs User Guide), the
sections on fields, filter, stats, sort, limit, and "Supported logs and discovered fields" (JSON fields
are flattened with dots; array elements by index).
"""

import json
import re
from dataclasses import dataclass
from typing import Any

Event = dict[str, Any]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<regex>/(?:[^/\\]|\\.)+/)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|=|<|>|\(|\)|\[|\]|,)
      | (?P<name>[@A-Za-z_][\w.@]*)
    )""",
    re.VERBOSE,
)


class UnsupportedQuery(ValueError):
    """The query uses something this evaluator does not implement."""


def events_from_lines(lines: list[str]) -> list[Event]:
    """Log lines as Logs Insights sees them: JSON flattened, @message the line; other lines only @message."""
    events = []
    for index, line in enumerate(lines):
        event: Event = {"@message": line, "@timestamp": f"{index:08d}"}  # the capture's order is the time order
        try:
            document = json.loads(line)
        except ValueError:
            document = None
        if isinstance(document, dict):
            event.update(_flattened(document))
            if "timestamp" in document:
                event["@timestamp"] = f"{document['timestamp']} {index:08d}"
        events.append(event)
    return events


def _flattened(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, item in items:
        flat.update(_flattened(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def run(query: str, events: list[Event]) -> list[Event]:
    rows = list(events)
    for command in _commands(query):
        verb, _, rest = command.partition(" ")
        rest = rest.strip()
        if verb == "fields":
            names = [name.strip() for name in rest.split(",")]
            rows = [{name: row[name] for name in names if name in row} for row in rows]
        elif verb == "filter":
            condition = _Parser(rest).condition()
            rows = [row for row in rows if condition.holds(row)]
        elif verb == "stats":
            rows = _stats(rest, rows)
        elif verb == "sort":
            name, _, direction = rest.partition(" ")
            if direction.strip() not in ("", "asc", "desc"):
                raise UnsupportedQuery(f"sort {rest}")
            rows.sort(key=lambda row: (name not in row, str(row.get(name, ""))), reverse=direction.strip() == "desc")
        elif verb == "limit":
            rows = rows[: int(rest)]
        else:
            raise UnsupportedQuery(f"command {verb!r}")
    return rows


def field_names(query: str) -> set[str]:
    """Every field a query reads (for checking that the service's output has them)."""
    names = set()
    for command in _commands(query):
        verb, _, rest = command.partition(" ")
        for token in _TOKEN.finditer(rest):
            name = token.group("name")
            if name and name not in _KEYWORDS and not name.startswith("@") and not _is_call(rest, token.end()):
                names.add(name)
        if verb == "sort":
            names.discard("asc")
            names.discard("desc")
    return names


_KEYWORDS = {"and", "or", "not", "like", "in", "by", "asc", "desc", "count", "ispresent", "as"}


def _is_call(text: str, end: int) -> bool:
    return text[end:].lstrip().startswith("(")


def _commands(query: str) -> list[str]:
    """The commands between top-level pipes (a pipe inside a string or a regex is not one)."""
    commands, current, quote = [], "", ""
    for char in query.replace("\n", " "):
        if quote:
            quote = "" if char == quote and not current.endswith("\\") else quote
        elif char in "\"'/":
            quote = char
        elif char == "|":
            commands.append(current.strip())
            current = ""
            continue
        current += char
    commands.append(current.strip())
    return [command for command in commands if command]


def _stats(rest: str, rows: list[Event]) -> list[Event]:
    match = re.fullmatch(r"count\(\*?\)(?:\s+as\s+(\w+))?(?:\s+by\s+(.+))?", rest)
    if not match:
        raise UnsupportedQuery(f"stats {rest}")
    label = match.group(1) or "count()"
    keys = [key.strip() for key in (match.group(2) or "").split(",") if key.strip()]
    groups: dict[tuple[Any, ...], int] = {}
    for row in rows:
        group = tuple(row.get(key) for key in keys)
        groups[group] = groups.get(group, 0) + 1
    return [{**dict(zip(keys, group, strict=True)), label: count} for group, count in groups.items()]


@dataclass
class _Condition:
    kind: str
    parts: tuple[Any, ...]

    def holds(self, row: Event) -> bool:
        kind, parts = self.kind, self.parts
        if kind == "and":
            return all(part.holds(row) for part in parts)
        if kind == "or":
            return any(part.holds(row) for part in parts)
        if kind == "not":
            return not parts[0].holds(row)
        if kind == "ispresent":
            return parts[0] in row
        name, operator, literal = parts
        if name not in row:
            return False
        value = row[name]
        if operator == "like":
            return isinstance(value, str) and _likes(value, literal)
        if operator == "in":
            return any(_same_kind(value, item) and value == item for item in literal)
        if not _same_kind(value, literal):
            return False
        return {
            "=": value == literal,
            "!=": value != literal,
            "<": value < literal,
            "<=": value <= literal,
            ">": value > literal,
            ">=": value >= literal,
        }[operator]


def _same_kind(value: Any, literal: Any) -> bool:
    numeric = (int, float)
    if isinstance(value, bool) or isinstance(literal, bool):
        return False
    return (isinstance(value, numeric) and isinstance(literal, numeric)) or (
        isinstance(value, str) and isinstance(literal, str)
    )


def _likes(value: str, pattern: Any) -> bool:
    if isinstance(pattern, re.Pattern):
        return pattern.search(value) is not None
    return str(pattern) in value


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text.rstrip()):
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise UnsupportedQuery(f"cannot read {text[position:]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.position = 0

    def condition(self) -> _Condition:
        condition = self._or()
        if self.position != len(self.tokens):
            raise UnsupportedQuery(f"unexpected {self.tokens[self.position][1]!r}")
        return condition

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("", "")

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if expected is not None and token[1] != expected:
            raise UnsupportedQuery(f"expected {expected!r}, got {token[1]!r}")
        self.position += 1
        return token

    def _or(self) -> _Condition:
        parts = [self._and()]
        while self._peek() == ("name", "or"):
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else _Condition("or", tuple(parts))

    def _and(self) -> _Condition:
        parts = [self._unary()]
        while self._peek() == ("name", "and"):
            self._take()
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else _Condition("and", tuple(parts))

    def _unary(self) -> _Condition:
        kind, text = self._peek()
        if (kind, text) == ("name", "not"):
            self._take()
            return _Condition("not", (self._unary(),))
        if text == "(":
            self._take()
            inner = self._or()
            self._take(")")
            return inner
        if (kind, text) == ("name", "ispresent"):
            self._take()
            self._take("(")
            name = self._take()[1]
            self._take(")")
            return _Condition("ispresent", (name,))
        return self._comparison()

    def _comparison(self) -> _Condition:
        kind, name = self._take()
        if kind != "name":
            raise UnsupportedQuery(f"a field name, not {name!r}")
        operator = self._take()[1]
        if operator == "like":
            return _Condition("leaf", (name, "like", self._literal()))
        if operator == "in":
            self._take("[")
            items = [self._literal()]
            while self._peek()[1] == ",":
                self._take()
                items.append(self._literal())
            self._take("]")
            return _Condition("leaf", (name, "in", items))
        if operator not in ("=", "!=", "<", "<=", ">", ">="):
            raise UnsupportedQuery(f"operator {operator!r}")
        return _Condition("leaf", (name, operator, self._literal()))

    def _literal(self) -> Any:
        kind, text = self._take()
        if kind == "string":
            return json.loads('"' + text[1:-1].replace('"', '\\"') + '"') if text[0] == "'" else json.loads(text)
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "regex":
            return re.compile(text[1:-1])
        raise UnsupportedQuery(f"a literal, not {text!r}")
