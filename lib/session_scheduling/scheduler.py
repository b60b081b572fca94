"""Scheduling a session: decide what must exist, then have the org create all of it at once."""

from datetime import date
from typing import Protocol

from session_scheduling.plan import (
    AttendanceTaskPlan,
    CreatedBundle,
    SessionPlan,
    Student,
    plan_session,
)
from session_scheduling.request import SessionRequest
from session_scheduling.response import AttendanceCreated, SessionCreated


class SalesforceOrg(Protocol):
    """What the scheduling needs from Salesforce; the gateway knows how."""

    def find_enrolled_students(self, team_season_id: str, on: date) -> tuple[Student, ...]: ...

    def create_session_bundle(self, plan: SessionPlan) -> CreatedBundle: ...


class TaskRules(Protocol):
    task_owner_user_id: str | None
    task_contact_fields_enabled: bool


def schedule_session(
    request: SessionRequest, *, create_attendance_task: bool, org: SalesforceOrg, rules: TaskRules
) -> SessionCreated:
    task: AttendanceTaskPlan | None = None
    coach_id = request.CoachId if create_attendance_task else None
    if coach_id is not None:
        task = AttendanceTaskPlan(
            coach_id=coach_id,
            due_date=request.SessionDate,
            owner_user_id=rules.task_owner_user_id,
            coach_in_contact_fields=rules.task_contact_fields_enabled,
            students=org.find_enrolled_students(request.TeamSeasonId, request.SessionDate),
        )
    plan = plan_session(request, task)
    created = org.create_session_bundle(plan)
    return describe_created(plan, created)


def describe_created(plan: SessionPlan, created: CreatedBundle) -> SessionCreated:
    students = plan.task.students if plan.task else ()
    return SessionCreated(
        SessionId=created.session_id,
        TaskId=created.task_id,
        Attendances=[
            AttendanceCreated(AttendanceId=attendance_id, StudentId=student.contact_id, StudentName=student.name)
            for student, attendance_id in zip(students, created.attendance_ids, strict=True)
        ],
    )
