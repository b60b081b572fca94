"""Who gets an attendance row: the rule of docs/salesforce-fields.md, through the stand-in's real SOQL path.

An enrollment's empty date is open on its side, a dropped enrollment gets no row, and no request fails
because a date is empty (before, the stand-in crashed on it, and a real org silently left the student out).
"""

from typing import Any

from local.environment import LocalEnvironment
from tests.conftest import post_session, session_body

SESSION_DAY = "2025-05-21"


def enroll(org: LocalEnvironment, name: str, **dates: Any) -> str:
    student = org.standin.insert("Contact", {"FirstName": name, "LastName": "Test"})
    org.standin.insert("Enrollment__c", {"Contact__c": student, "Team_Season__c": org.seed.team_season_id, **dates})
    return student


def test_a_team_with_empty_dates_and_a_dropped_student_gets_exactly_the_rows_of_the_rule(
    org: LocalEnvironment,
) -> None:
    expected = {
        enroll(org, "Open", Start_Date__c="2025-01-01"),  # no end date: still enrolled
        enroll(org, "Undated"),  # neither date
        enroll(org, "Unstarted", End_Date__c="2025-12-31"),  # no start date
        enroll(org, "Kept", Start_Date__c="2025-01-01", End_Date__c="2025-12-31", Dropped__c=False),
        *org.seed.student_ids,  # the seed's three active students (one of them enrolled twice)
    }
    left_out = {
        enroll(org, "Dropped", Start_Date__c="2025-01-01", End_Date__c="2025-12-31", Dropped__c=True),
        enroll(org, "DroppedOpen", Dropped__c=True),
        enroll(org, "Ended", End_Date__c="2025-05-20"),
        enroll(org, "Later", Start_Date__c="2025-05-22"),
        org.seed.former_student_id,  # enrolled in 2024
    }

    answer = post_session(session_body(org, SessionDate=SESSION_DAY))

    assert answer.status == 201, answer.body
    rows = org.standin.records("Attendance__c")
    assert {row["Contact__c"] for row in rows} == expected
    assert len(rows) == len(expected), "each student once"
    assert {item["StudentId"] for item in answer.body["Attendances"]} == expected
    assert not left_out & {row["Contact__c"] for row in rows}


def test_an_enrollment_on_the_session_day_itself_counts(org: LocalEnvironment) -> None:
    first_day = enroll(org, "Starts", Start_Date__c=SESSION_DAY)
    last_day = enroll(org, "Ends", End_Date__c=SESSION_DAY)

    answer = post_session(session_body(org, SessionDate=SESSION_DAY))

    assert answer.status == 201
    assert {first_day, last_day} <= {row["Contact__c"] for row in org.standin.records("Attendance__c")}
