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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from session_scheduling.errors import SalesforceFailure, SalesforceOutcomeUnknown
from session_scheduling.plan import FoundBundle, FoundSession
from session_scheduling.remembered_answer import OutcomeUnknown, RememberedSession
from session_scheduling.repeats import StandingRecords, replay
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


class ReconcilingOrg(SalesforceOrg, EarlierAttempts, StandingRecords, Protocol):
    pass


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


@dataclass
class SessionScheduler:
    """What the retry guard runs for a request: a first attempt, or the repeat of one whose answer was lost."""

    org: Callable[[], ReconcilingOrg]  # per container, built on first use
    rules: TaskRules
    settle_seconds: float
    report: ScheduleReport = field(default_factory=ScheduleReport)

    def attempt(
        self,
        request: SessionRequest,
        create_attendance_task: bool,
        answered_elsewhere: AnsweredElsewhere,
        attempt_started: datetime | None = None,
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
        except SalesforceOutcomeUnknown:
            self.report.answer_lost = True
            lost = OutcomeUnknown(
                attempt_started=started, integration_user=org.integration_user_id, latest_attempt_started=now
            )
        else:
            self.report.created = True
            return created
        try:
            return self._look(request, create_attendance_task, lost, answered_elsewhere) or lost
        except (SalesforceFailure, EarlierAttemptConflict, AnsweredSessionsUnreadable):  # the look failed: unknown
            return lost

    def resume(
        self,
        request: SessionRequest,
        create_attendance_task: bool,
        lost: OutcomeUnknown,
        answered_elsewhere: AnsweredElsewhere,
    ) -> SessionCreated | OutcomeUnknown:
        """A repeat of a request whose answer was lost: the earlier attempt's records, else a new attempt.

        A look that fails leaves the outcome unknown (a 504 that asks again), never a 500: a 500 says
        nothing exists, and the earlier attempt may have committed.
        """
        try:
            found = self._look(request, create_attendance_task, lost, answered_elsewhere)
        except (SalesforceFailure, AnsweredSessionsUnreadable):
            return lost
        if found is not None:
            return found
        waited = (datetime.now(UTC) - lost.settling_since).total_seconds()
        if waited < self.settle_seconds:
            raise EarlierAttemptSettling(self.settle_seconds - waited)
        return self.attempt(request, create_attendance_task, answered_elsewhere, lost.attempt_started)

    def replay(self, request: SessionRequest, remembered: RememberedSession) -> SessionCreated:
        """A repeat's answer: the first one while its records stand as asked, named as Salesforce names them now.

        Raises repeats.RequestNoLongerStands or repeats.RepeatUnconfirmed.
        """
        return replay(self.org(), request, remembered)

    def _look(
        self,
        request: SessionRequest,
        create_attendance_task: bool,
        lost: OutcomeUnknown,
        answered_elsewhere: AnsweredElsewhere,
    ) -> SessionCreated | None:
        try:
            found = find_earlier_attempt(request, create_attendance_task, self.org(), lost, answered_elsewhere)
        except EarlierAttemptConflict:
            self.report.looks.append("conflict")
            raise
        except (SalesforceFailure, AnsweredSessionsUnreadable):
            self.report.looks.append("failed")
            raise
        self.report.looks.append("nothing" if found is None else "found")
        return found
