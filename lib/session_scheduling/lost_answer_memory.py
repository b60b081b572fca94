"""A lost answer, kept in the retry memory: the idempotency record Powertools already writes for the request.

The record holds remembered_answer.OutcomeUnknown as its "response" (status COMPLETED, kept 24 hours), so a
repeat reads it back through Powertools' own conditional write, at no extra cost for requests that
lost nothing. An attempt that died leaves the same marker (retry_memory_table writes it with every
in-progress record). One repeat at a time may look for the lost attempt's records: it claims the
record (COMPLETED with the marker, or an in-progress one whose invocation is over -> INPROGRESS, a
conditional update that keeps the marker and notes the claim), and settles it with the answer it
found or made, or puts the marker back. A repeat that dies while it holds the claim leaves an
in-progress record with the marker, which the next repeat claims in turn.

Powertools has no public call for "write this response under this request's key with this expiry" or
for a conditional claim, so this module uses its persistence layer's key and record helpers (pinned
with aws-lambda-powertools in pyproject.toml; tests/integration/test_lost_answers.py covers them).
"""

import json
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from session_scheduling.remembered_answer import NamesFreeSerializer, OutcomeUnknown
from session_scheduling.response import SessionCreated

LOST_ANSWER_RETENTION_SECONDS = 24 * 60 * 60  # the Idempotency-Key's lifetime
MARKER = '"outcome": "unknown"'  # as record_data writes OutcomeUnknown
_CLAIM_SECONDS_WITHOUT_CONTEXT = 60
AWS_FAILURES = (ClientError, BotoCoreError)  # DynamoDB refused (throttled, down) or was not reached


def record_data(lost: OutcomeUnknown) -> str:
    """The marker as the record's response data."""
    return json.dumps(lost.model_dump(mode="json"), sort_keys=True)


class LostAnswerMemory:
    def __init__(self, data: dict[str, Any]) -> None:
        """data: the request as Powertools hashes it (ScheduleCall.model_dump(mode="json"))."""
        self._data = data

    def remember(self, store: DynamoDBPersistenceLayer, lost: OutcomeUnknown) -> None:
        """The lost answer under this store's identity of the request, for the key's 24 hours."""
        store._update_record(
            DataRecord(
                idempotency_key=self._key(store),
                status=STATUS_CONSTANTS["COMPLETED"],
                expiry_timestamp=int(time.time()) + LOST_ANSWER_RETENTION_SECONDS,
                response_data=record_data(lost),
                payload_hash=store._get_hashed_payload(self._data),
            )
        )

    def claim(self, store: DynamoDBPersistenceLayer, lost: OutcomeUnknown, context: LambdaContext | None) -> bool:
        """The lost answer becomes this invocation's work in progress; False when another repeat has it.

        The claim counts as an attempt that may create: should this invocation die, the next repeat
        waits for Salesforce to settle from now, not from the first attempt.
        """
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        millis = remaining() if callable(remaining) else _CLAIM_SECONDS_WITHOUT_CONTEXT * 1000
        now_millis = int(time.time() * 1000)
        claimed = lost.model_copy(update={"latest_attempt_started": datetime.now(UTC)})
        client = store.client
        try:
            client.update_item(
                TableName=store.table_name,
                Key=store._get_key(self._key(store)),
                UpdateExpression="SET #status = :in_progress, #until = :until, #response = :claimed",
                # a remembered lost answer, or an attempt (or a claim) whose invocation is over
                ConditionExpression=(
                    "(#status = :completed AND contains(#response, :marker)) OR (#status = :in_progress AND #until < :now)"
                ),
                ExpressionAttributeNames={
                    "#status": store.status_attr,
                    "#until": store.in_progress_expiry_attr,
                    "#response": store.data_attr,
                },
                ExpressionAttributeValues={
                    ":in_progress": {"S": STATUS_CONSTANTS["INPROGRESS"]},
                    ":completed": {"S": STATUS_CONSTANTS["COMPLETED"]},
                    ":until": {"N": str(now_millis + millis)},
                    ":now": {"N": str(now_millis)},
                    ":marker": {"S": MARKER},
                    ":claimed": {"S": record_data(claimed)},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        except AWS_FAILURES as failure:  # throttled or unreachable: nothing was sent to Salesforce
            raise IdempotencyPersistenceLayerError("could not claim the lost answer", failure) from failure
        return True

    def settle(self, store: DynamoDBPersistenceLayer, created: SessionCreated) -> None:
        """The answer the lost attempt should have had, remembered as Powertools remembers a success: without names."""
        store.save_success(self._data, NamesFreeSerializer().to_dict(created))

    def resume(
        self,
        store: DynamoDBPersistenceLayer,
        lost: OutcomeUnknown,
        context: LambdaContext | None,
        look: Callable[[], SessionCreated | OutcomeUnknown],
    ) -> SessionCreated | OutcomeUnknown:
        """One repeat at a time looks for what the lost attempt committed (the others are told it is in progress)."""
        if not self.claim(store, lost, context):
            raise IdempotencyAlreadyInProgressError("a repeat of this request is looking for its records")
        try:
            outcome = look()
        except BaseException:
            with suppress(*AWS_FAILURES):  # unremembered, the claim's marker lets the next repeat claim it later
                self.remember(store, lost)  # the next repeat looks again, at once
            raise
        if isinstance(outcome, SessionCreated):
            with suppress(*AWS_FAILURES):  # unsettled, the claim's marker makes the next repeat find it again
                self.settle(store, outcome)
        return outcome

    def forget(self, store: DynamoDBPersistenceLayer, answered: str) -> bool:
        """Drop this request's remembered answer naming the session, so that the request runs afresh.

        False when the record no longer holds that answer (another repeat replaced it first).
        """
        client = store.client
        try:
            client.delete_item(
                TableName=store.table_name,
                Key=store._get_key(self._key(store)),
                ConditionExpression="#status = :completed AND contains(#response, :session)",
                ExpressionAttributeNames={"#status": store.status_attr, "#response": store.data_attr},
                ExpressionAttributeValues={
                    ":completed": {"S": STATUS_CONSTANTS["COMPLETED"]},
                    ":session": {"S": f'"{answered}"'},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        except AWS_FAILURES as failure:  # nothing was sent to Salesforce
            raise IdempotencyPersistenceLayerError("could not forget a remembered answer", failure) from failure
        return True

    def key_in(self, store: DynamoDBPersistenceLayer) -> str:
        """This request's record key under the store's identity."""
        return self._key(store)

    def _key(self, store: DynamoDBPersistenceLayer) -> str:
        key = store._get_hashed_idempotency_key(self._data)
        if key is None:  # pragma: no cover - the guards only run for requests that have the identity
            raise ValueError("the request has no identity under this guard")
        return key
