"""The Salesforce shape of each planned record: object and field names, date and time formats, the SOQL."""

from datetime import date, datetime, time
from typing import Any

from session_scheduling.plan import (
    AttendanceTaskPlan,
    FoundAttendance,
    FoundSession,
    FoundTask,
    SessionPlan,
    StandingSession,
    Student,
)
from session_scheduling.salesforce_ids import to_case_safe_id

SESSION = "Session__c"
TASK = "SCORES_Task__c"
ATTENDANCE = "Attendance__c"

# Field values the existing MuleSoft integration writes on the "Take Attendance" task.
TASK_NAME = "Take attendance"
TASK_TYPE = "Take Attendance"
TASK_STATUS = "Not Started"


def salesforce_time(value: time) -> str:
    """Time fields travel as HH:MM:SS.sssZ (the Z is part of the format: Time fields have no zone)."""
    return f"{value.isoformat(timespec='milliseconds')}Z"


def session_fields(plan: SessionPlan) -> dict[str, Any]:
    """Absent values are not sent at all, so Salesforce keeps its defaults."""
    fields: dict[str, Any] = {"Team_Season__c": plan.team_season_id, "Session_Date__c": plan.session_date.isoformat()}
    if plan.start is not None:
        fields["Session_Start__c"] = salesforce_time(plan.start)
    if plan.end is not None:
        fields["Session_End__c"] = salesforce_time(plan.end)
    if plan.topic is not None:
        fields["Session_Topic__c"] = plan.topic
    return fields


def task_fields(task: AttendanceTaskPlan, session_id: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "Name": TASK_NAME,
        "Task_Type__c": TASK_TYPE,
        "Task_Status__c": TASK_STATUS,
        "Assigned_To__c": task.coach_id,
        "Session__c": session_id,
        "Due_Date__c": task.due_date.isoformat(),  # a Date field in the org
    }
    if task.coach_in_contact_fields:
        fields["Created_By_Contact__c"] = task.coach_id
        fields["Last_Modified_By_Contact__c"] = task.coach_id
    if task.owner_user_id is not None:
        fields["OwnerId"] = task.owner_user_id
    return fields


def attendance_record(student: Student, session_id: str) -> dict[str, Any]:
    """ExternalId__c is the key later attendance syncs upsert on, so they update rather than duplicate."""
    return {
        "attributes": {"type": ATTENDANCE},
        "Contact__c": student.contact_id,
        "Session__c": session_id,
        "Attended__c": False,
        "ExternalId__c": f"{student.contact_id}-{session_id}",
    }


def enrollment_query(team_season_id: str, on: date) -> str:
    """Students enrolled on the date, each once: the rule of docs/salesforce-fields.md ("Who gets an attendance row").

    An enrollment without a start or end date is open on that side (SOQL's `<=` and `>=` never match a null, so
    the original's filter left such students out silently); a dropped enrollment gets no row, whatever its dates.
    """
    day = on.isoformat()
    # The ID passed the Salesforce ID check (letters and digits only) and the date is a date: no injection.
    return (
        "SELECT Contact__c, Contact__r.Name FROM Enrollment__c "  # noqa: S608
        f"WHERE Team_Season__c = '{team_season_id}' "
        f"AND (Start_Date__c <= {day} OR Start_Date__c = null) AND (End_Date__c >= {day} OR End_Date__c = null) "
        "AND Dropped__c = false "
        "GROUP BY Contact__c, Contact__r.Name"
    )


def students_from_query(records: list[dict[str, Any]]) -> tuple[Student, ...]:
    """Aggregate results name a grouped relationship field by its last part ("Name")."""
    students: dict[str, Student] = {}
    for record in records:
        if not record.get("Contact__c"):  # GROUP BY keeps a group for enrollments without a student
            continue
        contact_id = str(record["Contact__c"])
        relation = record.get("Contact__r")
        name = record.get("Name") or (relation.get("Name") if isinstance(relation, dict) else None)
        students.setdefault(contact_id, Student(contact_id=contact_id, name=name))
    return tuple(students.values())


def sessions_created_query(team_season_id: str, on: date, created_by: str | None, since: datetime) -> str:
    """The sessions of a team season on a date that the integration user created since a moment.

    Times and topic are compared after reading (Time literals and text escaping in SOQL are avoided);
    the ID and user ID are validated IDs and the moments are dates: no injection.
    """
    creator = f" AND CreatedById = '{created_by}'" if created_by else ""
    return (
        "SELECT Id, Session_Start__c, Session_End__c, Session_Topic__c FROM Session__c "  # noqa: S608
        f"WHERE Team_Season__c = '{team_season_id}' AND Session_Date__c = {on.isoformat()}{creator} "
        f"AND CreatedDate >= {since:%Y-%m-%dT%H:%M:%SZ}"
    )


def tasks_of_session_query(session_id: str) -> str:
    return f"SELECT Id, Session__c, Assigned_To__c FROM {TASK} WHERE Session__c = '{session_id}'"  # noqa: S608


def session_query(session_id: str) -> str:
    """The fields the service writes on a session, by ID (an ID Salesforce gave: no injection)."""
    return (
        "SELECT Id, Team_Season__c, Session_Date__c, Session_Start__c, Session_End__c, Session_Topic__c "  # noqa: S608
        f"FROM {SESSION} WHERE Id = '{session_id}'"
    )


def task_query(task_id: str) -> str:
    return f"SELECT Id, Session__c, Assigned_To__c FROM {TASK} WHERE Id = '{task_id}'"  # noqa: S608 - an ID


def attendance_of_session_query(session_id: str) -> str:
    return (
        f"SELECT Id, Contact__c, Contact__r.Name, Attended__c FROM {ATTENDANCE} "  # noqa: S608 - a validated ID
        f"WHERE Session__c = '{session_id}'"
    )


def found_session(record: dict[str, Any]) -> FoundSession:
    return FoundSession(
        session_id=str(record["Id"]),
        start=_clock(record.get("Session_Start__c")),
        end=_clock(record.get("Session_End__c")),
        topic=record.get("Session_Topic__c"),
    )


def standing_session(record: dict[str, Any]) -> StandingSession:
    """Values as Salesforce stores them: IDs in either length (compared in 18-character form), times HH:MM:SS.sssZ."""
    day = record.get("Session_Date__c")
    return StandingSession(
        session_id=str(record["Id"]),
        team_season_id=_case_safe(record.get("Team_Season__c")),
        session_date=date.fromisoformat(str(day)) if day else None,
        start=_clock(record.get("Session_Start__c")),
        end=_clock(record.get("Session_End__c")),
        topic=record.get("Session_Topic__c"),
    )


def found_task(record: dict[str, Any]) -> FoundTask:
    return FoundTask(
        task_id=str(record["Id"]),
        session_id=_case_safe(record.get("Session__c")),
        assigned_to=_case_safe(record.get("Assigned_To__c")),
    )


def _case_safe(value: Any) -> str | None:
    return to_case_safe_id(str(value)) if value else None


def found_attendance(record: dict[str, Any]) -> FoundAttendance:
    relation = record.get("Contact__r")
    name = relation.get("Name") if isinstance(relation, dict) else None
    return FoundAttendance(
        attendance_id=str(record["Id"]),
        student=Student(contact_id=str(record["Contact__c"]), name=name),
        attended=bool(record.get("Attended__c")),
    )


def _clock(value: Any) -> time | None:
    """A Time field as Salesforce answers it, HH:MM:SS.sssZ."""
    return time.fromisoformat(str(value).removesuffix("Z")) if value else None
