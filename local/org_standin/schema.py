"""The slice of the org's schema the service touches, validated the way Salesforce validates it."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from local.org_standin.ids import normalise, object_of

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:?\d{2})$")


@dataclass(frozen=True)
class Field:
    kind: str  # id-reference, date, time, datetime, string, boolean, picklist
    label: str
    required: bool = False
    references: str | None = None
    max_length: int = 255
    values: tuple[str, ...] = ()


@dataclass
class SalesforceProblem(Exception):
    code: str
    message: str
    fields: list[str] = field(default_factory=list)

    def as_error(self, key: str = "errorCode") -> dict[str, Any]:
        return {key: self.code, "message": self.message, "fields": self.fields}


def _ref(label: str, to: str, required: bool = False) -> Field:
    return Field("reference", label, required, references=to)


SCHEMA: dict[str, dict[str, Field]] = {
    "Session__c": {
        "Team_Season__c": _ref("Team Season", "Team_Season__c", required=True),
        "Session_Date__c": Field("date", "Session Date"),
        "Session_Start__c": Field("time", "Session Start"),
        "Session_End__c": Field("time", "Session End"),
        "Session_Topic__c": Field("string", "Session Topic"),
    },
    "SCORES_Task__c": {
        "Name": Field("string", "Task Name", max_length=80),
        "Task_Type__c": Field("picklist", "Task Type", values=("Take Attendance", "Assessment", "Other")),
        "Task_Status__c": Field("picklist", "Task Status", values=("Not Started", "In Progress", "Completed")),
        "Assigned_To__c": _ref("Assigned To", "Contact", required=True),
        "Created_By_Contact__c": _ref("Created By Contact", "Contact"),
        "Last_Modified_By_Contact__c": _ref("Last Modified By Contact", "Contact"),
        "Session__c": _ref("Session", "Session__c"),
        "OwnerId": _ref("Owner ID", "User"),
        "Due_Date__c": Field("datetime", "Due Date"),
        "Description__c": Field("string", "Description", max_length=32000),
    },
    "Attendance__c": {
        "Contact__c": _ref("Student", "Contact", required=True),
        "Session__c": _ref("Session", "Session__c", required=True),
        "Attended__c": Field("boolean", "Attended"),
        "ExternalId__c": Field("string", "ExternalId"),
    },
    "Contact": {"FirstName": Field("string", "First Name"), "LastName": Field("string", "Last Name", True)},
    "User": {"Name": Field("string", "Full Name")},
    "Team_Season__c": {"Name": Field("string", "Team Season Name")},
    "Enrollment__c": {
        "Contact__c": _ref("Student", "Contact", required=True),
        "Team_Season__c": _ref("Team Season", "Team_Season__c", required=True),
        "Start_Date__c": Field("date", "Start Date"),
        "End_Date__c": Field("date", "End Date"),
    },
}
UNIQUE_FIELDS = {"Attendance__c": ("ExternalId__c",)}


def _not_deserializable(kind: str, value: Any) -> SalesforceProblem:
    return SalesforceProblem(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} or request may be missing "
        "a required field at [line:1, column:1]",
    )


def check_record(sobject: str, fields: dict[str, Any], exists: Any) -> dict[str, Any]:
    """Validate one record as Salesforce would; return it with references in 18-character form."""
    schema = SCHEMA.get(sobject)
    if schema is None:
        raise SalesforceProblem("NOT_FOUND", f"The requested resource does not exist: sObject type '{sobject}'")
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "attributes":
            continue
        spec = schema.get(name)
        if spec is None:
            raise SalesforceProblem("INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}")
        clean[name] = None if value is None else _check_value(name, spec, value, exists)
    missing = [name for name, spec in schema.items() if spec.required and clean.get(name) is None]
    if missing:
        raise SalesforceProblem(
            "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
        )
    return clean


def _check_value(name: str, spec: Field, value: Any, exists: Any) -> Any:
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            raise _not_deserializable("boolean", value)
        return value
    if not isinstance(value, str):
        raise _not_deserializable(spec.kind, value)
    if spec.kind == "date":
        try:
            day = date.fromisoformat(value) if len(value) == 10 else _fail()
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
    if spec.kind == "picklist" and value not in spec.values:
        raise SalesforceProblem(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{spec.label}: bad value for restricted picklist field: {value}",
            [name],
        )
    if spec.kind == "reference":
        record_id = normalise(value)
        if record_id is None:
            raise SalesforceProblem("MALFORMED_ID", f"{spec.label}: id value of incorrect type: {value}", [name])
        if object_of(record_id) != spec.references:
            raise SalesforceProblem(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{spec.label}: id value of incorrect type: {value}",
                [name],
            )
        if not exists(spec.references, record_id):
            raise SalesforceProblem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])
        return record_id
    if len(value) > spec.max_length:
        raise SalesforceProblem(
            "STRING_TOO_LONG",
            f"{spec.label}: data value too large: {value[:40]} (max length={spec.max_length})",
            [name],
        )
    return value


def _fail() -> Any:
    raise ValueError
