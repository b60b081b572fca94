"""Retries are safe: a repeated request gets the first answer instead of a second session.

Two guards, both Powertools idempotency over one DynamoDB table, as the contract says:
- with an ``Idempotency-Key`` header, the key (the calling client's: ScheduleCall.caller) is the
  request's identity: remembered for 24 hours, and it must come back with the same body (else
  IdempotencyValidationError, a 422). A new key is a new request, even with an identical body;
- without the header, an identical body and query within a short window is the same request (double
  taps and network retries of the existing app, which sends no key), while what it created still
  stands in Salesforce as asked (repeats.py); once deleted or edited, the request is new again.
Failures are not remembered: a failure raises, and Powertools then forgets the attempt. A lost answer,
or an attempt that died without a word (retry_memory_table), is remembered as
remembered_answer.OutcomeUnknown, for the key's 24 hours, under the request's identity, so that a repeat
first looks for what the lost attempt committed. A created request is remembered without names
(remembered_answer.RememberedSession). The memory is the record Powertools already writes and reads,
so a request with nothing lost costs no extra DynamoDB call.
"""

from collections.abc import Callable
from contextlib import suppress
from typing import Any, Protocol

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from session_scheduling.errors import SalesforceOutcomeUnknown
from session_scheduling.lost_answer_memory import AWS_FAILURES, LostAnswerMemory
from session_scheduling.lost_answers import AnsweredElsewhere
from session_scheduling.outside_calls import aws_client
from session_scheduling.remembered_answer import NamesFreeSerializer, OutcomeUnknown, RememberedSession
from session_scheduling.repeats import RequestNoLongerStands
from session_scheduling.request import SessionRequest
from session_scheduling.response import SessionCreated
from session_scheduling.retry_memory_table import RetryMemoryTable

KEYED_RETENTION_SECONDS = 24 * 60 * 60
# Every record's key is "<prefix>#<hash>". Without a prefix of its own, Powertools' decorator reconfigures a
# layer on each call with "<function>.<decorated function>", so the key differed before a container's first
# call (when the lost-answer memory already reads it) from after. One prefix for the layer and the decorator.
KEY_PREFIX = "schedule-session"
Outcome = SessionCreated | OutcomeUnknown
Remembered = Outcome | RememberedSession  # what a call answers: its own outcome, or the memory's


class ScheduleCall(BaseModel):
    """What makes two requests the same request."""

    idempotency_key: str | None
    caller: str | None = None  # the authenticated client: a key is its client's (None: one client, or unknown)
    request: SessionRequest
    create_attendance_task: bool


Attempt = Callable[[ScheduleCall], Outcome]


class Scheduler(Protocol):
    def attempt(
        self, request: SessionRequest, create_attendance_task: bool, answered_elsewhere: AnsweredElsewhere
    ) -> Outcome: ...

    def resume(
        self,
        request: SessionRequest,
        create_attendance_task: bool,
        lost: OutcomeUnknown,
        answered_elsewhere: AnsweredElsewhere,
    ) -> Outcome: ...

    def replay(self, request: SessionRequest, remembered: RememberedSession) -> SessionCreated: ...


class RetryGuard:
    """Without a table (local experiments only; the template always sets one) every call runs."""

    def __init__(self, table_name: str | None, window_seconds: int) -> None:
        self._keyed_config = IdempotencyConfig(
            # A key belongs to its client: two clients' equal keys are two requests. Without a known caller,
            # the key alone, as before client scoping (records written then stay valid).
            event_key_jmespath="caller && [caller, idempotency_key] || idempotency_key",
            payload_validation_jmespath="request",  # the body; the contract's 422 is for a different body
            expires_after_seconds=KEYED_RETENTION_SECONDS,
        )
        self._window_config = IdempotencyConfig(
            event_key_jmespath="[request, create_attendance_task]",
            expires_after_seconds=max(window_seconds, 1),
        )
        self._window_enabled = window_seconds > 0
        self._stores: tuple[RetryMemoryTable, RetryMemoryTable] | None = None
        self.dynamodb_client: Any = None
        if table_name is not None:
            # One persistence layer per config (Powertools configures a layer once, with its first
            # config), sharing one DynamoDB client: each client costs tens of ms on a cold start.
            client = self.dynamodb_client = aws_client("dynamodb")  # its calls are timed
            keyed_store = RetryMemoryTable(table_name=table_name, boto3_client=client)
            window_store = RetryMemoryTable(table_name=table_name, boto3_client=client)
            # Configured now, not by the first call: Powertools marks a layer configured before it
            # sets payload validation, so two threads' first calls could store a key without its
            # payload hash and answer each other 422.
            keyed_store.configure(self._keyed_config, key_prefix=KEY_PREFIX)
            window_store.configure(self._window_config, key_prefix=KEY_PREFIX)
            self._stores = (keyed_store, window_store)

    def run(self, call: ScheduleCall, scheduler: Scheduler, context: LambdaContext | None) -> SessionCreated:
        """The request's outcome: scheduled now, remembered, or (after a lost answer) found or scheduled again.

        Raises SalesforceOutcomeUnknown when the outcome is (still) unknown, RequestNoLongerStands when a
        key's first answer names records deleted or edited since.
        """
        guard = self._guard_for(call)
        if guard is None:
            return _known(scheduler.attempt(call.request, call.create_attendance_task, _nowhere))
        config, store = guard
        if context is not None:
            config.register_lambda_context(context)
        memory = LostAnswerMemory(call.model_dump(mode="json"))
        elsewhere = store.answered_elsewhere(memory.key_in(store))
        for _ in range(2):  # twice only when a remembered answer no longer stands
            attempted, outcome = _through_memory(config, store, call, scheduler, elsewhere)
            if not isinstance(outcome, RememberedSession):
                break
            try:
                return scheduler.replay(call.request, outcome)
            except RequestNoLongerStands:
                if call.idempotency_key is not None:  # a key names one request: docs/reliability.md, case A
                    raise
            # Without a key, the request is new again: one repeat drops the old answer and schedules; the
            # others see that attempt in progress (or, if it already ended, its answer).
            memory.forget(store, outcome.SessionId)
        else:
            raise IdempotencyAlreadyInProgressError("the remembered answer was replaced while this repeat read it")
        if isinstance(outcome, SessionCreated):  # nothing lost: Powertools' own two writes were all
            return outcome
        if not attempted:
            lost = outcome
            outcome = memory.resume(
                store,
                lost,
                context,
                lambda: scheduler.resume(call.request, call.create_attendance_task, lost, elsewhere),
            )
        if isinstance(outcome, OutcomeUnknown):
            with suppress(*AWS_FAILURES):  # unremembered, the in-progress marker still says unknown
                memory.remember(store, outcome)
        return _known(outcome)

    def _guard_for(self, call: ScheduleCall) -> tuple[IdempotencyConfig, RetryMemoryTable] | None:
        """The request's one identity: its key, else its body within the window. The window's record belongs
        to every keyless request with that body, so a keyed request neither reads nor writes it."""
        if self._stores is None:
            return None
        keyed_store, window_store = self._stores
        if call.idempotency_key is not None:
            return self._keyed_config, keyed_store
        return (self._window_config, window_store) if self._window_enabled else None


def _through_memory(
    config: IdempotencyConfig,
    store: RetryMemoryTable,
    call: ScheduleCall,
    scheduler: Scheduler,
    elsewhere: AnsweredElsewhere,
) -> tuple[bool, Remembered]:
    """Whether this invocation attempted the create, and the outcome: its own, or the one remembered."""
    attempted: list[Outcome] = []

    def first_attempt(this: ScheduleCall) -> Outcome:
        attempted.append(scheduler.attempt(this.request, this.create_attendance_task, elsewhere))
        return attempted[0]

    try:
        outcome = _remembered(config, store, first_attempt)(call)
    except IdempotencyPersistenceLayerError:
        if not attempted:  # nothing reached Salesforce, or what did was refused whole: nothing exists
            raise
        # Salesforce answered; only writing the answer down failed. The in-progress record keeps
        # the lost-answer marker, so a repeat after this invocation finds these records.
        return True, attempted[0]
    return bool(attempted), outcome


def _nowhere(_session_id: str) -> bool:
    """Without a retry memory no session was answered to anyone (local experiments only)."""
    return False


def _known(outcome: Outcome) -> SessionCreated:
    if isinstance(outcome, OutcomeUnknown):
        raise SalesforceOutcomeUnknown("the create's answer was lost and its records were not found yet")
    return outcome


def _remembered(
    config: IdempotencyConfig, store: RetryMemoryTable, function: Attempt
) -> Callable[[ScheduleCall], Remembered]:
    """function, answered from the store (without names) when the config says the call was seen before."""

    @idempotent_function(  # type: ignore[untyped-decorator] # Powertools' decorator factory is untyped
        data_keyword_argument="call",
        config=config,
        persistence_store=store,
        output_serializer=NamesFreeSerializer(),
        key_prefix=KEY_PREFIX,
    )
    def schedule_session_once(call: ScheduleCall) -> Outcome:
        return function(call)

    def remembered(call: ScheduleCall) -> Remembered:
        result: Remembered = schedule_session_once(call=call)
        return result

    return remembered
