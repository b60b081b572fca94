"""What must be created: due date of the task, the Salesforce records and the composite request."""

from dataclasses import replace
from datetime import date

import pytest

from session_scheduling.errors import SalesforceFailure
from session_scheduling.plan import SessionPlan, Student
from session_scheduling.salesforce.composite import bundle_request, read_bundle_response
from session_scheduling.salesforce.records import enrollment_query, students_from_query
from tests.builders import COACH, TEAM_SEASON, a_plan


def test_session_fields_use_salesforce_formats_and_the_task_is_due_on_the_session_date() -> None:
    subrequests = bundle_request(a_plan(0), "62.0")["compositeRequest"]
    assert subrequests[0]["body"] == {
        "Team_Season__c": TEAM_SEASON,
        "Session_Date__c": "2025-05-21",
        "Session_Start__c": "18:00:00.000Z",
        "Session_End__c": "19:30:00.125Z",  # milliseconds kept
        "Session_Topic__c": "Dribbling",
    }
    assert subrequests[1]["body"]["Due_Date__c"] == "2025-05-21"  # a Date field in the org, not a DateTime
    assert subrequests[1]["body"]["Session__c"] == "@{session.id}"
    assert "OwnerId" not in subrequests[1]["body"]


@pytest.mark.parametrize(("students", "subrequests"), [(0, 2), (1, 3), (23, 25)])
def test_a_team_that_fits_gets_one_plain_create_per_attendance_row(students: int, subrequests: int) -> None:
    request_body = bundle_request(a_plan(students), "62.0")
    rows = request_body["compositeRequest"][2:]

    assert request_body["allOrNone"] is True
    assert len(request_body["compositeRequest"]) == subrequests
    assert all(row["url"] == "/services/data/v62.0/sobjects/Attendance__c" for row in rows)
    assert all(row["body"]["Session__c"] == "@{session.id}" for row in rows)
    assert all(row["body"]["ExternalId__c"].endswith("-@{session.id}") for row in rows)


@pytest.mark.parametrize(("students", "collections"), [(24, 1), (200, 1), (201, 2), (1000, 5)])
def test_larger_teams_travel_in_collections_of_at_most_200(students: int, collections: int) -> None:
    request_body = bundle_request(a_plan(students), "62.0")
    subrequests = request_body["compositeRequest"]
    assert request_body["allOrNone"] is True
    assert len(subrequests) == 2 + collections
    assert collections <= 5  # Salesforce's limit of collection and query subrequests per composite
    rows = [row for sub in subrequests[2:] for row in sub["body"]["records"]]
    assert len(rows) == students
    assert all(len(sub["body"]["records"]) <= 200 for sub in subrequests[2:])
    assert all(sub["body"]["allOrNone"] is True for sub in subrequests[2:])


def test_more_students_than_one_request_can_hold_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(SalesforceFailure) as raised:
        bundle_request(a_plan(1001), "62.0")
    assert raised.value.stage == "attendance"


def test_a_session_without_task_is_one_subrequest() -> None:
    plan = SessionPlan(TEAM_SEASON, date(2025, 5, 21), None, None, None, None)
    assert [sub["referenceId"] for sub in bundle_request(plan, "62.0")["compositeRequest"]] == ["session"]


def test_the_root_cause_is_reported_not_the_rollback_notices() -> None:
    halted = [{"errorCode": "PROCESSING_HALTED", "message": "rolled back"}]
    answer = {
        "compositeResponse": [
            {"referenceId": "session", "httpStatusCode": 400, "body": halted},
            {"referenceId": "task", "httpStatusCode": 400, "body": halted},
            {
                "referenceId": "attendance0",
                "httpStatusCode": 400,
                "body": [
                    {"success": False, "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "x"}]},
                    {"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked"}]},
                ],
            },
        ]
    }
    with pytest.raises(SalesforceFailure) as raised:
        read_bundle_response(a_plan(2), answer)
    assert (raised.value.stage, raised.value.primary_code, raised.value.retryable) == (
        "attendance",
        "UNABLE_TO_LOCK_ROW",
        True,
    )
    assert raised.value.error_type == "CUSTOM:SALESFORCE_ATTENDANCE_CREATE:UNABLE_TO_LOCK_ROW"


def test_the_enrollment_query_groups_students_and_reads_aggregate_names() -> None:
    soql = enrollment_query(TEAM_SEASON, date(2025, 5, 21))
    assert f"Team_Season__c = '{TEAM_SEASON}'" in soql
    assert "(Start_Date__c <= 2025-05-21 OR Start_Date__c = null)" in soql
    assert "(End_Date__c >= 2025-05-21 OR End_Date__c = null) AND Dropped__c = false" in soql
    assert soql.endswith("GROUP BY Contact__c, Contact__r.Name")
    records = [
        {"attributes": {"type": "AggregateResult"}, "Contact__c": "003A", "Name": "Ana Diaz"},
        {"attributes": {"type": "AggregateResult"}, "Contact__c": "003B", "Contact__r": {"Name": "Ben Okafor"}},
        {"attributes": {"type": "AggregateResult"}, "Contact__c": "003A", "Name": "Ana Diaz"},
    ]
    assert students_from_query(records) == (Student("003A", "Ana Diaz"), Student("003B", "Ben Okafor"))


def test_an_enrollment_without_a_student_gets_no_attendance_row() -> None:
    records = [
        {"attributes": {"type": "AggregateResult"}, "Contact__c": None, "Name": None},
        {"attributes": {"type": "AggregateResult"}, "Contact__c": "003A", "Name": "Ana Diaz"},
    ]
    assert students_from_query(records) == (Student("003A", "Ana Diaz"),)


def test_the_task_names_no_contact_audit_fields_unless_the_setting_asks_for_the_coach_there() -> None:
    plan = a_plan(0)
    assert plan.task is not None
    off = bundle_request(plan, "62.0")["compositeRequest"][1]["body"]
    on = bundle_request(replace(plan, task=replace(plan.task, coach_in_contact_fields=True)), "62.0")
    on_task = on["compositeRequest"][1]["body"]

    assert {"Created_By_Contact__c", "Last_Modified_By_Contact__c"}.isdisjoint(off)
    assert on_task == {**off, "Created_By_Contact__c": COACH, "Last_Modified_By_Contact__c": COACH}
