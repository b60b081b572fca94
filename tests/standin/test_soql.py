"""The stand-in answers plain SOQL SELECTs as Salesforce does: audit fields, relationship names, literals."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from local.org_standin.ids import ADMIN_USER_ID, INTEGRATION_USER_ID
from tests.standin.conftest import API, create


def query(org: Any, soql: str) -> requests.Response:
    standin_, _, http = org
    return http.get(f"{standin_.url}{API}/query", params={"q": soql}, timeout=60)


def test_records_created_through_the_api_carry_the_integration_user_and_their_creation_time(org: Any) -> None:
    standin_, seed, _ = org
    before = datetime.now(UTC) - timedelta(seconds=1)
    session_id = create(
        org, "Session__c", {"Team_Season__c": seed.team_season_id, "Session_Date__c": "2025-05-21"}
    ).json()["id"]

    since = f"{before:%Y-%m-%dT%H:%M:%SZ}"
    found = query(
        org,
        f"SELECT Id, CreatedById, Session_Date__c FROM Session__c WHERE Team_Season__c = '{seed.team_season_id}' "
        f"AND Session_Date__c = 2025-05-21 AND CreatedById = '{INTEGRATION_USER_ID}' AND CreatedDate >= {since}",
    ).json()

    assert [(r["Id"], r["CreatedById"], r["Session_Date__c"]) for r in found["records"]] == [
        (session_id, INTEGRATION_USER_ID, "2025-05-21")
    ]
    assert found["records"][0]["attributes"] == {"type": "Session__c", "url": f"{API}/sobjects/Session__c/{session_id}"}
    assert standin_.records("Team_Season__c")[0]["CreatedById"] == ADMIN_USER_ID  # seed data is not the integration's


def test_a_later_creation_time_filters_the_record_out(org: Any) -> None:
    _, seed, _ = org
    create(org, "Session__c", {"Team_Season__c": seed.team_season_id})
    later = f"{datetime.now(UTC) + timedelta(minutes=1):%Y-%m-%dT%H:%M:%SZ}"

    assert query(org, f"SELECT Id FROM Session__c WHERE CreatedDate >= {later}").json()["totalSize"] == 0


def test_a_relationship_field_comes_back_as_a_nested_record(org: Any) -> None:
    _, seed, _ = org
    session_id = create(org, "Session__c", {"Team_Season__c": seed.team_season_id}).json()["id"]
    student = seed.student_ids[0]
    create(org, "Attendance__c", {"Contact__c": student, "Session__c": session_id, "Attended__c": False})

    [row] = query(
        org, f"SELECT Id, Contact__c, Contact__r.Name, Attended__c FROM Attendance__c WHERE Session__c = '{session_id}'"
    ).json()["records"]

    assert row["Contact__c"] == student
    assert row["Contact__r"]["Name"] == seed.student_names[student]
    assert row["Contact__r"]["attributes"]["type"] == "Contact"
    assert row["Attended__c"] is False


@pytest.mark.parametrize(
    ("where", "code"),
    [
        ("Session_Date__c = '2025-05-21'", "INVALID_FIELD"),  # dates are not quoted
        ("CreatedDate >= 2025-05-21", "INVALID_FIELD"),  # a dateTime needs its time
        ("Coach__c = 'x'", "INVALID_FIELD"),
        ("Session_Topic__c = Soccer", "MALFORMED_QUERY"),  # strings are quoted
        ("Boys_Present__c = '5'", "INVALID_FIELD"),  # numbers are not
    ],
)
def test_literals_of_the_wrong_form_are_refused_as_salesforce_refuses_them(org: Any, where: str, code: str) -> None:
    answer = query(org, f"SELECT Id FROM Session__c WHERE {where}")

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == code


def test_strings_compare_without_case_and_numbers_as_numbers(org: Any) -> None:
    """ "Comparison Operators": case-insensitive but on unique case-sensitive fields (the schema has none)."""
    _, seed, _ = org
    session = create(
        org, "Session__c", {"Team_Season__c": seed.team_season_id, "Session_Topic__c": "Soccer", "Boys_Present__c": 5}
    ).json()["id"]

    def found(where: str) -> list[str]:
        return [record["Id"] for record in query(org, f"SELECT Id FROM Session__c WHERE {where}").json()["records"]]

    assert found("Session_Topic__c = 'SOCCER'") == found("Boys_Present__c = 5.0") == [session]
    assert found("Session_Topic__c != 'soccer'") == found("Boys_Present__c > 5") == []


def test_a_quoted_string_may_hold_an_escaped_quote(org: Any) -> None:
    _, seed, _ = org
    create(org, "Session__c", {"Team_Season__c": seed.team_season_id, "Session_Topic__c": "Coach's pick"})

    assert query(org, "SELECT Id FROM Session__c WHERE Session_Topic__c = 'Coach\\'s pick'").json()["totalSize"] == 1


def test_system_fields_cannot_be_written(org: Any) -> None:
    _, seed, _ = org
    answer = create(org, "Session__c", {"Team_Season__c": seed.team_season_id, "CreatedById": INTEGRATION_USER_ID})

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def enrollment(org: Any, **fields: Any) -> str:
    """An enrollment of a new student in the seeded team season, with only the fields given."""
    standin_, seed, _ = org
    student = standin_.insert("Contact", {"LastName": f"Student {len(standin_.records('Contact'))}"})
    standin_.insert("Enrollment__c", {"Contact__c": student, "Team_Season__c": seed.team_season_id, **fields})
    return student


def students(org: Any, where: str) -> set[str]:
    answer = query(org, f"SELECT Contact__c FROM Enrollment__c WHERE {where}")
    assert answer.status_code == 200, answer.json()
    return {row["Contact__c"] for row in answer.json()["records"]}


def test_a_null_date_never_matches_a_comparison_and_nothing_crashes_on_it(org: Any) -> None:
    open_ended = enrollment(org, Start_Date__c="2025-01-01")
    no_dates = enrollment(org)
    ended = enrollment(org, Start_Date__c="2025-01-01", End_Date__c="2025-03-01")

    assert students(org, "End_Date__c >= 2025-05-21") == set(org[1].student_ids)
    assert open_ended not in students(org, "End_Date__c < 2025-05-21")
    assert students(org, "End_Date__c < 2025-05-21") == {ended, org[1].former_student_id}
    assert students(org, "End_Date__c = null") == {open_ended, no_dates}
    assert no_dates not in students(org, "Start_Date__c != null")
    assert no_dates in students(org, "Start_Date__c != 2025-01-01")  # != compares null as a value


def test_or_and_parentheses_find_open_ended_enrollments(org: Any) -> None:
    open_ended = enrollment(org, Start_Date__c="2025-01-01")
    no_dates = enrollment(org)

    found = students(
        org,
        "(Start_Date__c <= 2025-05-21 OR Start_Date__c = null) AND (End_Date__c >= 2025-05-21 OR End_Date__c = null)",
    )

    assert found == {*org[1].student_ids, open_ended, no_dates}


def test_an_unset_checkbox_is_false(org: Any) -> None:
    dropped = enrollment(org, Start_Date__c="2025-02-02", Dropped__c=True)
    kept = enrollment(org, Start_Date__c="2025-02-02", Dropped__c=False)
    never_set = enrollment(org, Start_Date__c="2025-02-02")

    assert students(org, "Start_Date__c = 2025-02-02 AND Dropped__c = false") == {kept, never_set}
    assert students(org, "Start_Date__c = 2025-02-02 AND Dropped__c = null") == {kept, never_set}
    assert students(org, "Dropped__c = true") == {dropped}


@pytest.mark.parametrize(
    "where",
    [
        "End_Date__c = null AND Start_Date__c = null OR Dropped__c = true",  # AND and OR need parentheses
        "(End_Date__c = null",
        "End_Date__c = null)",
        "End_Date__c = null AND",
        "OR End_Date__c = null",
    ],
)
def test_malformed_conditions_are_refused_as_salesforce_refuses_them(org: Any, where: str) -> None:
    answer = query(org, f"SELECT Id FROM Enrollment__c WHERE {where}")

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_a_reference_compared_with_something_that_is_no_id_is_refused(org: Any) -> None:
    answer = query(org, "SELECT Id FROM Enrollment__c WHERE Team_Season__c = 'not-an-id'")

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"


def test_group_by_answers_one_aggregate_row_per_student(org: Any) -> None:
    _, seed, _ = org
    soql = (
        f"SELECT Contact__c, Contact__r.Name FROM Enrollment__c WHERE Team_Season__c = '{seed.team_season_id}' "
        "GROUP BY Contact__c, Contact__r.Name"
    )
    rows = query(org, soql).json()["records"]

    assert len(rows) == len({*seed.student_ids, seed.former_student_id})  # one student is enrolled twice
    assert all(set(row) == {"attributes", "Contact__c", "Name"} for row in rows)


def test_a_field_neither_grouped_nor_aggregated_is_refused(org: Any) -> None:
    answer = query(org, "SELECT Contact__c, Start_Date__c FROM Enrollment__c GROUP BY Contact__c")

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_an_unset_checkbox_answers_false(org: Any) -> None:
    enrollment(org, Start_Date__c="2025-02-03")

    [row] = query(org, "SELECT Dropped__c FROM Enrollment__c WHERE Start_Date__c = 2025-02-03").json()["records"]

    assert row["Dropped__c"] is False
