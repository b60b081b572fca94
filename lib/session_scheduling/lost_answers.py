"""When Salesforce's answer to the create is lost: find what the attempt committed instead of creating again.

Why a found session means a whole bundle: the create is one composite request with allOrNone, and
"If the value is true, the entire composite request is rolled back" (REST API Developer Guide,
"Composite Request Body"); a composite's allOrNone "also applies to each of the sObject Collections
subrequests" ("allOrNone Parameters in Composite and Collections Requests"). So an attempt committed
its session, task and attendance rows together, or nothing. A session found without the task the
request asked for (or with another coach's task) is not this request's: another request made it, or
the coach deleted records since, and then the request no longer stands and is scheduled anew.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from session_scheduling.plan import FoundBundle, FoundSession
from session_scheduling.remembered_answer import OutcomeUnknown
from session_scheduling.request import SessionRequest
from session_scheduling.response import AttendanceCreated, SessionCreated

# Salesforce stamps CreatedDate with its own clock; a margin keeps a small skew from hiding a record.
CLOCK_SKEW = timedelta(minutes=2)


@dataclass
class EarlierAttemptConflict(Exception):
    """Several look-alikes could each be what the earlier attempt left, and nothing tells them apart yet."""

    reason: str
    record_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        super().__init__(self.reason)


class AnsweredSessionsUnreadable(Exception):
    """The retry memory could not say which sessions other requests were given: the look cannot finish."""


@dataclass
class EarlierAttemptSettling(Exception):
    """Nothing found yet, but the earlier attempt started so recently that Salesforce may still commit it."""

    seconds_left: float


class EarlierAttempts(Protocol):
    """What reconciling needs from Salesforce, besides scheduling."""

    @property
    def integration_user_id(self) -> str | None: ...

    def sessions_created_since(
        self, team_season_id: str, on: date, created_by: str | None, since: datetime
    ) -> tuple[FoundSession, ...]: ...

    def bundle_of(self, session_id: str) -> FoundBundle: ...


AnsweredElsewhere = Callable[[str], bool]  # session ID -> the retry memory gave it to another request


def find_earlier_attempt(
    request: SessionRequest,
    create_attendance_task: bool,
    org: EarlierAttempts,
    lost: OutcomeUnknown,
    answered_elsewhere: AnsweredElsewhere,
) -> SessionCreated | None:
    """The bundle the lost attempt committed, as its 201 would have described it; None when there is none.

    Only this request's own records: a session the retry memory already answered to another request is
    not, nor one whose task is missing or is another coach's (a look-alike another request made).
    """
    candidates = org.sessions_created_since(
        request.TeamSeasonId, request.SessionDate, lost.integration_user, lost.attempt_started - CLOCK_SKEW
    )
    same = [found for found in candidates if _same_values(found, request)]
    unanswered = [found for found in same if not answered_elsewhere(found.session_id)]
    bundles = [(found, org.bundle_of(found.session_id)) for found in unanswered]
    ours = [(found, bundle) for found, bundle in bundles if _as_asked(bundle, request, create_attendance_task)]
    if not ours:
        return None
    if len(ours) > 1:
        ids = tuple(found.session_id for found, _ in ours)
        raise EarlierAttemptConflict(
            f"{len(ours)} sessions match this request and no other request was answered with them: {', '.join(ids)}",
            ids,
        )
    [(session, bundle)] = ours
    return SessionCreated(
        SessionId=session.session_id,
        TaskId=bundle.task_ids[0] if bundle.task_ids else None,
        Attendances=[
            AttendanceCreated(
                AttendanceId=row.attendance_id,
                StudentId=row.student.contact_id,
                StudentName=row.student.name,
                Attended=row.attended,
            )
            for row in bundle.attendances
        ],
    )


def _as_asked(bundle: FoundBundle, request: SessionRequest, create_attendance_task: bool) -> bool:
    """The request's whole bundle (one composite, all or none): its coach's one task, or no task and no rows."""
    coach = request.CoachId if create_attendance_task else None
    if coach is None:
        return not bundle.tasks and not bundle.attendances
    return [task.assigned_to for task in bundle.tasks] == [coach]


def _same_values(found: FoundSession, request: SessionRequest) -> bool:
    return (found.start, found.end, found.topic) == (request.SessionStart, request.SessionEnd, request.SessionTopic)
