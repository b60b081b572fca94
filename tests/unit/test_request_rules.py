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


@pytest.mark.parametrize(
    ("sent", "start", "end"),
    [
        ({"sessionStart": "16:00", "sessionEnd": "17:30"}, time(16), time(17, 30)),  # AddSessionModal
        ({"SessionStart": "16:00", "sessionEnd": "17:30"}, time(16), time(17, 30)),
        ({"SessionStart": "16:00", "sessionStart": "16:00:00.000Z"}, time(16), None),  # the same time twice
        ({"SessionEnd": None, "sessionEnd": "17:30"}, None, time(17, 30)),
    ],
)
def test_lowercase_session_start_and_end_are_the_same_fields_as_the_pascal_case_ones(
    sent: dict[str, object], start: time | None, end: time | None
) -> None:
    request = SessionRequest.model_validate(valid(**sent))
    assert (request.SessionStart, request.SessionEnd) == (start, end)


def test_a_request_is_the_same_request_under_either_spelling_of_the_times() -> None:
    lowercase = SessionRequest.model_validate(valid(sessionStart="16:00", sessionEnd="17:30"))
    pascal_case = SessionRequest.model_validate(valid(SessionStart="16:00", SessionEnd="17:30"))
    assert lowercase.model_dump(mode="json") == pascal_case.model_dump(mode="json")
    assert "sessionStart" not in lowercase.model_dump()


@pytest.mark.parametrize(
    ("sent", "field", "other"),
    [
        ({"SessionStart": "16:00", "sessionStart": "17:00"}, "SessionStart", "sessionStart is 17:00:00.000"),
        ({"SessionEnd": "18:00", "sessionEnd": "18:30"}, "SessionEnd", "sessionEnd is 18:30:00.000"),
    ],
)
def test_both_spellings_with_different_times_are_refused_naming_both(
    sent: dict[str, object], field: str, other: str
) -> None:
    found = problems(valid(**sent))
    assert set(found) == {field}
    assert other in found[field]
    assert f"{field} and {field[0].lower()}{field[1:]} are the same field" in found[field]


def test_lowercase_times_follow_the_same_format_rules_under_their_own_name() -> None:
    found = problems(valid(sessionStart="4pm", sessionEnd="18:00-07:00"))
    assert "HH:MM, HH:MM:SS or HH:MM:SS.sss" in found["sessionStart"]
    assert "has the UTC offset -07:00" in found["sessionEnd"]


@pytest.mark.parametrize(
    ("sent", "field", "start"),
    [
        ({"sessionStart": "18:00", "sessionEnd": "17:00"}, "sessionEnd", "after sessionStart (18:00:00.000)"),
        ({"SessionStart": "18:00", "sessionEnd": "18:00"}, "sessionEnd", "after SessionStart (18:00:00.000)"),
        ({"sessionStart": "18:00", "SessionEnd": "17:00"}, "SessionEnd", "after sessionStart (18:00:00.000)"),
    ],
)
def test_the_end_must_be_after_the_start_whichever_names_they_come_under(
    sent: dict[str, object], field: str, start: str
) -> None:
    found = problems(valid(**sent))
    assert set(found) == {field}
    assert start in found[field]


@pytest.mark.parametrize(
    ("field", "value"),
    [("SessionStart", "18:00\n"), ("sessionEnd", "19:30Z\n"), ("SessionDate", "2025-05-21\n"), ("SessionDate", "\n")],
)
def test_times_and_dates_must_be_the_whole_string(field: str, value: str) -> None:
    assert field in problems(valid(**{field: value}))


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("soccer", "Soccer"),
        ("  Soccer  ", "Soccer"),
        ("GAME_DAY", "Game Day"),
        ("game   day", "Game Day"),
        ("service learning and SOCCER", "Service Learning and Soccer"),
        ("  Passing drills ", "  Passing drills "),  # not a listed topic: as sent
    ],
)
def test_a_listed_topic_in_any_case_or_spacing_is_stored_as_the_orgs_value(sent: str, stored: str) -> None:
    assert SessionRequest.model_validate(valid(SessionTopic=sent)).SessionTopic == stored


@pytest.mark.parametrize(
    "character", ["\x00", "\n", "\r", "\t", "\x7f", "\u202e", "\u200b", "\u200d", "\ufeff", "\u2028", "\ue000"]
)
def test_control_and_invisible_characters_in_the_topic_are_refused_by_code_point(character: str) -> None:
    message = problems(valid(SessionTopic=f"Soccer{character}"))["SessionTopic"]
    assert f"U+{ord(character):04X} at character 7" in message


@pytest.mark.parametrize("topic", ["Soccer and Writing", "Fútbol ⚽", "足球", "Ba\u0303o", "Soccer\u00a0drills"])
def test_visible_text_and_ordinary_spaces_are_accepted(topic: str) -> None:
    assert SessionRequest.model_validate(valid(SessionTopic=topic)).SessionTopic == topic


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("coachId", "CoachId"),
        ("CoachId ", "CoachId"),
        (" teamseasonid", "TeamSeasonId"),
        ("SESSIONTOPIC", "SessionTopic"),
        ("sessionstart", "SessionStart"),  # the documented name, not the old app's second spelling
        ("Sessionend", "SessionEnd"),
    ],
)
def test_a_field_named_like_a_known_one_but_for_case_or_blanks_is_refused_under_its_own_name(
    sent: str, meant: str
) -> None:
    found = problems({**valid(), sent: "value"})
    assert set(found) == {sent}
    assert f'did you mean "{meant}"?' in found[sent]


def test_the_old_apps_lowercase_times_are_no_near_misses() -> None:
    request = SessionRequest.model_validate(valid(sessionStart="16:00", sessionEnd="17:30"))
    assert (request.SessionStart, request.SessionEnd) == (time(16), time(17, 30))


def test_unknown_fields_that_miss_no_known_name_are_dropped() -> None:
    request = SessionRequest.model_validate(valid(Coach="x", CoachIds="y", Session_Topic="z"))
    assert request.model_dump() == SessionRequest.model_validate(valid()).model_dump()
