"""The contract's input rules, on the request model alone (the handler tests check the HTTP side)."""

from datetime import date, time

import pytest
from pydantic import ValidationError

from session_scheduling.request import SessionRequest
from session_scheduling.salesforce_ids import checksum_suffix, to_case_safe_id

TEAM_SEASON_15 = "a0N5g00000AbCdE"
COACH_15 = "0035g00000XyZab"


def problems(body: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        SessionRequest.model_validate(body)
    return {str(error["loc"][0]) if error["loc"] else "": error["msg"] for error in raised.value.errors()}


def valid(**fields: object) -> dict[str, object]:
    return {"TeamSeasonId": TEAM_SEASON_15, "SessionDate": "2025-05-21", **fields}


def test_the_checksum_is_salesforces_case_safe_suffix() -> None:
    assert checksum_suffix("001A0000006Vm9r") == "IAC"
    assert to_case_safe_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"


def test_15_character_ids_become_their_18_character_form() -> None:
    request = SessionRequest.model_validate(valid(CoachId=COACH_15))
    assert request.TeamSeasonId == TEAM_SEASON_15 + checksum_suffix(TEAM_SEASON_15)
    assert request.CoachId == COACH_15 + checksum_suffix(COACH_15)


def test_an_18_character_id_with_a_wrong_checksum_is_refused() -> None:
    assert "checksum" in problems(valid(TeamSeasonId=TEAM_SEASON_15 + "AAA"))["TeamSeasonId"]


@pytest.mark.parametrize("bad_id", ["", "a0N5g", "a0N5g00000AbCdE!", "a0N5g00000AbCdEFGHIJ", "a0N5g00000AbCdEfgh"])
def test_ids_of_the_wrong_length_or_alphabet_are_refused(bad_id: str) -> None:
    assert "TeamSeasonId" in problems(valid(TeamSeasonId=bad_id))


def test_coach_must_be_a_contact_id() -> None:
    assert "Contact ID" in problems(valid(CoachId=TEAM_SEASON_15))["CoachId"]


@pytest.mark.parametrize("day", ["2025-02-30", "2025-13-01", "21/05/2025", "2025-5-21", "2025-05-21T00:00:00"])
def test_session_date_must_be_a_real_calendar_date_in_iso_form(day: str) -> None:
    assert "SessionDate" in problems(valid(SessionDate=day))


@pytest.mark.parametrize(
    "clock", ["24:00", "18:60", "6pm", "18", "7:30", "18:00:00.0Z", "18:00:00.0000Z", "18:00Z ", "18:00:00z", "T18:00"]
)
def test_times_must_be_24_hour_clock_times(clock: str) -> None:
    assert "HH:MM, HH:MM:SS or HH:MM:SS.sss" in problems(valid(SessionStart=clock))["SessionStart"]


@pytest.mark.parametrize(
    ("clock", "parsed"),
    [
        ("18:00", time(18, 0)),
        ("18:00:30", time(18, 0, 30)),
        ("16:00:00.000Z", time(16, 0)),  # Salesforce's own format: the existing API's Postman request
        ("16:00:00.250", time(16, 0, 0, 250_000)),
        ("16:00Z", time(16, 0)),
        ("16:00:05+00:00", time(16, 0, 5)),
    ],
)
def test_every_form_of_a_clock_time_is_accepted(clock: str, parsed: time) -> None:
    assert SessionRequest.model_validate(valid(SessionStart=clock)).SessionStart == parsed


@pytest.mark.parametrize(
    ("clock", "offset"), [("18:00-07:00", "-07:00"), ("18:00:00.000+02:00", "+02:00"), ("18:00+0530", "+0530")]
)
def test_a_time_with_another_utc_offset_is_refused_because_salesforce_times_have_no_zone(
    clock: str, offset: str
) -> None:
    message = problems(valid(SessionStart=clock))["SessionStart"]
    assert f"has the UTC offset {offset}: Salesforce Time fields have no zone" in message


@pytest.mark.parametrize(("start", "end"), [("19:30", "18:00"), ("18:00", "18:00"), ("18:00:00.500Z", "18:00:00.250Z")])
def test_end_must_be_after_start(start: str, end: str) -> None:
    assert "after SessionStart" in problems(valid(SessionStart=start, SessionEnd=end))["SessionEnd"]


def test_topic_must_be_non_empty_text_of_at_most_255_characters() -> None:
    assert "SessionTopic" in problems(valid(SessionTopic="   "))
    assert "SessionTopic" in problems(valid(SessionTopic="x" * 256))
    assert SessionRequest.model_validate(valid(SessionTopic="é" * 255)).SessionTopic == "é" * 255


@pytest.mark.parametrize("field", ["TeamSeasonId", "SessionDate", "SessionStart", "SessionTopic", "CoachId"])
def test_numbers_are_not_strings(field: str) -> None:
    assert field in problems(valid(**{field: 20250521}))


def test_all_problems_are_reported_at_once() -> None:
    found = problems({"SessionDate": "2025-02-30", "SessionStart": "25:00", "CoachId": "nope"})
    assert set(found) == {"TeamSeasonId", "SessionDate", "SessionStart", "CoachId"}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("Game_Day", "Game Day"),
        ("Soccer_and_Writing", "Soccer and Writing"),
        ("Game Day", "Game Day"),
        ("Soccer", "Soccer"),
        ("Free_Play", "Free_Play"),
        ("Futsal drills", "Futsal drills"),
    ],
)
def test_the_old_apps_underscored_topics_become_the_orgs_topic_values(sent: str, stored: str) -> None:
    assert SessionRequest.model_validate(valid(SessionTopic=sent)).SessionTopic == stored


def test_absent_and_null_optional_fields_are_none_and_unknown_fields_are_dropped() -> None:
    request = SessionRequest.model_validate(valid(SessionTopic=None, Mascot="Owl"))
    assert request.SessionTopic is None
    assert request.SessionDate == date(2025, 5, 21)
    assert "Mascot" not in request.model_dump()
