"""SalesforceGateway: the one place that talks to Salesforce, over a kept-alive HTTPS session.

Per container it keeps the access token and one requests.Session, so a warm request pays for
exactly its own calls: the enrollment query (with a task) and one composite request.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import requests

from session_scheduling.errors import SalesforceError, SalesforceFailure, Stage
from session_scheduling.outside_calls import OK, CallRecord, outcome_of
from session_scheduling.plan import (
    CreatedBundle,
    FoundBundle,
    FoundSession,
    SessionPlan,
    StandingBundle,
    Student,
)
from session_scheduling.salesforce.answers import expired_twice, lost, query_results, refused
from session_scheduling.salesforce.composite import bundle_request, read_bundle_response
from session_scheduling.salesforce.credentials import ClientCredentialsSecret, JwtBearerSecret
from session_scheduling.salesforce.oauth import request_access_token
from session_scheduling.salesforce.records import (
    attendance_of_session_query,
    enrollment_query,
    found_attendance,
    found_session,
    found_task,
    session_query,
    sessions_created_query,
    standing_session,
    students_from_query,
    task_query,
    tasks_of_session_query,
)

if TYPE_CHECKING:
    from simple_salesforce.api import Salesforce

Secret = ClientCredentialsSecret | JwtBearerSecret
Result = TypeVar("Result")
# Each call's timeouts shrink to fit the invocation's time left, less this margin for answering.
ANSWER_MARGIN_SECONDS = 1.0
# Less time than this left: the call is not started (it could not finish), and nothing was sent.
MIN_CALL_SECONDS = 1.5
Timeouts = tuple[float, float]


class SalesforceGateway:
    def __init__(
        self,
        read_secret: Callable[[], Secret],
        timeouts: Timeouts,
        on_call: Callable[[CallRecord], None] | None = None,
        seconds_left: Callable[[], float] | None = None,
    ) -> None:
        """seconds_left: the invocation's remaining time, so that no call outlasts the Lambda timeout."""
        self._read_secret = read_secret
        self._timeouts = timeouts
        self._on_call = on_call or (lambda _record: None)
        self._seconds_left = seconds_left or (lambda: float("inf"))
        self._http = requests.Session()
        self._token_secret: Secret | None = None
        self._client: Salesforce | None = None
        self._user_id: str | None = None

    @property
    def integration_user_id(self) -> str | None:
        """The user the access token acts as (known once a token was issued): who creates the records."""
        return self._user_id

    def find_enrolled_students(self, team_season_id: str, on: date) -> tuple[Student, ...]:
        soql = enrollment_query(team_season_id, on)
        answer = self._call("attendance", "query", lambda sf, timeout: sf.query_all(soql, timeout=timeout))
        return students_from_query(answer.get("records", []))

    def create_session_bundle(self, plan: SessionPlan) -> CreatedBundle:
        secret = self._read_secret()
        body = bundle_request(plan, secret.api_version)
        answer = self._call(
            "session",
            "composite",
            lambda sf, timeout: sf.restful("composite", method="POST", json=body, timeout=timeout),
        )
        return read_bundle_response(plan, answer)

    def sessions_created_since(
        self, team_season_id: str, on: date, created_by: str | None, since: datetime
    ) -> tuple[FoundSession, ...]:
        """created_by None: the user this gateway's token acts as (the same secret, the same integration user)."""

        def query(sf: "Salesforce", timeout: Timeouts) -> Any:
            soql = sessions_created_query(team_season_id, on, created_by or self._user_id, since)
            return sf.query_all(soql, timeout=timeout)

        answer = self._call("session", "reconciling query", query)
        return tuple(found_session(record) for record in answer.get("records", []))

    def bundle_of(self, session_id: str) -> FoundBundle:
        """The session's tasks and attendance rows, both read in one composite call."""
        reads = {"tasks": tasks_of_session_query(session_id), "rows": attendance_of_session_query(session_id)}
        records = self._reads("reconciling read", reads)
        return FoundBundle(
            tasks=tuple(found_task(task) for task in records["tasks"]),
            attendances=tuple(found_attendance(row) for row in records["rows"]),
        )

    def bundle_as_it_stands(self, session_id: str, task_id: str | None, with_rows: bool) -> StandingBundle:
        """A remembered answer's records as they stand now, and its students' names: one call."""
        reads = {"session": session_query(session_id)}
        if task_id is not None:
            reads["task"] = task_query(task_id)
        if with_rows:
            reads["rows"] = attendance_of_session_query(session_id)
        records = self._reads("repeat's read", reads)
        sessions, tasks = records["session"], records.get("task", [])
        return StandingBundle(
            session=standing_session(sessions[0]) if sessions else None,
            task=found_task(tasks[0]) if tasks else None,
            attendances=tuple(found_attendance(row) for row in records.get("rows", [])),
        )

    def _reads(self, name: str, reads: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        """Queries by name, in one round trip: one query alone, several in a composite request."""
        if len(reads) == 1:
            [(reference, soql)] = reads.items()
            answer = self._call("session", name, lambda sf, timeout: sf.query_all(soql, timeout=timeout))
            return {reference: list(answer.get("records") or [])}
        base = f"/services/data/v{self._read_secret().api_version}/query/?q="
        body = {
            "allOrNone": False,
            "compositeRequest": [
                {"method": "GET", "url": base + quote(soql), "referenceId": reference}
                for reference, soql in reads.items()
            ],
        }
        composite = self._call(
            "session", name, lambda sf, timeout: sf.restful("composite", method="POST", json=body, timeout=timeout)
        )
        return query_results(composite, set(reads))

    def _call(self, stage: Stage, name: str, operation: Callable[["Salesforce", Timeouts], Result]) -> Result:
        """Run one REST call; on an expired session fetch a new token once and repeat it."""
        from simple_salesforce.exceptions import SalesforceError as ClientError  # noqa: PLC0415
        from simple_salesforce.exceptions import SalesforceExpiredSession  # noqa: PLC0415

        for attempt in (1, 2):
            client = self._salesforce()
            timeouts = self._timeouts_within_budget(stage, name)
            try:
                with self._round_trip(name):
                    return operation(client, timeouts)
            except SalesforceExpiredSession:
                self._forget_token()
                if attempt == 2:
                    raise expired_twice() from None
            except ClientError as answer:
                raise refused(stage, name, answer.status, answer.content) from None
            except requests.RequestException as failure:
                raise lost(stage, name, failure) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _salesforce(self) -> "Salesforce":
        secret = self._read_secret()
        if self._client is None or secret != self._token_secret:
            from simple_salesforce.api import Salesforce  # noqa: PLC0415 - heavy import, first request only

            self._forget_token()
            timeouts = self._timeouts_within_budget("auth", "token")
            with self._round_trip("token"):
                token = request_access_token(self._http, secret, timeouts)
            self._token_secret = secret
            self._user_id = token.user_id
            self._client = Salesforce(
                instance_url=token.instance_url, session_id=token.value, version=secret.api_version, session=self._http
            )
        return self._client

    def _timeouts_within_budget(self, stage: Stage, name: str) -> Timeouts:
        """The configured timeouts, shortened so that the answer leaves before the Lambda is stopped.

        A Lambda stopped mid-call answers API Gateway's bare 502 and leaves the retry record in
        progress; a call not started is a retryable failure that certainly created nothing.
        """
        connect, read = self._timeouts
        budget = self._seconds_left() - ANSWER_MARGIN_SECONDS
        if budget < MIN_CALL_SECONDS:
            raise SalesforceFailure(
                stage, (SalesforceError("TIMEOUT", f"no time left to call Salesforce for the {name}"),), retryable=True
            )
        connect = min(connect, budget / 3)
        return connect, min(read, budget - connect)

    @contextmanager
    def _round_trip(self, name: str) -> Iterator[None]:
        """Times one round trip for on_call: its kind, duration and outcome (no URL, no body)."""
        started = time.perf_counter()
        outcome = OK
        try:
            yield
        except BaseException as failure:
            outcome = outcome_of(failure)
            raise
        finally:
            self._on_call(CallRecord("salesforce", name, time.perf_counter() - started, outcome))

    def _forget_token(self) -> None:
        self._client = None
        self._token_secret = None
