"""The coach apps delete and edit sessions through the original integration: the stand-in answers those
sObject DELETE and PATCH calls as Salesforce does (REST API Developer Guide, "Working with Records":
204 No Content for both; a deleted record is NOT_FOUND, and deleting it again is ENTITY_IS_DELETED)."""

from typing import Any

from tests.standin.conftest import API, create


def test_a_deleted_session_answers_204_and_is_then_not_found(org: Any) -> None:
    standin, seed, http = org
    session = create(org, "Session__c", {"Team_Season__c": seed.team_season_id}).json()["id"]

    deleted = http.delete(f"{standin.url}{API}/sobjects/Session__c/{session}", timeout=60)
    read = http.get(f"{standin.url}{API}/sobjects/Session__c/{session}", timeout=60)
    again = http.delete(f"{standin.url}{API}/sobjects/Session__c/{session}", timeout=60)

    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (read.status_code, read.json()[0]["errorCode"]) == (404, "NOT_FOUND")
    assert (again.status_code, again.json()[0]["errorCode"]) == (404, "ENTITY_IS_DELETED")
    assert standin.records("Session__c") == []


def test_a_deleted_session_leaves_its_task_and_rows_to_be_deleted_as_the_original_does(org: Any) -> None:
    """Whether the org cascades is not in the evidence; the original deletes the tasks and rows itself."""
    standin, seed, http = org
    session = create(org, "Session__c", {"Team_Season__c": seed.team_season_id}).json()["id"]
    create(org, "Attendance__c", {"Contact__c": seed.student_ids[0], "Session__c": session})

    http.delete(f"{standin.url}{API}/sobjects/Session__c/{session}", timeout=60)

    assert len(standin.records("Attendance__c")) == 1


def test_an_edit_answers_204_and_keeps_what_it_does_not_name(org: Any) -> None:
    standin, seed, http = org
    fields = {"Team_Season__c": seed.team_season_id, "Session_Date__c": "2025-05-20", "Session_Topic__c": "Soccer"}
    session = create(org, "Session__c", fields).json()["id"]

    edited = http.patch(
        f"{standin.url}{API}/sobjects/Session__c/{session[:15]}", json={"Session_Date__c": "2025-05-22"}, timeout=60
    )

    assert (edited.status_code, edited.content) == (204, b"")
    [record] = standin.records("Session__c")
    assert (record["Session_Date__c"], record["Session_Topic__c"]) == ("2025-05-22", "Soccer")


def test_an_edit_is_validated_as_a_create_is(org: Any) -> None:
    standin, seed, http = org
    session = create(org, "Session__c", {"Team_Season__c": seed.team_season_id}).json()["id"]

    edited = http.patch(
        f"{standin.url}{API}/sobjects/Session__c/{session}", json={"Session_Start__c": "16:00"}, timeout=60
    )
    missing = http.patch(
        f"{standin.url}{API}/sobjects/Session__c/a0S5g0000009999", json={"Session_Topic__c": "Soccer"}, timeout=60
    )

    assert (edited.status_code, edited.json()[0]["errorCode"]) == (400, "JSON_PARSER_ERROR")
    assert "Session_Start__c" not in standin.records("Session__c")[0]
    assert (missing.status_code, missing.json()[0]["errorCode"]) == (404, "NOT_FOUND")


def test_a_headcount_is_a_number_as_the_original_integration_writes_it(org: Any) -> None:
    standin, seed, http = org
    session = create(org, "Session__c", {"Team_Season__c": seed.team_season_id}).json()["id"]

    counted = http.patch(f"{standin.url}{API}/sobjects/Session__c/{session}", json={"Boys_Present__c": 7}, timeout=60)
    wrong = http.patch(
        f"{standin.url}{API}/sobjects/Session__c/{session}", json={"Girls_Present__c": "five"}, timeout=60
    )

    assert counted.status_code == 204
    assert (wrong.status_code, wrong.json()[0]["errorCode"]) == (400, "JSON_PARSER_ERROR")
    assert standin.records("Session__c")[0]["Boys_Present__c"] == 7
