"""Plain SOQL SELECTs on the stand-in's records: a field list (relationship names included), one object, a
WHERE clause (soql_where: AND, OR, parentheses, nulls as Salesforce reads them), an optional GROUP BY of the
selected fields (answered as AggregateResult rows, a relationship field named by its last part, as Salesforce
names it) and an optional LIMIT.

An AggregateResult "contains a separate field for each item in the SELECT list" (SOAP API Developer Guide,
"AggregateResult"); that a relationship field is keyed by its last part ("Name") is not documented, and the service
reads both shapes (session_scheduling/salesforce/records.py). Aggregate functions, and the expr0, expr1... aliases
they get ("Use Aliases with GROUP BY", SOQL and SOSL Reference), are not modelled.
"""

import re
from typing import Any

from local.org_standin.schema import SCHEMA, SYSTEM_FIELDS, Field, SalesforceProblem
from local.org_standin.soql_where import where_test

_SELECT = re.compile(
    r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+GROUP\s+BY\s+(?P<group>.+?))?(?:\s+LIMIT\s+(?P<limit>\d+))?$",
    re.IGNORECASE | re.DOTALL,
)


def select(committed: dict[str, dict[str, dict[str, Any]]], soql: str) -> list[dict[str, Any]]:
    query = _SELECT.match(soql.strip())
    if query is None:
        raise SalesforceProblem("MALFORMED_QUERY", f"unexpected token in query: {soql[:80]}")
    sobject = query["object"]
    fields = _fields_of(sobject)
    selected = [name.strip() for name in query["fields"].split(",")]
    for name in selected:
        _selectable(sobject, fields, name)
    matches = where_test(sobject, fields, query["where"] or "")
    records = [record for record in committed.get(sobject, {}).values() if matches(record)]
    if query["group"]:
        grouped = [name.strip() for name in query["group"].split(",")]
        for name in grouped:
            _selectable(sobject, fields, name)
        rows = _groups(committed, sobject, records, selected, grouped)
    else:
        rows = [_row(committed, sobject, record, selected) for record in records]
    return rows[: int(query["limit"])] if query["limit"] else rows


def _groups(
    committed: dict[str, Any], sobject: str, records: list[dict[str, Any]], selected: list[str], grouped: list[str]
) -> list[dict[str, Any]]:
    """One AggregateResult per distinct combination of the grouped fields' values."""
    # "you must include all non-aggregated fields in the GROUP BY clause" (SOQL and SOSL Reference, "GROUP BY",
    # .../soql_sosl/sforce_api_calls_soql_select_groupby.htm); the MALFORMED_QUERY wording is not documented.
    for name in selected:
        if name not in grouped:
            raise SalesforceProblem("MALFORMED_QUERY", f"Field must be grouped or aggregated: {name}")
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for record in records:
        values = {name: _value(committed, sobject, record, name) for name in grouped}
        row = {"attributes": {"type": "AggregateResult"}}
        row.update({name.rsplit(".", 1)[-1]: values[name] for name in selected})
        groups.setdefault(tuple(values.values()), row)
    return list(groups.values())


def _value(committed: dict[str, Any], sobject: str, record: dict[str, Any], name: str) -> Any:
    if "." not in name:
        return _as_answered(_fields_of(sobject)[name], record.get(name))
    relation, target_field = name.split(".", 1)
    reference = _fields_of(sobject)[relation.removesuffix("__r") + "__c"]
    target_id = record.get(relation.removesuffix("__r") + "__c")
    target = committed.get(reference.references or "", {}).get(target_id) if target_id else None
    if target is None:
        return None
    return _as_answered(_fields_of(str(reference.references))[target_field], target.get(target_field))


def _as_answered(spec: Field, value: Any) -> Any:
    """A checkbox is never null in Salesforce: one a record never set answers false."""
    return bool(value) if spec.kind == "boolean" else value


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


def _row(committed: dict[str, Any], sobject: str, record: dict[str, Any], selected: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"attributes": _attributes(sobject, record["Id"])}
    for name in selected:
        if "." not in name:
            row[name] = _value(committed, sobject, record, name)
            continue
        relation, target_field = name.split(".", 1)
        reference = _fields_of(sobject)[relation.removesuffix("__r") + "__c"]
        target_id = record.get(relation.removesuffix("__r") + "__c")
        target = committed.get(reference.references or "", {}).get(target_id) if target_id else None
        if target is None:
            row[relation] = None
            continue
        row.setdefault(relation, {"attributes": _attributes(str(reference.references), target["Id"])})
        row[relation][target_field] = _value(committed, sobject, record, name)
    return row


def _attributes(sobject: str, record_id: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v62.0/sobjects/{sobject}/{record_id}"}
