"""The slice of the org's schema the service touches, validated the way Salesforce validates it.

The schema is read from docs/salesforce-fields.md, the one table of the org's fields with the
evidence for each, so that the stand-in follows the org and not what the service assumes.

Error codes are Salesforce's, as the SOAP API Developer Guide lists them ("Core Data Types Used in API Calls",
StatusCode and ExceptionCode, .../api.meta/api/sforce_api_calls_concepts_core_data_objects.htm); REST answers them as
[{"message", "errorCode", "fields"}] ("Status Codes and Error Responses"). Few pages print the messages: each says
where its wording was seen.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from local.org_standin.ids import normalise, object_of

FIELD_TABLE = Path(__file__).resolve().parents[2] / "docs" / "salesforce-fields.md"
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:?\d{2})$")
_TYPE = re.compile(
    r"^(?P<system>system )?(?P<kind>reference|date|time|datetime|text|number|boolean|picklist|restricted picklist|external id)"
    r"(?:\((?P<argument>[^)]*)\))?$"
)
_ROW = re.compile(r"^\|\s*(?P<object>[A-Za-z_]+)\s*\|\s*(?P<field>[A-Za-z_]+)\s*\|(?P<rest>.*)\|\s*$")


@dataclass(frozen=True)
class Field:
    kind: str  # one of _TYPE's kinds
    label: str
    required: bool = False
    references: str | None = None
    max_length: int = 255
    values: tuple[str, ...] = ()
    service_use: tuple[str, ...] = ()  # "writes", "reads": what the service does with it
    system: bool = False  # set by Salesforce, never by a client

    @property
    def unique(self) -> bool:
        return self.kind == "external id"


@dataclass
class SalesforceProblem(Exception):
    code: str
    message: str
    fields: list[str] = field(default_factory=list)

    def as_error(self, key: str = "errorCode") -> dict[str, Any]:
        return {key: self.code, "message": self.message, "fields": self.fields}

    @property
    def status(self) -> int:
        """As Salesforce answers it ("Status Codes and Error Responses", REST API Developer Guide: 404 NOT_FOUND
        for a misspelled object name, 400 for a request it refuses)."""
        return 404 if self.code == "NOT_FOUND" else 400


def _label(name: str) -> str:
    """Salesforce's default label for a field: Session_Start__c -> Session Start."""
    return name.removesuffix("__c").replace("_", " ")


def _field(kind: str, argument: str | None, name: str, required: bool, service: str, system: bool) -> Field:
    use = tuple(part.strip() for part in service.split(",") if part.strip() not in ("", "-"))
    spec = Field(kind, _label(name), required, service_use=use, system=system)
    if kind == "reference":
        return replace(spec, references=argument)
    if kind in ("picklist", "restricted picklist"):
        return replace(spec, values=tuple(value.strip() for value in (argument or "").split(";")))
    if kind == "text":
        return replace(spec, max_length=int(argument or 255))
    return spec


def read_field_table(path: Path = FIELD_TABLE) -> dict[str, dict[str, Field]]:
    """object -> field -> Field, from the table's rows (| object | field | type | required | service | evidence |)."""
    schema: dict[str, dict[str, Field]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = _ROW.match(line)
        if row is None or row["object"] == "object":
            continue
        kind_text, required, service = (cell.strip() for cell in row["rest"].split("|")[:3])
        kind = _TYPE.match(kind_text)
        if kind is None:
            raise ValueError(f"{path.name}: unknown type {kind_text!r} for {row['object']}.{row['field']}")
        schema.setdefault(row["object"], {})[row["field"]] = _field(
            kind["kind"], kind["argument"], row["field"], required == "yes", service, bool(kind["system"])
        )
    return schema


SCHEMA = read_field_table()
# Every object's record ID and audit fields (Salesforce standard fields, set by Salesforce).
SYSTEM_FIELDS = {
    "Id": Field("reference", "Record ID", system=True),
    "CreatedById": Field("reference", "Created By ID", references="User", system=True),
    "CreatedDate": Field("datetime", "Created Date", system=True),
}
UNIQUE_FIELDS = {
    sobject: tuple(name for name, spec in fields.items() if spec.unique) for sobject, fields in SCHEMA.items()
}


def _not_deserializable(kind: str, value: Any) -> SalesforceProblem:
    """REST refuses a value it cannot read as the field's type while parsing the JSON, with this wording (seen in
    orgs' answers for a bad date; "at [line:L, column:C]" is the real position there, fixed here). The SOAP code for
    a wrong-typed value, INVALID_TYPE_ON_FIELD_IN_RECORD, is not what REST answers here and is not modelled."""
    return SalesforceProblem(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} or request may be missing "
        "a required field at [line:1, column:1]",
    )


def check_record(sobject: str, fields: dict[str, Any], exists: Any) -> dict[str, Any]:
    """Validate one record as Salesforce would; return it with references in 18-character form."""
    schema = SCHEMA.get(sobject)
    if schema is None:  # "Status Codes and Error Responses": a misspelled object name is a NOT_FOUND
        raise SalesforceProblem("NOT_FOUND", f"The requested resource does not exist: sObject type '{sobject}'")
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "attributes":
            continue
        spec = schema.get(name)
        if spec is None:  # INVALID_FIELD: "an invalid field name"; the wording is not documented
            raise SalesforceProblem("INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}")
        clean[name] = None if value is None else _check_value(name, spec, value, exists)
    # REQUIRED_FIELD_MISSING: "A call requires a field that wasn't specified"; "Required fields are missing: [X]" is
    # the wording orgs answer (SFDO-Tooling/CumulusCI, .../salesforce/tests/test_content_documents.py).
    missing = [name for name, spec in schema.items() if spec.required and clean.get(name) is None]
    if missing:
        raise SalesforceProblem(
            "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
        )
    return clean


def _check_value(name: str, spec: Field, value: Any, exists: Any) -> Any:
    # INVALID_FIELD_FOR_INSERT_UPDATE; the wording is not documented, and orgs' answers seen end "...verify that it is
    # read/write for your profile or permission set."
    if spec.system:
        raise SalesforceProblem(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {name}. Please check the security "
            "settings of this field and verify that field accessibility is enabled.",
            [name],
        )
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            raise _not_deserializable("boolean", value)
        return value
    if spec.kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _not_deserializable("double", value)
        try:
            return value if not isinstance(value, str) else float(value)
        except ValueError:
            raise _not_deserializable("double", value) from None
    if not isinstance(value, str):
        raise _not_deserializable(spec.kind, value)
    if spec.kind == "date":
        try:
            day = date.fromisoformat(value) if len(value) == 10 else _fail()
            # Valid dates run from 1700-01-01 to 4000-12-31 (Data Loader Guide, "Data Import Dates"; Salesforce
            # Help 000383587); what REST answers outside them is not documented.
            if not date(1700, 1, 1) <= day <= date(4000, 12, 31):
                _fail()
        except ValueError:
            raise _not_deserializable("date", value) from None
        return value
    if spec.kind == "time":
        if not _TIME.match(value):
            raise _not_deserializable("time", value)
        return value
    if spec.kind == "datetime":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00")) if _DATETIME.match(value) else _fail()
        except ValueError:
            raise _not_deserializable("datetime", value) from None
        return value
    # INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: "an invalid or null value for a restricted picklist"; the
    # "Label: bad value for restricted picklist field: value" wording is what orgs answer (not documented).
    if spec.kind == "restricted picklist" and value not in spec.values:
        raise SalesforceProblem(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{spec.label}: bad value for restricted picklist field: {value}",
            [name],
        )
    if spec.kind == "reference":
        record_id = normalise(value)
        # MALFORMED_ID: "An ID must be either 15 characters, or 18 characters with a valid case-insensitive extension";
        # wording as "Status Codes and Error Responses" prints it ("Account ID: id value of incorrect type: ...").
        if record_id is None:
            raise SalesforceProblem("MALFORMED_ID", f"{spec.label}: id value of incorrect type: {value}", [name])
        # FIELD_INTEGRITY_EXCEPTION: "An attempt was made to pass an incorrect value to a field" (ExceptionCode);
        # that a lookup given another object's ID gets it with this wording is what orgs answer (not documented).
        if object_of(record_id) != spec.references:
            raise SalesforceProblem(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{spec.label}: id value of incorrect type: {value}",
                [name],
            )
        # INVALID_CROSS_REFERENCE_KEY: "A record with the specified ID does not exist in the database"; the message
        # is the one orgs answer (not documented).
        if not exists(spec.references, record_id):
            raise SalesforceProblem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])
        return record_id
    # STRING_TOO_LONG: "The specified string exceeds the maximum allowed length"; the "Label: data value too large:
    # value (max length=N)" wording is what orgs answer (not documented). The value is cut at 40 here.
    if len(value) > spec.max_length:
        raise SalesforceProblem(
            "STRING_TOO_LONG",
            f"{spec.label}: data value too large: {value[:40]} (max length={spec.max_length})",
            [name],
        )
    return value


def _fail() -> Any:
    raise ValueError
