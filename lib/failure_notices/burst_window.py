"""One message per burst: failures that arrive within a window of the first one are told together.

The window is one DynamoDB item. Each notifier invocation adds its failures to it; the invocation
whose write found no item opened the window: it waits until the window ends, then takes the item
away (DeleteItem returns what it held, atomically) and sends the one message. A write after that
opens the next window. Up to `DETAILED` failures are kept in full; beyond them only the count and
the distinct kinds grow, so a long outage cannot outgrow DynamoDB's 400 KB item.

A window whose opener died (its item outlived the window and the notifier's timeout) is taken over
by the next write: nothing stays untold. The request path never waits on any of this: CloudWatch Logs
invokes the notifier asynchronously, after the request's lines are written.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from failure_notices.failed_request import FailedRequest

DETAILED = 20
WINDOW_KEY = {"window": {"S": "open"}}
KEPT_FOR_SECONDS = 86_400  # the TTL of an item nobody took (a notifier that died twice)


@dataclass(frozen=True)
class ToldTogether:
    failures: tuple[FailedRequest, ...]  # the first DETAILED, in arrival order
    count: int  # all of them
    kinds: tuple[str, ...]  # distinct "kind: stage code" of all of them


@dataclass(frozen=True)
class Opened:
    opened_at: float  # the window's start, which taking it away checks


class BurstWindow:
    def __init__(self, dynamodb: Any, table: str, seconds: float, now: Callable[[], float]) -> None:
        self._dynamodb = dynamodb
        self._table = table
        self._seconds = seconds
        self._now = now

    def add(self, failures: list[FailedRequest], stale_after: float) -> Opened | None:
        """Adds the failures to the open window; says so when this call opened it (or took over a dead opener's)."""
        now = self._now()
        values: dict[str, Any] = {
            ":n": {"N": str(len(failures))},
            ":kinds": {"SS": sorted({kind_of(failure) for failure in failures})},
            ":now": {"N": repr(now)},
            ":expires": {"N": str(int(now) + KEPT_FOR_SECONDS)},
        }
        counted = (
            "ADD failure_count :n, kinds :kinds SET opened_at = if_not_exists(opened_at, :now), expires = :expires"
        )
        try:
            old = self._dynamodb.update_item(
                TableName=self._table,
                Key=WINDOW_KEY,
                UpdateExpression=f"{counted}, failures = list_append(if_not_exists(failures, :none), :failures)",
                ConditionExpression="attribute_not_exists(failure_count) OR failure_count < :detailed",
                ExpressionAttributeValues=values
                | {
                    ":none": {"L": []},
                    ":failures": {"L": [{"S": failure.as_item()} for failure in failures[:DETAILED]]},
                    ":detailed": {"N": str(DETAILED)},
                },
                ReturnValues="ALL_OLD",
            ).get("Attributes", {})
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            # The window holds its detailed failures already; or it was taken since, and this opens a new one.
            old = self._dynamodb.update_item(
                TableName=self._table,
                Key=WINDOW_KEY,
                UpdateExpression=f"{counted}, failures = if_not_exists(failures, :failures)",
                ExpressionAttributeValues=values
                | {":failures": {"L": [{"S": failure.as_item()} for failure in failures[:DETAILED]]}},
                ReturnValues="ALL_OLD",
            ).get("Attributes", {})
        if "opened_at" not in old:
            return Opened(opened_at=now)
        opened_at = float(old["opened_at"]["N"])
        return Opened(opened_at=opened_at) if now - opened_at > stale_after else None

    def seconds_left(self, opened: Opened) -> float:
        return max(0.0, opened.opened_at + self._seconds - self._now())

    def take(self, opened: Opened) -> ToldTogether | None:
        """Closes the window this invocation opened; None when another invocation already took it."""
        try:
            item = self._dynamodb.delete_item(
                TableName=self._table,
                Key=WINDOW_KEY,
                ConditionExpression="opened_at = :opened",
                ExpressionAttributeValues={":opened": {"N": repr(opened.opened_at)}},
                ReturnValues="ALL_OLD",
            ).get("Attributes")
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return None
        if not item:
            return None
        return ToldTogether(
            failures=tuple(FailedRequest.from_item(entry["S"]) for entry in item.get("failures", {}).get("L", [])),
            count=int(item["failure_count"]["N"]),
            kinds=tuple(sorted(item.get("kinds", {}).get("SS", []))),
        )


def kind_of(failure: FailedRequest) -> str:
    detail = " ".join(part for part in (failure.stage, failure.salesforce_error_code) if part)
    return f"{failure.kind} (HTTP {failure.outcome}{', ' + detail if detail else ''})"
