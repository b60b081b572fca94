"""docs/salesforce-fields.md is the one table of the org's fields: the stand-in is built from it, and
the service may write or read only what it lists, so a field the org does not have fails here first."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from local.org_standin.schema import SCHEMA, SalesforceProblem, check_record, read_field_table
from session_scheduling.salesforce.composite import bundle_request
from session_scheduling.salesforce.records import (
    attendance_of_session_query,
    enrollment_query,
    session_query,
    sessions_created_query,
    task_query,
    tasks_of_session_query,
)
from tests.builders import COACH, OWNER, TEAM_SEASON, a_plan


def written_fields(request: dict[str, Any]) -> set[tuple[str, str]]:
    written: set[tuple[str, str]] = set()
    for sub in request["compositeRequest"]:
        records = sub["body"].get("records") or [{"attributes": {"type": sub["url"].rsplit("/", 1)[-1]}, **sub["body"]}]
        for record in records:
            sobject = record["attributes"]["type"]
            written |= {(sobject, name) for name in record if name != "attributes"}
    return written


def listed_for(use: str) -> set[tuple[str, str]]:
    return {
        (sobject, name)
        for sobject, fields in SCHEMA.items()
        for name, spec in fields.items()
        if use in spec.service_use
    }


@pytest.mark.parametrize("students", [3, 30], ids=["plain-creates", "collections"])
def test_every_field_the_service_writes_is_listed_in_the_table_as_written(students: int) -> None:
    written = written_fields(bundle_request(a_plan(students, owner_user_id=OWNER), "62.0"))

    assert written - listed_for("writes") == set(), "add the field to docs/salesforce-fields.md, with its evidence"
    assert {("SCORES_Task__c", "Due_Date__c"), ("Attendance__c", "ExternalId__c")} <= written


def test_every_field_the_enrollment_query_reads_is_listed_in_the_table_as_read() -> None:
    soql = enrollment_query(TEAM_SEASON, date(2025, 5, 21))
    names = set(re.findall(r"\b([A-Za-z_]+__[cr](?:\.[A-Za-z]+)?)\b", soql.replace("FROM Enrollment__c", "")))
    read = {
        ("Contact", name.split(".")[1]) if name.startswith("Contact__r.") else ("Enrollment__c", name) for name in names
    }

    assert read == {
        ("Enrollment__c", "Contact__c"),
        ("Enrollment__c", "Team_Season__c"),
        ("Enrollment__c", "Start_Date__c"),
        ("Enrollment__c", "End_Date__c"),
        ("Enrollment__c", "Dropped__c"),
        ("Contact", "Name"),
    }
    assert read - listed_for("reads") == set()


def test_every_field_the_reconciling_queries_read_is_listed_in_the_table_as_read() -> None:
    queries = {
        "Session__c": sessions_created_query(TEAM_SEASON, date(2025, 5, 21), OWNER, datetime(2025, 5, 21, tzinfo=UTC)),
        "SCORES_Task__c": tasks_of_session_query("a0S5g0000000001EAA"),
        "Attendance__c": attendance_of_session_query("a0S5g0000000001EAA"),
        "Session__c ": session_query("a0S5g0000000001EAA"),  # a repeat's read (repeats.py)
        "SCORES_Task__c ": task_query("a0T5g0000000001EAA"),
    }
    read: set[tuple[str, str]] = set()
    for sobject, soql in queries.items():
        names = re.findall(r"\b([A-Za-z_]+(?:__[cr])?(?:\.[A-Za-z]+)?)\b(?=\s*(?:,|FROM|=|>=))", soql)
        for name in names:
            if name.startswith("Contact__r."):
                read.add(("Contact", name.split(".")[1]))
            elif name != "Id":
                read.add((sobject.strip(), name))

    assert {("Session__c", "CreatedById"), ("Session__c", "CreatedDate"), ("Attendance__c", "Attended__c")} <= read
    assert {
        ("Session__c", "Team_Season__c"),
        ("Session__c", "Session_Date__c"),
        ("SCORES_Task__c", "Assigned_To__c"),
    } <= read
    assert read - listed_for("reads") == set()


def test_the_table_says_due_date_is_a_date_and_session_times_are_times() -> None:
    assert SCHEMA["SCORES_Task__c"]["Due_Date__c"].kind == "date"
    assert (SCHEMA["Session__c"]["Session_Start__c"].kind, SCHEMA["Session__c"]["Session_End__c"].kind) == (
        "time",
        "time",
    )


def test_a_datetime_in_a_date_field_is_refused_as_salesforce_refuses_it() -> None:
    with pytest.raises(SalesforceProblem) as refused:
        check_record(
            "SCORES_Task__c", {"Assigned_To__c": COACH, "Due_Date__c": "2025-05-22T02:30:00.000Z"}, lambda *_: True
        )

    assert refused.value.code == "JSON_PARSER_ERROR"
    assert refused.value.message.startswith(
        "Cannot deserialize instance of date from VALUE_STRING value 2025-05-22T02:30:00.000Z"
    )


def test_a_field_the_table_does_not_list_is_an_invalid_field() -> None:
    with pytest.raises(SalesforceProblem) as refused:
        check_record("Session__c", {"Team_Season__c": TEAM_SEASON, "Coach__c": COACH}, lambda *_: True)

    assert (refused.value.code, refused.value.message) == (
        "INVALID_FIELD",
        "No such column 'Coach__c' on sobject of type Session__c",
    )


def test_a_row_with_a_type_the_stand_in_does_not_know_stops_the_stand_in(tmp_path: Path) -> None:
    table = tmp_path / "fields.md"
    table.write_text("| Session__c | Session_Date__c | calendar day | | writes | none |\n")

    with pytest.raises(ValueError, match=re.escape("unknown type 'calendar day' for Session__c.Session_Date__c")):
        read_field_table(table)
