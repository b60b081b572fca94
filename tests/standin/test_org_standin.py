"""The stand-in answers like Salesforce does, so a mapping mistake in the service fails a test."""

from typing import Any

import pytest
import requests

from local.org_standin import SalesforceStandin
from tests.keys import rsa_key_pair
from tests.standin.conftest import API, create


def test_token_errors_use_oauths_error_body(standin: SalesforceStandin) -> None:
    answer = requests.post(
        f"{standin.url}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "app", "client_secret": "nope"},
        verify=standin.ca_bundle_path,
        timeout=60,
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"error": "invalid_client", "error_description": "invalid client credentials"},
    )
    password = requests.post(
        f"{standin.url}/services/oauth2/token",
        data={"grant_type": "password"},
        verify=standin.ca_bundle_path,
        timeout=60,
    )
    assert password.json()["error"] == "unsupported_grant_type"


def test_the_jwt_bearer_grant_checks_the_signature(standin: SalesforceStandin) -> None:
    import time

    import jwt

    private_pem, public_pem = rsa_key_pair()
    standin.register_client("jwt", public_key_pem=public_pem, username="u@example.org")
    claims = {"iss": "jwt", "sub": "u@example.org", "aud": "https://login.salesforce.com", "exp": int(time.time()) + 60}
    good = jwt.encode(claims, private_pem, algorithm="RS256")
    forged = jwt.encode(claims, rsa_key_pair()[0], algorithm="RS256")
    too_long = jwt.encode(claims | {"exp": int(time.time()) + 240}, private_pem, algorithm="RS256")  # over 3 min
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    answers = [
        requests.post(
            f"{standin.url}/services/oauth2/token",
            data={"grant_type": grant, "assertion": assertion},
            verify=standin.ca_bundle_path,
            timeout=60,
        )
        for assertion in (good, forged, too_long)
    ]
    assert answers[0].json()["instance_url"] == standin.url
    assert [answer.json()["error"] for answer in answers[1:]] == ["invalid_grant", "invalid_grant"]


def test_an_unknown_token_is_invalid_session_id(org: Any) -> None:
    standin, _, http = org
    standin.expire_tokens()
    answer = http.get(f"{standin.url}{API}/sobjects/Session__c/a0S5g0000000001EAA", timeout=60)
    assert (answer.status_code, answer.json()) == (
        401,
        [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"Team_Season__c": None}, "REQUIRED_FIELD_MISSING"),
        ({"Team_Season__c": "bogus"}, "MALFORMED_ID"),
        ({"Team_Season__c": "0035g0000000001AAA"}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"Session_Start__c": "18:00"}, "JSON_PARSER_ERROR"),
        ({"Session_Date__c": "2025-02-30"}, "JSON_PARSER_ERROR"),
        ({"Session_Topic__c": "x" * 256}, "STRING_TOO_LONG"),
        ({"Coach__c": "0035g0000000001AAA"}, "INVALID_FIELD"),
    ],
)
def test_creates_are_validated_like_an_org(org: Any, fields: dict[str, Any], code: str) -> None:
    _, seed, _ = org
    body = {"Team_Season__c": seed.team_season_id, **fields}
    answer = create(org, "Session__c", body)
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == code


def test_the_aggregate_enrollment_query_returns_each_active_student_once_with_name(org: Any) -> None:
    standin, seed, http = org
    soql = (
        f"SELECT Contact__c, Contact__r.Name FROM Enrollment__c WHERE Team_Season__c = '{seed.team_season_id}' "
        "AND Start_Date__c <= 2025-05-21 AND End_Date__c >= 2025-05-21 GROUP BY Contact__c, Contact__r.Name"
    )
    answer = http.get(f"{standin.url}{API}/query", params={"q": soql}, timeout=60).json()
    assert answer["done"] is True
    assert {r["Contact__c"]: r["Name"] for r in answer["records"]} == seed.student_names
    assert all(r["attributes"] == {"type": "AggregateResult"} for r in answer["records"])


def session_and_attendance(org: Any, url: str, row_body: dict[str, Any]) -> list[dict[str, Any]]:
    """POST one composite: a Session__c, then a second subrequest that references it."""
    standin, seed, http = org
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Session__c",
                "referenceId": "s",
                "body": {"Team_Season__c": seed.team_season_id},
            },
            {"method": "POST", "url": f"{API}/{url}", "referenceId": "a", "body": row_body},
        ],
    }
    answer: list[dict[str, Any]] = http.post(f"{standin.url}{API}/composite", json=body, timeout=60).json()[
        "compositeResponse"
    ]
    return answer


def attendance_row(student: str) -> dict[str, Any]:
    return {"Contact__c": student, "Session__c": "@{s.id}", "ExternalId__c": f"{student}-@{{s.id}}"}


def test_composite_all_or_none_rolls_everything_back(org: Any) -> None:
    standin, seed, _ = org
    standin.fail_next_insert("Attendance__c", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no")

    answer = session_and_attendance(org, "sobjects/Attendance__c", attendance_row(seed.student_ids[0]))

    assert [a["httpStatusCode"] for a in answer] == [400, 400]
    assert answer[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert answer[1]["body"][0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert standin.record_count() == {"Session__c": 0, "SCORES_Task__c": 0, "Attendance__c": 0}


def test_composite_references_resolve_inside_values_of_a_collection(org: Any) -> None:
    standin, seed, _ = org
    student = seed.student_ids[0]
    rows = {"allOrNone": True, "records": [{"attributes": {"type": "Attendance__c"}, **attendance_row(student)}]}

    answer = session_and_attendance(org, "composite/sobjects", rows)

    session_id = answer[0]["body"]["id"]
    [row] = standin.records("Attendance__c")
    assert (row["Session__c"], row["ExternalId__c"]) == (session_id, f"{student}-{session_id}")
    assert answer[1]["body"][0]["success"] is True


@pytest.mark.parametrize("reference", ["_session", "session-1", ""])
def test_a_reference_id_must_start_with_a_letter_or_number_and_hold_only_those_and_underscores(
    org: Any, reference: str
) -> None:
    standin, seed, http = org
    subrequest = {
        "method": "POST",
        "url": f"{API}/sobjects/Session__c",
        "body": {"Team_Season__c": seed.team_season_id},
    }
    body = {"allOrNone": True, "compositeRequest": [subrequest | {"referenceId": reference}]}

    answer = http.post(f"{standin.url}{API}/composite", json=body, timeout=60)

    assert answer.status_code == 400
    assert standin.record_count()["Session__c"] == 0


def test_a_duplicate_external_id_is_duplicate_value(org: Any) -> None:
    _, seed, _ = org
    session = create(org, "Session__c", {"Team_Season__c": seed.team_season_id}).json()["id"]
    row = {"Contact__c": seed.student_ids[0], "Session__c": session, "ExternalId__c": "same"}
    assert create(org, "Attendance__c", row).status_code == 201
    again = create(org, "Attendance__c", row)
    assert again.json()[0]["errorCode"] == "DUPLICATE_VALUE"


def test_injected_faults_answer_then_stop(org: Any) -> None:
    standin, _, http = org
    standin.inject_fault("query", status=503, body="<html>down</html>", times=1)
    first = http.get(f"{standin.url}{API}/query", params={"q": "SELECT Id FROM Session__c"}, timeout=60)
    second = http.get(f"{standin.url}{API}/query", params={"q": "SELECT Id FROM Session__c"}, timeout=60)
    assert first.status_code == 503
    assert second.status_code == 200
    assert second.json()["totalSize"] == 0


def test_a_composite_takes_at_most_five_collection_or_query_subrequests(org: Any) -> None:
    standin, seed, http = org
    collection = {
        "method": "POST",
        "url": f"{API}/composite/sobjects",
        "body": {
            "allOrNone": True,
            "records": [{"attributes": {"type": "Session__c"}, "Team_Season__c": seed.team_season_id}],
        },
    }
    body = {"allOrNone": True, "compositeRequest": [dict(collection, referenceId=f"c{n}") for n in range(6)]}

    answer = http.post(f"{standin.url}{API}/composite", json=body, timeout=60)

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_INPUT"
    assert standin.record_count()["Session__c"] == 0


def test_an_object_the_org_does_not_have_is_a_404_not_found(org: Any) -> None:
    answer = create(org, "Nope__c", {"Name": "x"})

    assert answer.status_code == 404
    assert answer.json()[0]["errorCode"] == "NOT_FOUND"
