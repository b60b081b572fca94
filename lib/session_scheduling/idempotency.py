"""Retries are safe: a repeated request gets the first answer instead of a second session.

Two guards, both Powertools idempotency over one DynamoDB table, as the contract says:
- with an ``Idempotency-Key`` header, the key is the request's identity: remembered for 24 hours,
  and it must come back with the same body (else IdempotencyValidationError, a 422). A new key is a
  new request, even with an identical body;
- without the header, an identical body and query within a short window is the same request (double
  taps and network retries of the existing app, which sends no key).
Only successes are remembered: a failure raises, and Powertools then forgets the attempt.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from session_scheduling.request import SessionRequest
from session_scheduling.response import SessionCreated

KEYED_RETENTION_SECONDS = 24 * 60 * 60
Schedule = Callable[[SessionRequest, bool], SessionCreated]


class ScheduleCall(BaseModel):
    """What makes two requests the same request."""

    idempotency_key: str | None
    request: SessionRequest
    create_attendance_task: bool


class RetryGuard:
    """Without a table (local experiments only; the template always sets one) every call runs."""

    def __init__(self, table_name: str | None, window_seconds: int) -> None:
        self._keyed_config = IdempotencyConfig(
            event_key_jmespath="idempotency_key",
            payload_validation_jmespath="request",  # the body; the contract's 422 is for a different body
            expires_after_seconds=KEYED_RETENTION_SECONDS,
        )
        self._window_config = IdempotencyConfig(
            event_key_jmespath="[request, create_attendance_task]",
            expires_after_seconds=max(window_seconds, 1),
        )
        self._window_enabled = window_seconds > 0
        self._stores: tuple[DynamoDBPersistenceLayer, DynamoDBPersistenceLayer] | None = None
        if table_name is not None:
            # One persistence layer per config (Powertools configures a layer once, with its first
            # config), sharing one DynamoDB client: each client costs tens of ms on a cold start.
            import boto3  # noqa: PLC0415 - only when retry safety is on

            client = boto3.client("dynamodb")
            keyed_store = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
            window_store = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
            # Configured now, not by the first call: Powertools marks a layer configured before it
            # sets payload validation, so two threads' first calls could store a key without its
            # payload hash and answer each other 422.
            keyed_store.configure(self._keyed_config)
            window_store.configure(self._window_config)
            self._stores = (keyed_store, window_store)

    def run(self, call: ScheduleCall, schedule: Schedule, context: LambdaContext | None) -> SessionCreated:
        """Schedule once per request; a repeat returns the remembered SessionCreated without scheduling."""

        def schedule_call(attempt: ScheduleCall) -> SessionCreated:
            return schedule(attempt.request, attempt.create_attendance_task)

        if self._stores is None:
            return schedule_call(call)
        keyed_store, window_store = self._stores
        if context is not None:
            self._keyed_config.register_lambda_context(context)
            self._window_config.register_lambda_context(context)
        if call.idempotency_key is not None:
            return _remembered(self._keyed_config, keyed_store, schedule_call)(call)
        if self._window_enabled:
            return _remembered(self._window_config, window_store, schedule_call)(call)
        return schedule_call(call)


def _remembered(
    config: IdempotencyConfig, store: DynamoDBPersistenceLayer, function: Callable[[ScheduleCall], SessionCreated]
) -> Callable[[ScheduleCall], SessionCreated]:
    """function, answered from the store when the config says the call was seen before."""

    @idempotent_function(  # type: ignore[untyped-decorator] # Powertools' decorator factory is untyped
        data_keyword_argument="call",
        config=config,
        persistence_store=store,
        output_serializer=PydanticSerializer(SessionCreated),
    )
    def schedule_session_once(call: ScheduleCall) -> SessionCreated:
        return function(call)

    def remembered(call: ScheduleCall) -> SessionCreated:
        result: Any = schedule_session_once(call=call)
        return SessionCreated.model_validate(result)

    return remembered
