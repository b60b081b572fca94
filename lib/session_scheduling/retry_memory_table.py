"""The retry memory's DynamoDB table: Powertools' DynamoDB persistence layer, changed in how an attempt begins.

Powertools lets a request run afresh once its in-progress record has outlived the invocation that
wrote it: the attempt died (a Lambda timeout, an out-of-memory kill, a runtime crash; no ``except`` or
``finally`` ran). For a function without side effects that is right. Ours may have committed a whole
bundle in Salesforce just before it died, and running afresh would create a second one.

So here every in-progress record carries, from its first write, the marker a lost answer leaves
(remembered_answer.OutcomeUnknown: when the attempt started) and the lost answer's 24-hour lifetime. A
record whose attempt died is handed to Powertools as a finished request whose outcome is unknown:
the retry guard then claims it and looks in Salesforce for what the dead attempt committed before it
creates anything, exactly as after a lost answer. A record that finishes normally is overwritten by
Powertools' own save_success (answer and expiry) or deleted on failure, as before; the happy path
costs the same PutItem and UpdateItem.

A finished request's record also names the session it was answered with (``answered_session``, an ID
only), set by the same UpdateItem that saves the answer. The table's index on it tells a look after a
lost answer which look-alike sessions other requests were already given (lost_answers.py), so a look
never adopts another request's records.

``_put_record`` and ``_update_record`` are the persistence layer's documented extension points (bring
your own persistence layer). They keep Powertools' own rules otherwise: payload validation (the 422)
and the answer for a request still in progress (the 409).
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord

from session_scheduling.lost_answer_memory import AWS_FAILURES, LOST_ANSWER_RETENTION_SECONDS, MARKER, record_data
from session_scheduling.lost_answers import AnsweredElsewhere, AnsweredSessionsUnreadable
from session_scheduling.remembered_answer import OutcomeUnknown

ANSWERED_SESSION = "answered_session"
ANSWERED_SESSION_INDEX = "answered-session"  # the template's index (KEYS_ONLY) on answered_session

# An in-progress record from before this table kept the marker: its attempt began at most one maximal
# Lambda timeout before its in-progress expiry.
_LONGEST_INVOCATION = timedelta(minutes=15)


class RetryMemoryTable(DynamoDBPersistenceLayer):
    def _put_record(self, data_record: DataRecord) -> None:
        """Start an attempt: a new record, or one whose expiry passed; never over an attempt that died."""
        now = datetime.now(UTC)
        item: dict[str, Any] = {
            **self._get_key(data_record.idempotency_key),
            self.status_attr: {"S": data_record.status},
            self.expiry_attr: {"N": str(int(now.timestamp()) + LOST_ANSWER_RETENTION_SECONDS)},
            self.data_attr: {"S": record_data(OutcomeUnknown(attempt_started=now, integration_user=None))},
        }
        if data_record.in_progress_expiry_timestamp is not None:
            item[self.in_progress_expiry_attr] = {"N": str(data_record.in_progress_expiry_timestamp)}
        if self.payload_validation_enabled and data_record.payload_hash:
            item[self.validation_key_attr] = {"S": data_record.payload_hash}
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#id) OR #expiry < :now",
                ExpressionAttributeNames={"#id": self.key_attr, "#expiry": self.expiry_attr},
                ExpressionAttributeValues={":now": {"N": str(int(now.timestamp()))}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as taken:
            if "Item" not in taken.response:  # Powertools reads the record then, through _get_record below
                raise IdempotencyItemAlreadyExistsError() from taken
            existing = self._item_to_data_record(taken.response["Item"])
            self._validate_payload(data_payload=data_record, stored_data_record=existing)
            raise IdempotencyItemAlreadyExistsError(old_data_record=_as_lost_if_dead(existing, now)) from taken

    def _get_record(self, idempotency_key: str) -> DataRecord:
        return _as_lost_if_dead(super()._get_record(idempotency_key), datetime.now(UTC))

    def _update_record(self, data_record: DataRecord) -> None:
        """Powertools' save (answer, expiry, status, payload hash), and the session the answer names."""
        values: dict[str, Any] = {
            ":expiry": {"N": str(data_record.expiry_timestamp)},
            ":response_data": {"S": data_record.response_data},
            ":status": {"S": data_record.status},
        }
        names = {"#expiry": self.expiry_attr, "#response_data": self.data_attr, "#status": self.status_attr}
        update = "SET #response_data = :response_data, #expiry = :expiry, #status = :status"
        if self.payload_validation_enabled:
            update += ", #validation_key = :validation_key"
            values[":validation_key"] = {"S": data_record.payload_hash}
            names["#validation_key"] = self.validation_key_attr
        session_id = _session_of(data_record.response_data)
        names["#answered"] = ANSWERED_SESSION
        if session_id is None:
            update += " REMOVE #answered"
        else:
            update += ", #answered = :answered"
            values[":answered"] = {"S": session_id}
        self.client.update_item(
            TableName=self.table_name,
            Key=self._get_key(data_record.idempotency_key),
            UpdateExpression=update,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def answered_elsewhere(self, own: str) -> AnsweredElsewhere:
        """Whether this table gave a session to a request other than the one with this key."""

        def answered_elsewhere(session_id: str) -> bool:
            try:
                return bool(self.answered_with(session_id) - {own})
            except AWS_FAILURES as failure:
                raise AnsweredSessionsUnreadable(repr(failure)[:200]) from None

        return answered_elsewhere

    def answered_with(self, session_id: str) -> set[str]:
        """The keys of the requests this table answered with the session (the index is eventually consistent)."""
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table_name,
            IndexName=ANSWERED_SESSION_INDEX,
            KeyConditionExpression="#answered = :session",
            ExpressionAttributeNames={"#answered": ANSWERED_SESSION},
            ExpressionAttributeValues={":session": {"S": session_id}},
        )
        return {item[self.key_attr]["S"] for page in pages for item in page.get("Items", [])}


def _session_of(response_data: str | None) -> str | None:
    try:
        answer = json.loads(response_data or "null")
    except ValueError:
        return None
    session_id = answer.get("SessionId") if isinstance(answer, dict) else None
    return session_id if isinstance(session_id, str) else None


def _as_lost_if_dead(record: DataRecord, now: datetime) -> DataRecord:
    """An in-progress record past its in-progress expiry, seen as the lost answer it is."""
    until = record.in_progress_expiry_timestamp
    if record.status != STATUS_CONSTANTS["INPROGRESS"] or until is None or until >= now.timestamp() * 1000:
        return record
    data = record.response_data
    if not data or MARKER not in data:
        started = datetime.fromtimestamp(until / 1000, UTC) - _LONGEST_INVOCATION
        data = record_data(OutcomeUnknown(attempt_started=started, integration_user=None))
    return DataRecord(
        idempotency_key=record.idempotency_key,
        status=STATUS_CONSTANTS["COMPLETED"],
        expiry_timestamp=record.expiry_timestamp,
        response_data=data,
        payload_hash=record.payload_hash,
    )
