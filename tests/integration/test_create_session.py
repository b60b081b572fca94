"""POST /sessions end to end: real events through the handler, moto's Secrets Manager, the stand-in over HTTPS."""

from types import SimpleNamespace

import pytest

from local.api_gateway_events import rest_event
from local.environment import LocalEnvironment
from local.lambda_runtime import cold_start
from session_scheduling.salesforce_ids import checksum_suffix
from tests.conftest import post_session, session_body


def salesforce_calls(env: LocalEnvironment) -> list[str]:
    return [call.kind for call in env.standin.calls]


def test_a_session_with_a_coach_creates_session_task_and_one_attendance_row_per_active_student(
    org: LocalEnvironment,
) -> None:
    answer = post_session(session_body(org))

    assert answer.status == 201
    [session] = org.standin.records("Session__c")
    [task] = org.standin.records("SCORES_Task__c")
    attendance = org.standin.records("Attendance__c")
    assert answer.body["SessionId"] == session["Id"]
    assert answer.body["TaskId"] == task["Id"]
    assert session["Team_Season__c"] == org.seed.team_season_id
    assert session["Session_Date__c"] == "2025-05-21"
    assert session["Session_Start__c"] == "18:00:00.000Z"
    assert session["Session_End__c"] == "19:30:00.000Z"
    assert session["Session_Topic__c"] == "Dribbling"
    assert {row["Contact__c"] for row in attendance} == set(org.seed.student_ids)
    assert len(attendance) == len(org.seed.student_ids)
    for row in attendance:
        assert row["Session__c"] == session["Id"]
        assert row["Attended__c"] is False
        assert row["ExternalId__c"] == f"{row['Contact__c']}-{session['Id']}"
    assert sorted(answer.body["Attendances"], key=lambda a: a["StudentId"]) == sorted(
        (
            {
                "AttendanceId": row["Id"],
                "StudentId": row["Contact__c"],
                "StudentName": org.seed.student_names[row["Contact__c"]],
                "Attended": False,
            }
            for row in attendance
        ),
        key=lambda a: a["StudentId"],
    )


def test_the_task_carries_the_fields_the_existing_integration_writes(org: LocalEnvironment) -> None:
    answer = post_session(session_body(org))

    assert answer.status == 201
    [task] = org.standin.records("SCORES_Task__c")
    assert task["Name"] == "Take attendance"
    assert task["Task_Type__c"] == "Take Attendance"
    assert task["Task_Status__c"] == "Not Started"
    assert task["Assigned_To__c"] == org.seed.coach_id
    assert task["Session__c"] == answer.body["SessionId"]
    assert task["OwnerId"] == org.seed.owner_user_id
    assert task["Due_Date__c"] == "2025-05-21"  # the session's date: Due_Date__c is a Date field in the org


def test_by_default_the_task_has_no_created_by_or_last_modified_by_contact(org: LocalEnvironment) -> None:
    """The original never writes them and their type is unproven (docs/salesforce-fields.md): off by default."""
    assert post_session(session_body(org)).status == 201

    [task] = org.standin.records("SCORES_Task__c")
    assert {"Created_By_Contact__c", "Last_Modified_By_Contact__c"}.isdisjoint(task)


def test_with_task_contact_fields_enabled_the_coach_is_the_tasks_created_and_last_modified_by_contact(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASK_CONTACT_FIELDS_ENABLED", "true")
    cold_start()

    assert post_session(session_body(org)).status == 201

    [task] = org.standin.records("SCORES_Task__c")
    coach = org.seed.coach_id
    assert (task["Assigned_To__c"], task["Created_By_Contact__c"], task["Last_Modified_By_Contact__c"]) == (
        coach,
        coach,
        coach,
    )


@pytest.mark.parametrize("flag", ["false", "FALSE", "False"])
def test_create_attendance_task_false_creates_only_the_session(org: LocalEnvironment, flag: str) -> None:
    answer = post_session(session_body(org), query={"createAttendanceTask": flag})

    assert answer.status == 201
    assert answer.body == {"SessionId": answer.body["SessionId"], "TaskId": None, "Attendances": []}
    assert org.standin.record_count() == {"Session__c": 1, "SCORES_Task__c": 0, "Attendance__c": 0}


def test_without_a_coach_no_task_is_created_even_when_asked(org: LocalEnvironment) -> None:
    answer = post_session(session_body(org, CoachId=...), query={"createAttendanceTask": "TRUE"})

    assert answer.status == 201
    assert answer.body["TaskId"] is None
    assert org.standin.record_count() == {"Session__c": 1, "SCORES_Task__c": 0, "Attendance__c": 0}


def test_absent_null_and_unknown_fields_are_not_sent_to_salesforce(org: LocalEnvironment) -> None:
    body = session_body(org, SessionStart=..., SessionEnd=None, SessionTopic=None, Mascot="Owl", OwnerId="005x")
    answer = post_session(body)

    assert answer.status == 201
    [session] = org.standin.records("Session__c")
    assert {"Session_Start__c", "Session_End__c", "Session_Topic__c", "Mascot", "OwnerId"}.isdisjoint(session)
    [task] = org.standin.records("SCORES_Task__c")
    assert task["Due_Date__c"] == "2025-05-21"


def test_15_character_ids_are_sent_and_answered_in_18_character_form(org: LocalEnvironment) -> None:
    answer = post_session(session_body(org, TeamSeasonId=org.seed.team_season_id[:15]))

    assert answer.status == 201
    [session] = org.standin.records("Session__c")
    assert session["Team_Season__c"] == org.seed.team_season_id
    assert checksum_suffix(answer.body["SessionId"][:15]) == answer.body["SessionId"][15:]


def test_a_warm_container_makes_two_salesforce_calls_with_task_and_one_without(org: LocalEnvironment) -> None:
    assert post_session(session_body(org)).status == 201
    assert salesforce_calls(org) == ["token", "query", "composite"]

    org.standin.reset_calls()
    assert post_session(session_body(org, SessionDate="2025-05-22")).status == 201
    assert salesforce_calls(org) == ["query", "composite"]

    org.standin.reset_calls()
    assert post_session(session_body(org, CoachId=...)).status == 201
    assert salesforce_calls(org) == ["composite"]


def test_only_students_enrolled_on_the_session_date_get_a_row(org: LocalEnvironment) -> None:
    answer = post_session(session_body(org, SessionDate="2020-06-01"))

    assert answer.status == 201
    assert answer.body["Attendances"] == []
    assert org.standin.record_count()["Attendance__c"] == 0


@pytest.mark.parametrize("students", [23, 24, 201, 1000])
def test_teams_of_any_size_get_one_row_per_student_in_one_composite(org: LocalEnvironment, students: int) -> None:
    team = org.standin.insert("Team_Season__c", {"Name": "Big team"})
    enrolled = org.standin.seed_students(team, students)

    answer = post_session(session_body(org, TeamSeasonId=team))

    assert answer.status == 201
    assert sorted(a["StudentId"] for a in answer.body["Attendances"]) == sorted(enrolled)
    assert org.standin.record_count() == {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": students}
    assert [call.kind for call in org.standin.calls] == ["token", "query", "composite"]


@pytest.mark.parametrize("students", [5, 201])
def test_each_attendance_id_belongs_to_its_student_whatever_order_salesforce_answers_in(
    org: LocalEnvironment, students: int
) -> None:
    team = org.standin.insert("Team_Season__c", {"Name": "Big team"})
    org.standin.seed_students(team, students)
    org.standin.reverse_composite_answers = True

    answer = post_session(session_body(org, TeamSeasonId=team))

    assert answer.status == 201
    student_of_row = {row["Id"]: row["Contact__c"] for row in org.standin.records("Attendance__c")}
    assert {a["AttendanceId"]: a["StudentId"] for a in answer.body["Attendances"]} == student_of_row


def test_a_context_without_lambdas_clock_still_creates_the_session(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Harnesses that build their own context (name, ARN, request id only) set no time limit."""
    from handler.app import lambda_handler

    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "")  # Powertools' retry memory itself needs the clock
    cold_start()
    context = SimpleNamespace(
        function_name="sessions",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:us-west-2:123456789012:function:sessions",
        aws_request_id="bare-context",
    )

    response = lambda_handler(rest_event(session_body(org)), context)

    assert response["statusCode"] == 201
    assert org.standin.record_count() == {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}
