"""Small builders for what several test folders arrange: a session plan as the scheduler would make it."""

from datetime import date, time
from typing import Any

from session_scheduling.plan import AttendanceTaskPlan, SessionPlan, Student
from session_scheduling.salesforce_ids import to_case_safe_id

TEAM_SEASON = to_case_safe_id("a0N5g00000AbCdE")
COACH = to_case_safe_id("0035g00000XyZab")
OWNER = to_case_safe_id("0055g00000XyZab")


def a_plan(students: int, owner_user_id: str | None = None) -> SessionPlan:
    """21 May 2025, 18:00 to 19:30:00.125, "Dribbling", with the coach's task and students enrolled."""
    task = AttendanceTaskPlan(
        coach_id=COACH,
        due_date=date(2025, 5, 21),
        owner_user_id=owner_user_id,
        students=tuple(Student(to_case_safe_id(f"0035g{n:010d}"), f"Student {n}") for n in range(students)),
    )
    return SessionPlan(TEAM_SEASON, date(2025, 5, 21), time(18), time(19, 30, 0, 125_000), "Dribbling", task)


def is_salesforce_id(value: Any) -> bool:
    """A generated value that passes the service's ID check (the fuzzers swap such IDs for seeded ones)."""
    try:
        to_case_safe_id(value)
    except (ValueError, TypeError):
        return False
    return True
