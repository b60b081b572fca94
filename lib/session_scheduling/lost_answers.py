"""When Salesforce's answer to the create is lost: find what the attempt committed instead of creating again.

Why a found session means a whole bundle: the create is one composite request with allOrNone, and
"If the value is true, the entire composite request is rolled back" (REST API Developer Guide,
"Composite Request Body"); a composite's allOrNone "also applies to each of the sObject Collections
subrequests" ("allOrNone Parameters in Composite and Collections Requests"). So an attempt committed
its session, task and attendance rows together, or nothing. A session found without the task the
request asked for means records were deleted since: a conflict for a person to look at, never a
reason to create a second bundle.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from session_scheduling.errors import SalesforceFailure, SalesforceOutcomeUnknown
from session_scheduling.plan import FoundBundle, FoundSession
from session_scheduling.remembered_answer import OutcomeUnknown, RememberedSession
from session_scheduling.request import SessionRequest
from session_scheduling.response import AttendanceCreated, SessionCreated
from session_scheduling.scheduler import SalesforceOrg, TaskRules, schedule_session

# Salesforce stamps CreatedDate with its own clock; a margin keeps a small skew from hiding a record.
CLOCK_SKEW = timedelta(minutes=2)


@dataclass
class ScheduleReport:
    """What one request did, for its log line and metrics."""

    created: bool = False  # this request's create was answered: it made the records
    answer_lost: bool = False  # this request's create was sent and its answer lost
    looks: list[str] = field(default_factory=list)  # reconciling looks: found, nothing, conflict, failed
    lost_cause: str | None = None  # what lost this request's answer (a proxy's 502/504, a timeout, a cut, ...)
    look_error: str | None = None  # the Salesforce error code of a look that failed

    def unknown_outcome(self) -> SalesforceOutcomeUnknown:
        """Why this request's outcome is unknown, for its 504's log lines."""
        if self.answer_lost:
            return SalesforceOutcomeUnknown(self.lost_cause or "the create's answer was lost")
        return SalesforceOutcomeUnknown(
            f"an earlier attempt's answer was lost and the look for its records failed ({self.look_error})",
            lost_here=False,
        )


@dataclass
class EarlierAttemptConflict(Exception):
    """What the earlier attempt left cannot be told apart or is incomplete: a person must look."""

    reason: str
    record_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        super().__init__(self.reason)


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

    def student_names(self, session_id: str) -> dict[str, str | None]: ...


class ReconcilingOrg(SalesforceOrg, EarlierAttempts, Protocol):
    pass


def find_earlier_attempt(
    request: SessionRequest, create_attendance_task: bool, org: EarlierAttempts, lost: OutcomeUnknown
) -> SessionCreated | None:
    """The bundle the lost attempt committed, as its 201 would have described it; None when there is none."""
    candidates = org.sessions_created_since(
        request.TeamSeasonId, request.SessionDate, lost.integration_user, lost.attempt_started - CLOCK_SKEW
    )
    same = [found for found in candidates if _same_values(found, request)]
    if not same:
        return None
    if len(same) > 1:
        ids = tuple(found.session_id for found in same)
        raise EarlierAttemptConflict(f"{len(same)} sessions match this request: {', '.join(ids)}", ids)
    [session] = same
    bundle = org.bundle_of(session.session_id)
    wants_task = create_attendance_task and request.CoachId is not None
    if len(bundle.task_ids) != (1 if wants_task else 0) or (bundle.attendances and not wants_task):
        ids = (session.session_id, *bundle.task_ids, *(row.attendance_id for row in bundle.attendances))
        raise EarlierAttemptConflict(
            f"session {session.session_id} matches this request but has {len(bundle.task_ids)} attendance "
            f"task(s) and {len(bundle.attendances)} attendance row(s)",
            ids,
        )
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


def _same_values(found: FoundSession, request: SessionRequest) -> bool:
    return (found.start, found.end, found.topic) == (request.SessionStart, request.SessionEnd, request.SessionTopic)


@dataclass
class SessionScheduler:
    """What the retry guard runs for a request: a first attempt, or the repeat of one whose answer was lost."""

    org: Callable[[], ReconcilingOrg]  # per container, built on first use
    rules: TaskRules
    settle_seconds: float
    report: ScheduleReport = field(default_factory=ScheduleReport)

    def attempt(
        self, request: SessionRequest, create_attendance_task: bool, attempt_started: datetime | None = None
    ) -> SessionCreated | OutcomeUnknown:
        """Schedule; if the answer is lost, look once at once (time allowing), else say the outcome is unknown.

        attempt_started: the earliest lost attempt's start, so that a look after this one covers both.
        """
        org = self.org()
        now = datetime.now(UTC)
        started = attempt_started or now
        try:
            created = schedule_session(
                request, create_attendance_task=create_attendance_task, org=org, rules=self.rules
            )
        except SalesforceOutcomeUnknown as unknown:
            self.report.answer_lost = True
            self.report.lost_cause = unknown.detail
            lost = OutcomeUnknown(
                attempt_started=started, integration_user=org.integration_user_id, latest_attempt_started=now
            )
        else:
            self.report.created = True
            return created
        try:
            return self._look(request, create_attendance_task, lost) or lost
        except (SalesforceFailure, EarlierAttemptConflict):  # the look itself failed: still unknown
            return lost

    def resume(
        self, request: SessionRequest, create_attendance_task: bool, lost: OutcomeUnknown
    ) -> SessionCreated | OutcomeUnknown:
        """A repeat of a request whose answer was lost: the earlier attempt's records, else a new attempt.

        A look that fails leaves the outcome unknown (a 504 that asks again), never a 500: a 500 says
        nothing exists, and the earlier attempt may have committed.
        """
        try:
            found = self._look(request, create_attendance_task, lost)
        except SalesforceFailure:
            return lost
        if found is not None:
            return found
        waited = (datetime.now(UTC) - lost.settling_since).total_seconds()
        if waited < self.settle_seconds:
            raise EarlierAttemptSettling(self.settle_seconds - waited)
        return self.attempt(request, create_attendance_task, attempt_started=lost.attempt_started)

    def named(self, remembered: RememberedSession) -> SessionCreated:
        """A repeat's answer: the first one, its students named as Salesforce names them now (one query)."""
        names = self.org().student_names(remembered.SessionId) if remembered.Attendances else {}
        return remembered.named(names)

    def _look(
        self, request: SessionRequest, create_attendance_task: bool, lost: OutcomeUnknown
    ) -> SessionCreated | None:
        try:
            found = find_earlier_attempt(request, create_attendance_task, self.org(), lost)
        except EarlierAttemptConflict:
            self.report.looks.append("conflict")
            raise
        except SalesforceFailure as failure:
            self.report.looks.append("failed")
            self.report.look_error = failure.primary_code
            raise
        self.report.looks.append("nothing" if found is None else "found")
        return found
