"""Plain SOQL SELECTs on the stand-in's records: a field list (relationship names included), one object,
comparisons joined by AND, an optional LIMIT. Formats and messages follow Salesforce's SOQL reference
("Date Formats and Date Literals in WHERE": dates and dateTimes unquoted, strings quoted)."""

import re
from datetime import datetime
from typing import Any

from local.org_standin.ids import normalise
from local.org_standin.schema import SCHEMA, SYSTEM_FIELDS, Field, SalesforceProblem

_SELECT = re.compile(
    r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+LIMIT\s+(?P<limit>\d+))?$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"\s*(?P<field>\w+)\s*(?P<op>!=|<=|>=|=|<|>)\s*(?P<value>'(?:[^'\\]|\\.)*'|[^\s']+)\s*(?P<joint>\bAND\b|$)",
    re.IGNORECASE,
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$")
_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a is not None and b is not None and a < b,
    ">": lambda a, b: a is not None and b is not None and a > b,
    "<=": lambda a, b: a is not None and b is not None and a <= b,
    ">=": lambda a, b: a is not None and b is not None and a >= b,
}


def select(committed: dict[str, dict[str, dict[str, Any]]], soql: str) -> list[dict[str, Any]]:
    query = _SELECT.match(soql.strip())
    if query is None:
        raise SalesforceProblem("MALFORMED_QUERY", f"unexpected token in query: {soql[:80]}")
    sobject = query["object"]
    fields = _fields_of(sobject)
    selected = [name.strip() for name in query["fields"].split(",")]
    for name in selected:
        _selectable(sobject, fields, name)
    conditions = _conditions(sobject, fields, query["where"] or "")
    rows = [record for record in committed.get(sobject, {}).values() if all(test(record) for test in conditions)]
    if query["limit"]:
        rows = rows[: int(query["limit"])]
    return [_row(committed, sobject, record, selected) for record in rows]


def _fields_of(sobject: str) -> dict[str, Field]:
    if sobject not in SCHEMA:
        raise SalesforceProblem("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
    return {**SYSTEM_FIELDS, **SCHEMA[sobject]}


def _selectable(sobject: str, fields: dict[str, Field], name: str) -> None:
    if "." in name:
        relation, target_field = name.split(".", 1)
        reference = fields.get(relation.removesuffix("__r") + "__c")
        if reference is None or reference.references is None or target_field not in _fields_of(reference.references):
            raise _no_such_column(sobject, name)
    elif name not in fields:
        raise _no_such_column(sobject, name)


def _no_such_column(sobject: str, name: str) -> SalesforceProblem:
    return SalesforceProblem("INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'.")


def _conditions(sobject: str, fields: dict[str, Field], where: str) -> list[Any]:
    tests, position = [], 0
    while position < len(where):
        condition = _CONDITION.match(where, position)
        if condition is None or condition.end() == position:
            raise SalesforceProblem("MALFORMED_QUERY", f"unexpected token: {where[position : position + 40]}")
        name = condition["field"]
        spec = fields.get(name) or _raise(_no_such_column(sobject, name))
        expected = _literal(name, spec, condition["value"])
        compare = _COMPARE[condition["op"]]
        tests.append(lambda record, n=name, s=spec, e=expected, c=compare: c(_comparable(s, record.get(n)), e))
        position = condition.end()
    return tests


def _literal(name: str, spec: Field, text: str) -> Any:
    if text.lower() == "null":
        return None
    quoted = text.startswith("'")
    kind = spec.kind
    if (kind in ("date", "datetime") and quoted) or (kind == "date" and not _DATE.match(text)):
        raise _wrong_type(name, kind)
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
    return normalise(value) or value if kind == "reference" else value


def _comparable(spec: Field, value: Any) -> Any:
    if value is not None and spec.kind == "datetime":
        return datetime.fromisoformat(str(value).replace("+0000", "+00:00").replace("Z", "+00:00"))
    return value


def _wrong_type(name: str, kind: str) -> SalesforceProblem:
    return SalesforceProblem(
        "INVALID_FIELD",
        f"value of filter criterion for field '{name}' must be of type {kind} and should not be enclosed in quotes",
    )


def _raise(problem: SalesforceProblem) -> Any:
    raise problem


def _row(committed: dict[str, Any], sobject: str, record: dict[str, Any], selected: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"attributes": _attributes(sobject, record["Id"])}
    for name in selected:
        if "." not in name:
            row[name] = record.get(name)
            continue
        relation, target_field = name.split(".", 1)
        reference = _fields_of(sobject)[relation.removesuffix("__r") + "__c"]
        target_id = record.get(relation.removesuffix("__r") + "__c")
        target = committed.get(reference.references or "", {}).get(target_id) if target_id else None
        if target is None:
            row[relation] = None
            continue
        row.setdefault(relation, {"attributes": _attributes(str(reference.references), target["Id"])})
        row[relation][target_field] = target.get(target_field)
    return row


def _attributes(sobject: str, record_id: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v62.0/sobjects/{sobject}/{record_id}"}
