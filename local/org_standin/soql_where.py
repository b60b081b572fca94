"""SOQL WHERE clauses on the stand-in's records: comparisons joined by AND or OR, grouped with parentheses.

As Salesforce's SOQL reference says ("WHERE", "Use null in WHERE",
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_conditionexpression.htm
and .../sforce_api_calls_soql_null.htm):
- `= null` and `!= null` find empty and filled fields; a null is never less or greater than anything, so
  `End_Date__c >= 2025-09-10` leaves out every record without an End_Date__c;
- on a boolean (checkbox) field, null is false: `Dropped__c = false` also finds records that never set it;
- AND and OR may not be mixed without parentheses ("Client applications must specify parentheses when
  nesting operators"): `a AND b OR c` is a MALFORMED_QUERY;
- dates and dateTimes are unquoted literals, strings are quoted ("Date Formats and Date Literals in WHERE"),
  numbers unquoted ("fieldExpression Syntax": "Quotes are unnecessary for dates and numbers"), a quoted
  number is refused as a date is;
- string comparisons are case-insensitive except on unique case-sensitive fields, which the org's schema
  has none of ("Comparison Operators": "For all other fields, comparisons are case-insensitive").
A field a record never had reads as null, never as an error.
"""

import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local.org_standin.ids import normalise
from local.org_standin.schema import Field, SalesforceProblem

Test = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<open>\()|(?P<close>\))|(?P<joint>AND|OR)\b"
    r"|(?P<field>\w+)\s*(?P<op>!=|<=|>=|=|<|>)\s*(?P<value>'(?:[^'\\]|\\.)*'|[^\s'()]+))",
    re.IGNORECASE,
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$")
_TEXT = ("text", "picklist", "restricted picklist", "external id")  # compared without case
_ORDERED = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}


def where_test(sobject: str, fields: dict[str, Field], where: str) -> Test:
    """The WHERE clause as a test on one record; an empty clause lets every record through."""
    tokens = _tokens(sobject, fields, where)
    if not tokens:
        return lambda record: True
    test, position = _expression(tokens, 0)
    if position != len(tokens):
        raise _malformed(where)
    return test


def _tokens(sobject: str, fields: dict[str, Field], where: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    position = 0
    while where[position:].strip():
        token = _TOKEN.match(where, position)
        if token is None or token.end() == position:
            raise SalesforceProblem("MALFORMED_QUERY", f"unexpected token: {where[position : position + 40]}")
        if token["open"] or token["close"]:
            tokens.append(("open" if token["open"] else "close", None))
        elif token["joint"]:
            tokens.append(("joint", token["joint"].upper()))
        else:
            tokens.append(("test", _comparison(sobject, fields, token["field"], token["op"], token["value"])))
        position = token.end()
    return tokens


def _expression(tokens: list[tuple[str, Any]], position: int) -> tuple[Test, int]:
    tests = []
    joint = None
    test, position = _operand(tokens, position)
    tests.append(test)
    while position < len(tokens) and tokens[position][0] == "joint":
        if joint is not None and tokens[position][1] != joint:
            raise SalesforceProblem("MALFORMED_QUERY", "unexpected token: AND and OR must be grouped with parentheses")
        joint = tokens[position][1]
        test, position = _operand(tokens, position + 1)
        tests.append(test)
    combine = any if joint == "OR" else all
    return (lambda record: combine(each(record) for each in tests)), position


def _operand(tokens: list[tuple[str, Any]], position: int) -> tuple[Test, int]:
    kind, value = tokens[position] if position < len(tokens) else ("end", None)
    if kind == "test":
        return value, position + 1
    if kind == "open":
        test, position = _expression(tokens, position + 1)
        if position < len(tokens) and tokens[position][0] == "close":
            return test, position + 1
    raise SalesforceProblem("MALFORMED_QUERY", f"unexpected token: {kind}")


def _comparison(sobject: str, fields: dict[str, Field], name: str, op: str, text: str) -> Test:
    spec = fields.get(name)
    if spec is None:
        raise SalesforceProblem("INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'.")
    expected = _literal(name, spec, text)

    if spec.kind in _TEXT and isinstance(expected, str):
        expected = expected.casefold()

    def test(record: dict[str, Any]) -> bool:
        actual = _comparable(spec, record.get(name))
        if op == "=":
            return bool(actual == expected)
        if op == "!=":
            return bool(actual != expected)
        return actual is not None and expected is not None and bool(_ORDERED[op](actual, expected))

    return test


def _literal(name: str, spec: Field, text: str) -> Any:
    kind = spec.kind
    if text.lower() == "null":
        return False if kind == "boolean" else None
    quoted = text.startswith("'")
    if (kind in ("date", "datetime", "number") and quoted) or (kind == "date" and not _DATE.match(text)):
        raise _wrong_type(name, "double" if kind == "number" else kind)
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise SalesforceProblem("MALFORMED_QUERY", f"unexpected token: {text[:40]}") from None
    if kind == "datetime":
        if not _DATETIME.match(text):
            raise _wrong_type(name, kind)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise _wrong_type(name, kind)
        return text.lower() == "true"
    if kind == "date":
        return text
    if not quoted:
        raise SalesforceProblem("MALFORMED_QUERY", f"unexpected token: {text[:40]}")
    value = re.sub(r"\\(.)", r"\1", text[1:-1])
    if kind != "reference":
        return value
    full = normalise(value)
    if full is None:
        raise SalesforceProblem("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {value[:40]}")
    return full


def _comparable(spec: Field, value: Any) -> Any:
    if spec.kind == "boolean":
        return bool(value)  # a checkbox is never null: unset is false
    if value is not None and spec.kind == "datetime":
        return datetime.fromisoformat(str(value).replace("+0000", "+00:00").replace("Z", "+00:00"))
    if value is not None and spec.kind == "number":
        return float(value)
    if isinstance(value, str) and spec.kind in _TEXT:
        return value.casefold()
    return value


def _wrong_type(name: str, kind: str) -> SalesforceProblem:
    return SalesforceProblem(
        "INVALID_FIELD",
        f"value of filter criterion for field '{name}' must be of type {kind} and should not be enclosed in quotes",
    )


def _malformed(where: str) -> SalesforceProblem:
    return SalesforceProblem("MALFORMED_QUERY", f"unexpected token in WHERE: {where[:80]}")
