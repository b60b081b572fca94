"""Bad input is a clear 4xx naming the field and the problem, and nothing reaches Salesforce."""

import base64
import io
import json
from typing import Any

import boto3
import pytest

from local.api_gateway_events import rest_event
from local.environment import IDEMPOTENCY_TABLE, REGION, LocalEnvironment
from tests.conftest import Answer, post_session, send, session_body


def retry_table_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = boto3.client("dynamodb", region_name=REGION).scan(TableName=IDEMPOTENCY_TABLE)[
        "Items"
    ]
    return items


def refused(org: LocalEnvironment, answer: Answer, status: int = 400) -> dict[str, str]:
    assert answer.status == status, answer.body
    assert answer.body["message"]
    assert org.standin.calls == [], "nothing may reach Salesforce"
    assert org.standin.record_count() == {"Session__c": 0, "SCORES_Task__c": 0, "Attendance__c": 0}
    return {problem["field"]: problem["message"] for problem in answer.body.get("errors", [])}


@pytest.mark.parametrize(
    ("fields", "field", "problem"),
    [
        ({"TeamSeasonId": ...}, "TeamSeasonId", "is required"),
        ({"SessionDate": ...}, "SessionDate", "is required"),
        ({"SessionDate": "2025-02-30"}, "SessionDate", "not a real calendar date"),
        ({"SessionDate": "05/21/2025"}, "SessionDate", "YYYY-MM-DD"),
        ({"SessionStart": "24:00"}, "SessionStart", "24-hour"),
        ({"SessionStart": "19:30", "SessionEnd": "18:00"}, "SessionEnd", "after SessionStart"),
        ({"SessionTopic": ""}, "SessionTopic", "at least 1 character"),
        ({"SessionTopic": "x" * 256}, "SessionTopic", "at most 255 characters"),
        ({"TeamSeasonId": 12345}, "TeamSeasonId", "valid string"),
        ({"TeamSeasonId": ["a0N5g0000000001EAA"]}, "TeamSeasonId", "valid string"),
        ({"TeamSeasonId": {"id": "a0N5g0000000001EAA"}}, "TeamSeasonId", "valid string"),
        ({"TeamSeasonId": "a0N5g0000000001XYZ"}, "TeamSeasonId", "checksum"),
        ({"TeamSeasonId": "a0N5g00000"}, "TeamSeasonId", "15 or 18"),
        ({"CoachId": "a0N5g0000000001EAA"}, "CoachId", "Contact ID"),
        ({"CoachId": True}, "CoachId", "valid string"),
    ],
)
def test_each_bad_field_is_a_400_naming_it(
    org: LocalEnvironment, fields: dict[str, Any], field: str, problem: str
) -> None:
    found = refused(org, post_session(session_body(org, **fields)))

    assert field in found
    assert problem in found[field]


def test_every_problem_is_reported_at_once(org: LocalEnvironment) -> None:
    body = {"SessionDate": "2025-13-01", "SessionStart": "7pm", "SessionTopic": "", "CoachId": "nope"}
    found = refused(org, post_session(body, query={"createAttendanceTask": "maybe"}))

    assert set(found) == {
        "TeamSeasonId",
        "SessionDate",
        "SessionStart",
        "SessionTopic",
        "CoachId",
        "createAttendanceTask",
    }


def test_a_repeated_query_parameter_counts_once_when_its_values_agree(org: LocalEnvironment) -> None:
    answer = post_session(session_body(org), query={"createAttendanceTask": ["false", "FALSE"]})

    assert answer.status == 201
    assert answer.body["TaskId"] is None


def test_a_repeated_query_parameter_with_different_values_is_a_400_saying_so(org: LocalEnvironment) -> None:
    found = refused(org, post_session(session_body(org), query={"createAttendanceTask": ["true", "false"]}))

    assert "more than once" in found["createAttendanceTask"]


def test_a_time_under_both_spellings_with_different_values_is_a_400_naming_both(org: LocalEnvironment) -> None:
    body = session_body(org, SessionStart="18:00", sessionStart="17:00", SessionEnd="19:30", sessionEnd="19:30:00Z")
    answer = post_session(body)
    found = refused(org, answer)

    assert found == {
        "SessionStart": "is 18:00:00.000 but sessionStart is 17:00:00.000: SessionStart and sessionStart are the "
        "same field, so give one of them or the same time in both"
    }
    assert answer.body["errors"] == [{"field": "SessionStart", "message": found["SessionStart"]}]


@pytest.mark.parametrize("shape", ["[]", "[session]", "[session, other session]", '"text"', "42", "null", "true"])
def test_a_body_that_is_not_exactly_one_json_object_is_a_400_and_reaches_neither_salesforce_nor_the_retry_table(
    org: LocalEnvironment, shape: str
) -> None:
    session = json.dumps(session_body(org))
    other = json.dumps(session_body(org, SessionDate="2025-05-22"))
    raw = shape.replace("other session", other).replace("session", session)

    answer = post_session(raw_body=raw)

    assert refused(org, answer) == {"body": "must be a JSON object"}
    assert answer.body["message"] == "The request is invalid. body: must be a JSON object"
    assert retry_table_items() == []


@pytest.mark.parametrize("raw", ["{not json", '{"TeamSeasonId": NaN}', ""])
def test_a_body_that_is_not_json_is_a_400(org: LocalEnvironment, raw: str) -> None:
    found = refused(org, post_session(raw_body=raw))

    assert "body" in found or {"TeamSeasonId", "SessionDate"} <= set(found)


@pytest.mark.parametrize(
    "raw",
    ['{"TeamSeasonId": ' + "1" * 5000 + "}", '{"SessionTopic": ' + "[" * 5000 + "]" * 5000 + "}"],
    ids=["a-number-of-5000-digits", "nesting-5000-deep"],
)
def test_json_the_parser_cannot_take_is_a_400_not_a_crash(org: LocalEnvironment, raw: str) -> None:
    found = refused(org, post_session(raw_body=raw))

    # Python 3.11's parser gives up on the nesting (invalid JSON); 3.13's reads it (not a topic).
    assert "not valid JSON" in found.get("body", "") or set(found) == {"SessionTopic", "TeamSeasonId", "SessionDate"}


def test_duplicate_keys_are_refused_rather_than_guessed(org: LocalEnvironment) -> None:
    raw = '{"TeamSeasonId": "a0N5g0000000001EAA", "SessionDate": "2025-05-21", "SessionDate": "2025-05-22"}'
    found = refused(org, post_session(raw_body=raw))

    assert "duplicate key 'SessionDate'" in found["body"]


def test_a_base64_encoded_body_is_decoded(org: LocalEnvironment) -> None:
    encoded = base64.b64encode(json.dumps(session_body(org)).encode()).decode()
    answer = post_session(raw_body=encoded, base64_encoded=True)

    assert answer.status == 201


def test_a_body_that_is_not_valid_base64_is_a_400(org: LocalEnvironment) -> None:
    found = refused(org, post_session(raw_body="%%%not-base64%%%", base64_encoded=True))

    assert "base64" in found["body"]


def test_unicode_text_in_the_topic_reaches_salesforce_unchanged(org: LocalEnvironment) -> None:
    topic = "Fútbol ⚽ 足球  and  مرحبا"
    answer = post_session(session_body(org, SessionTopic=topic))

    assert answer.status == 201
    assert org.standin.records("Session__c")[0]["Session_Topic__c"] == topic


@pytest.mark.parametrize(
    ("character", "code_point"),
    [("\x00", "U+0000"), ("\n", "U+000A"), ("\t", "U+0009"), ("\u202e", "U+202E"), ("\u200b", "U+200B")],
    ids=["NUL", "newline", "tab", "right-to-left-override", "zero-width-space"],
)
def test_a_control_or_invisible_character_in_the_topic_is_a_400_naming_the_field_and_the_code_point(
    org: LocalEnvironment, character: str, code_point: str
) -> None:
    found = refused(org, post_session(session_body(org, SessionTopic=f"Ana{character}Diaz")))

    assert set(found) == {"SessionTopic"}
    assert f"control or invisible character {code_point} at character 4" in found["SessionTopic"]
    assert "Ana" not in found["SessionTopic"], "the message names the character, never the text"


def test_a_topic_that_lost_its_non_utf8_bytes_is_a_400_asking_for_utf8(org: LocalEnvironment) -> None:
    latin1 = json.dumps(session_body(org, SessionTopic="Fútbol"), ensure_ascii=False).encode("latin-1")
    # API Gateway hands a body it cannot read as UTF-8 to Lambda as text with U+FFFD for the bytes it could not read
    found = refused(org, post_session(raw_body=latin1.decode("utf-8", errors="replace")))

    assert "send the body as UTF-8" in found["SessionTopic"]


@pytest.mark.parametrize(
    ("topic", "stored"),
    [
        ("soccer", "Soccer"),
        ("  Soccer  ", "Soccer"),
        ("game_day", "Game Day"),
        ("SERVICE  learning", "Service Learning"),
    ],
)
def test_a_listed_topic_in_another_case_or_with_extra_blanks_is_stored_as_the_orgs_value(
    org: LocalEnvironment, topic: str, stored: str
) -> None:
    assert post_session(session_body(org, SessionTopic=topic)).status == 201
    assert org.standin.records("Session__c")[0]["Session_Topic__c"] == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [("SessionStart", "18:00\n"), ("SessionEnd", "19:30\n"), ("SessionDate", "2025-05-21\n")],
)
def test_a_time_or_date_with_a_trailing_newline_is_a_400(org: LocalEnvironment, field: str, value: str) -> None:
    assert field in refused(org, post_session(session_body(org, **{field: value})))


@pytest.mark.parametrize("name", ["coachId", "COACHID", "CoachId ", " CoachId"])
def test_a_body_field_named_like_a_known_one_but_for_case_or_blanks_is_a_400_naming_both(
    org: LocalEnvironment, name: str
) -> None:
    body = session_body(org, CoachId=...) | {name: org.seed.coach_id}
    found = refused(org, post_session(body))

    assert set(found) == {name}
    assert 'did you mean "CoachId"?' in found[name]


@pytest.mark.parametrize("name", ["CreateAttendanceTask", "createattendancetask", "createAttendanceTask "])
def test_a_query_parameter_named_like_a_known_one_but_for_case_or_blanks_is_a_400_naming_both(
    org: LocalEnvironment, service_logs: io.StringIO, name: str
) -> None:
    found = refused(org, post_session(session_body(org), query={name: "false"}))

    assert set(found) == {name}
    assert 'did you mean "createAttendanceTask"?' in found[name]
    [rejected] = [line for line in map(json.loads, service_logs.getvalue().splitlines()) if "problems" in line]
    assert (rejected["message"], rejected["problems"]) == ("request rejected", 1)


def test_near_misses_are_reported_with_every_other_problem(org: LocalEnvironment) -> None:
    body = session_body(org, SessionDate="2025-02-30") | {"sessionDate": "2025-05-21"}
    found = refused(org, post_session(body, query={"CreateAttendanceTask": "false", "createAttendanceTask": "no"}))

    assert set(found) == {"SessionDate", "sessionDate", "CreateAttendanceTask", "createAttendanceTask"}


def test_unknown_names_that_miss_no_known_name_are_still_ignored(org: LocalEnvironment) -> None:
    body = session_body(org) | {"Mascot": "Owl", "coach": "x", "CoachIds": "y"}
    answer = post_session(body, query={"source": "app"})

    assert answer.status == 201
    assert answer.body["TaskId"] is not None


def test_a_body_over_64_kib_is_a_413(org: LocalEnvironment) -> None:
    refused(org, post_session(session_body(org, Notes="x" * 70_000)), status=413)


def body_of_exactly(org: LocalEnvironment, size: int) -> bytes:
    empty = json.dumps(session_body(org, Notes="")).encode()
    return json.dumps(session_body(org, Notes="x" * (size - len(empty)))).encode()


@pytest.mark.parametrize("base64_encoded", [False, True], ids=["plain", "base64"])
def test_64_kib_is_the_limit_whatever_the_encoding(org: LocalEnvironment, base64_encoded: bool) -> None:
    def send_body(raw: bytes) -> Any:
        text = base64.b64encode(raw).decode() if base64_encoded else raw.decode()
        return post_session(raw_body=text, base64_encoded=base64_encoded)

    refused(org, send_body(body_of_exactly(org, 64 * 1024 + 1)), status=413)
    assert send_body(body_of_exactly(org, 64 * 1024)).status == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_content_type_other_than_json_is_a_415(org: LocalEnvironment, content_type: str) -> None:
    refused(org, post_session(session_body(org), headers={"Content-Type": content_type}), status=415)


def test_json_with_a_charset_is_accepted(org: LocalEnvironment) -> None:
    answer = post_session(session_body(org), headers={"Content-Type": "application/json; charset=utf-8"})

    assert answer.status == 201


@pytest.mark.parametrize(("method", "path"), [("GET", "/sessions"), ("POST", "/session"), ("DELETE", "/sessions")])
def test_unknown_routes_and_methods_are_404s_not_crashes(org: LocalEnvironment, method: str, path: str) -> None:
    refused(org, send(rest_event(None, method=method, path=path)), status=404)
