"""A repeat's answer: the first 201 again, but only while what it names still stands in Salesforce as asked.

Both coach apps delete and edit sessions (DELETE and PATCH /sessions/{id}) through the original
integration, which this service never sees (docs/evidence/original-integration-and-apps.md). So a
remembered answer is checked before it is given again: the session exists with the request's team
season, date, start, end and topic (compared as Salesforce stores them: IDs in 18-character form,
times as HH:MM:SS.sssZ), and so does its task, still on that session. The same read names the
students, so a repeat costs one Salesforce call, as the names query alone did. What the service does
not write (ticked attendance, headcounts, the task's status) never makes a repeat new.
"""

from dataclasses import dataclass
from datetime import time
from typing import Protocol

from session_scheduling.errors import SalesforceFailure
from session_scheduling.plan import StandingBundle
from session_scheduling.remembered_answer import RememberedSession
from session_scheduling.request import SessionRequest
from session_scheduling.response import AttendanceCreated, SessionCreated


@dataclass
class RequestNoLongerStands(Exception):
    """What the remembered answer names was deleted or edited in Salesforce since."""

    session_id: str
    record_ids: tuple[str, ...]  # what the first answer named
    changes: tuple[str, ...]  # "deleted", or the request fields whose values changed ("SessionDate", ...)

    def __post_init__(self) -> None:
        super().__init__(f"session {self.session_id}: {', '.join(self.changes)}")

    @property
    def description(self) -> str:
        if "deleted" in self.changes:
            return f"session {self.session_id} was deleted in Salesforce"
        return f"session {self.session_id} was changed in Salesforce ({', '.join(self.changes)})"


@dataclass
class RepeatUnconfirmed(Exception):
    """A repeat of a request that created its records, when Salesforce could not be read to confirm them."""

    session_id: str
    failure: SalesforceFailure

    def __post_init__(self) -> None:
        super().__init__(f"session {self.session_id}: {self.failure.summary}")


class StandingRecords(Protocol):
    def bundle_as_it_stands(self, session_id: str, task_id: str | None, with_rows: bool) -> StandingBundle: ...


def replay(org: StandingRecords, request: SessionRequest, remembered: RememberedSession) -> SessionCreated:
    """The first answer, its students named as Salesforce names them now; rows deleted since are left out.

    Raises RequestNoLongerStands, or RepeatUnconfirmed when the read fails (the records existed when
    answered, so never an answer that says nothing was created).
    """
    try:
        standing = org.bundle_as_it_stands(remembered.SessionId, remembered.TaskId, bool(remembered.Attendances))
    except SalesforceFailure as failure:
        raise RepeatUnconfirmed(remembered.SessionId, failure) from None
    changes = what_changed(standing, request, remembered)
    if changes:
        named = (remembered.SessionId, *([remembered.TaskId] if remembered.TaskId else []))
        raise RequestNoLongerStands(remembered.SessionId, named, changes)
    rows_now = {row.attendance_id: row for row in standing.attendances}
    return SessionCreated(
        SessionId=remembered.SessionId,
        TaskId=remembered.TaskId,
        Attendances=[
            AttendanceCreated(**row.model_dump(), StudentName=rows_now[row.AttendanceId].student.name)
            for row in remembered.Attendances
            if row.AttendanceId in rows_now
        ],
    )


def what_changed(standing: StandingBundle, request: SessionRequest, remembered: RememberedSession) -> tuple[str, ...]:
    session = standing.session
    if session is None:
        return ("deleted",)
    fields = {
        "TeamSeasonId": session.team_season_id == request.TeamSeasonId,
        "SessionDate": session.session_date == request.SessionDate,
        "SessionStart": _same_clock(session.start, request.SessionStart),
        "SessionEnd": _same_clock(session.end, request.SessionEnd),
        "SessionTopic": session.topic == request.SessionTopic,
    }
    changed = [name for name, same in fields.items() if not same]
    task = standing.task
    if remembered.TaskId is not None and (task is None or task.session_id != remembered.SessionId):
        changed.append("attendance task deleted")
    return tuple(changed)


def _same_clock(stored: time | None, asked: time | None) -> bool:
    """Salesforce keeps Time fields to the millisecond; a request's time has no finer part."""
    if stored is None or asked is None:
        return stored is asked
    return stored == asked.replace(microsecond=asked.microsecond // 1000 * 1000)
