"""What must be created for one scheduled session: the session, and maybe its attendance task and rows."""

from dataclasses import dataclass, field
from datetime import date, time

from session_scheduling.request import SessionRequest


@dataclass(frozen=True)
class Student:
    contact_id: str
    name: str | None


@dataclass(frozen=True)
class AttendanceTaskPlan:
    """The "Take Attendance" task for the coach and one attendance row per enrolled student."""

    coach_id: str
    due_date: date  # the session's date: the org's Due_Date__c is a Date field
    owner_user_id: str | None
    students: tuple[Student, ...] = field(default=())
    # The coach as Created_By_Contact__c and Last_Modified_By_Contact__c: a setting, off by default,
    # until the org confirms those fields are Contact lookups (TASK_CONTACT_FIELDS_ENABLED).
    coach_in_contact_fields: bool = False


@dataclass(frozen=True)
class SessionPlan:
    team_season_id: str
    session_date: date
    start: time | None
    end: time | None
    topic: str | None
    task: AttendanceTaskPlan | None


@dataclass(frozen=True)
class CreatedBundle:
    """IDs Salesforce gave the records of one plan; attendance IDs follow the plan's student order."""

    session_id: str
    task_id: str | None
    attendance_ids: tuple[str, ...]


def plan_session(request: SessionRequest, task: AttendanceTaskPlan | None) -> SessionPlan:
    return SessionPlan(
        team_season_id=request.TeamSeasonId,
        session_date=request.SessionDate,
        start=request.SessionStart,
        end=request.SessionEnd,
        topic=request.SessionTopic,
        task=task,
    )


@dataclass(frozen=True)
class FoundSession:
    """A Session__c read back from the org, with the values a request would have given it."""

    session_id: str
    start: time | None
    end: time | None
    topic: str | None


@dataclass(frozen=True)
class FoundAttendance:
    attendance_id: str
    student: Student
    attended: bool


@dataclass(frozen=True)
class FoundTask:
    task_id: str
    session_id: str | None
    assigned_to: str | None  # the coach (Contact ID)


@dataclass(frozen=True)
class FoundBundle:
    """What hangs off a session in the org: its tasks and attendance rows."""

    tasks: tuple[FoundTask, ...]
    attendances: tuple[FoundAttendance, ...]

    @property
    def task_ids(self) -> tuple[str, ...]:
        return tuple(task.task_id for task in self.tasks)


@dataclass(frozen=True)
class StandingSession:
    """A Session__c as it stands in the org now: the fields the service writes, as Salesforce stores them."""

    session_id: str
    team_season_id: str | None
    session_date: date | None
    start: time | None
    end: time | None
    topic: str | None


@dataclass(frozen=True)
class StandingBundle:
    """What a remembered answer names, read back in one call: None for a record that no longer exists."""

    session: StandingSession | None
    task: FoundTask | None
    attendances: tuple[FoundAttendance, ...]
