"""The retry memory's table, and the Powertools helpers it leans on (pinned in pyproject.toml).

RetryMemoryTable overrides the documented door (_put_record, _get_record) and calls four of the
persistence layer's underscored helpers that Powertools may change in any release. Each is pinned
here by the behaviour the table relies on, against moto's DynamoDB.
"""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from local.environment import IDEMPOTENCY_TABLE, LocalEnvironment
from local.lambda_runtime import LocalContext
from session_scheduling.idempotency import RetryGuard, ScheduleCall
from session_scheduling.lost_answer_memory import LostAnswerMemory
from session_scheduling.remembered_answer import OutcomeUnknown
from session_scheduling.request import SessionRequest
from session_scheduling.response import SessionCreated
from session_scheduling.retry_memory_table import RetryMemoryTable
from tests.conftest import session_body

REQUEST: dict[str, Any] = {"idempotency_key": "pin-1", "request": {"SessionDate": "2025-05-21"}}


@pytest.fixture
def table(org: LocalEnvironment) -> RetryMemoryTable:
    store = RetryMemoryTable(table_name=IDEMPOTENCY_TABLE, boto3_client=boto3.client("dynamodb"))
    store.configure(IdempotencyConfig(event_key_jmespath="idempotency_key", payload_validation_jmespath="request"))
    return store


def in_progress(table: RetryMemoryTable, key: str, until_millis: int, request: dict[str, Any]) -> DataRecord:
    """As Powertools' save_inprogress builds it for this request."""
    return DataRecord(
        idempotency_key=key,
        status="INPROGRESS",
        expiry_timestamp=int(time.time()) + 600,
        in_progress_expiry_timestamp=until_millis,
        payload_hash=table._get_hashed_payload(request),
    )


def test_powertools_hashes_a_requests_identity_the_same_way_every_time(table: RetryMemoryTable) -> None:
    key = table._get_hashed_idempotency_key(REQUEST)
    assert key == table._get_hashed_idempotency_key(dict(REQUEST))
    assert key != table._get_hashed_idempotency_key({**REQUEST, "idempotency_key": "pin-2"})
    assert table._get_key(key) == {"id": {"S": key}}


def test_an_attempt_that_begins_writes_the_lost_answer_marker_for_24_hours(table: RetryMemoryTable) -> None:
    key = table._get_hashed_idempotency_key(REQUEST)
    before = datetime.now(UTC)
    now_millis = int(time.time() * 1000)

    table._put_record(in_progress(table, key, now_millis + 60_000, REQUEST))
    after = datetime.now(UTC)

    item = boto3.client("dynamodb").get_item(TableName=IDEMPOTENCY_TABLE, Key={"id": {"S": key}})["Item"]
    record = table._item_to_data_record(item)
    assert (record.status, record.in_progress_expiry_timestamp) == ("INPROGRESS", now_millis + 60_000)
    assert record.expiry_timestamp >= int(before.timestamp()) + 24 * 3600
    marker = OutcomeUnknown.model_validate_json(record.response_data or "")
    assert before - timedelta(seconds=1) <= marker.attempt_started <= after  # whatever time the put took


def test_a_live_attempt_is_in_progress_and_a_dead_one_is_a_lost_answer(table: RetryMemoryTable) -> None:
    key = table._get_hashed_idempotency_key(REQUEST)
    table._put_record(in_progress(table, key, int(time.time() * 1000) + 60_000, REQUEST))
    with pytest.raises(IdempotencyItemAlreadyExistsError) as live:
        table._put_record(in_progress(table, key, int(time.time() * 1000) + 60_000, REQUEST))
    assert live.value.old_data_record is not None
    assert live.value.old_data_record.status == "INPROGRESS"

    boto3.client("dynamodb").update_item(  # the invocation that wrote it is over
        TableName=IDEMPOTENCY_TABLE,
        Key={"id": {"S": key}},
        UpdateExpression="SET in_progress_expiration = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time() * 1000) - 1)}},
    )
    with pytest.raises(IdempotencyItemAlreadyExistsError) as dead:
        table._put_record(in_progress(table, key, int(time.time() * 1000) + 60_000, REQUEST))
    assert dead.value.old_data_record is not None
    assert dead.value.old_data_record.status == "COMPLETED"
    assert OutcomeUnknown.model_validate_json(dead.value.old_data_record.response_data or "").outcome == "unknown"
    assert table._get_record(key).status == "COMPLETED"  # read the other way, the same answer


def test_a_different_body_under_the_same_key_is_refused_by_powertools_payload_check(table: RetryMemoryTable) -> None:
    key = table._get_hashed_idempotency_key(REQUEST)
    table._put_record(in_progress(table, key, int(time.time() * 1000) + 60_000, REQUEST))

    with pytest.raises(IdempotencyValidationError):
        table._put_record(
            in_progress(
                table, key, int(time.time() * 1000) + 60_000, {**REQUEST, "request": {"SessionDate": "2025-05-22"}}
            )
        )


class _CreatesOnce:
    """The scheduler's first attempt, as it answers a created bundle (what it creates is not this test's)."""

    def attempt(self, *_: object) -> SessionCreated:
        return SessionCreated(SessionId="a0S5g0000000001EAA", TaskId=None, Attendances=[])


def test_a_cold_container_reads_a_request_under_the_key_its_first_call_writes(org: LocalEnvironment) -> None:
    """A repeat's lost-answer memory reads the record before Powertools' decorator has run in that container."""
    call = ScheduleCall(
        idempotency_key="cold-key",
        request=SessionRequest.model_validate(session_body(org)),
        create_attendance_task=True,
    )
    guard = RetryGuard(IDEMPOTENCY_TABLE, window_seconds=600)._guard_for(call)  # a cold container's
    assert guard is not None
    _, keyed_store = guard
    read_before = LostAnswerMemory(call.model_dump(mode="json")).key_in(keyed_store)

    RetryGuard(IDEMPOTENCY_TABLE, window_seconds=600).run(call, _CreatesOnce(), LocalContext())  # type: ignore[arg-type]  # the scheduler's one method this path calls

    items = boto3.client("dynamodb").scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    assert [item["id"]["S"] for item in items] == [read_before]
