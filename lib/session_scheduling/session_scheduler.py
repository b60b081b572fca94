"""What the retry guard runs for a request: a first attempt, a repeat of one whose answer was lost, or a replay."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from session_scheduling.errors import SalesforceFailure, SalesforceOutcomeUnknown
from session_scheduling.lost_answers import (
    AnsweredElsewhere,
    AnsweredSessionsUnreadable,
    EarlierAttemptConflict,
    EarlierAttempts,
    EarlierAttemptSettling,
    find_earlier_attempt,
)
from session_scheduling.remembered_answer import OutcomeUnknown, RememberedSession
from session_scheduling.repeats import StandingRecords, replay
from session_scheduling.request import SessionRequest
from session_scheduling.response import SessionCreated
from session_scheduling.scheduler import SalesforceOrg, TaskRules, schedule_session


class ReconcilingOrg(SalesforceOrg, EarlierAttempts, StandingRecords, Protocol):
    pass


@dataclass
class ScheduleReport:
    """What one request did, for its log line and metrics."""

    created: bool = False  # this request's create was answered: it made the records
    answer_lost: bool = False  # this request's create was sent and its answer lost
    looks: list[str] = field(default_factory=list)  # reconciling looks: found, nothing, conflict, failed
    lost_cause: str | None = None  # what lost this request's answer (a proxy's 502/504, a timeout, a cut, ...)
    look_error: str | None = None  # why a look failed: Salesforce's error code, or the retry memory's

    def unknown_outcome(self) -> SalesforceOutcomeUnknown:
        """Why this request's outcome is unknown, for its 504's log lines."""
        if self.answer_lost:
            return SalesforceOutcomeUnknown(self.lost_cause or "the create's answer was lost")
        return SalesforceOutcomeUnknown(
            f"an earlier attempt's answer was lost and the look for its records failed ({self.look_error})",
            lost_here=False,
        )


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
        except SalesforceFailure as failure:
            self.report.looks.append("failed")
            self.report.look_error = failure.primary_code
            raise
        except AnsweredSessionsUnreadable:
            self.report.looks.append("failed")
            self.report.look_error = "RETRY_MEMORY_UNAVAILABLE"
            raise
        self.report.looks.append("nothing" if found is None else "found")
        return found
