"""A failed request as its `request finished` log line tells it, and the log subscription that carries it."""

import base64
import gzip
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

# The keys a notice may carry, and only these: a log line also holds other keys, and another line
# (`Salesforce step failed`) Salesforce's free text, which can quote a student's name (docs/privacy.md).
NOTICE_KEYS = ("correlation_id", "outcome", "stage", "salesforce_error_code", "retryable", "team_season_id", "coach_id")


@dataclass(frozen=True)
class FailedRequest:
    at: str  # ISO 8601, UTC, from CloudWatch's timestamp of the line
    request_id: str | None
    outcome: int
    stage: str | None = None
    salesforce_error_code: str | None = None
    retryable: bool | None = None
    team_season_id: str | None = None
    coach_id: str | None = None
    records: tuple[str, ...] = ()  # the 409's records a person must look at

    @property
    def kind(self) -> str:
        """What happened, in the words of docs/operations.md's "Failure notices" table."""
        if self.outcome == 409:
            return "records need a person"
        if self.outcome == 504:
            return "Salesforce's answer was lost"
        if self.outcome == 503 and self.stage == "repeat":
            return "a repeat could not read its records"
        if self.outcome == 503:
            return "retry memory unavailable"
        if self.salesforce_error_code:
            return "Salesforce refused or failed"
        return "the service failed"

    def as_item(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_item(cls, item: str) -> "FailedRequest":
        fields = json.loads(item)
        return cls(**{**fields, "records": tuple(fields.get("records", ()))})


def needs_a_notice(line: dict[str, Any]) -> bool:
    """Each answer >= 500, and each 409 that a person must resolve (the service marks it `needs_person`)."""
    if line.get("message") != "request finished" or not isinstance(line.get("outcome"), int):
        return False
    return bool(line["outcome"] >= 500 or (line["outcome"] == 409 and line.get("needs_person") is True))


def failed_request(line: dict[str, Any], timestamp_ms: int) -> FailedRequest:
    kept = {key: line[key] for key in NOTICE_KEYS if isinstance(line.get(key), str | int | bool)}
    records = line.get("records")
    return FailedRequest(
        at=datetime.fromtimestamp(timestamp_ms / 1000, UTC).isoformat(timespec="seconds"),
        request_id=kept.pop("correlation_id", None),
        records=tuple(str(record) for record in records) if isinstance(records, list) else (),
        **kept,
    )


def failed_requests(subscription_event: dict[str, Any]) -> list[FailedRequest]:
    """The failed requests in one delivery of a CloudWatch Logs subscription (base64 of gzipped JSON).

    The subscription filter already selects these lines; the check here keeps the notice to them
    whatever the filter lets through (and skips the CONTROL_MESSAGE CloudWatch sends when it is created).
    """
    delivery = json.loads(gzip.decompress(base64.b64decode(subscription_event["awslogs"]["data"])))
    if delivery.get("messageType") != "DATA_MESSAGE":
        return []
    failures = []
    for log_event in delivery.get("logEvents", []):
        try:
            line = json.loads(log_event["message"])
        except ValueError:
            continue  # the runtime's START/END/REPORT lines and other plain text
        if isinstance(line, dict) and needs_a_notice(line):
            failures.append(failed_request(line, int(log_event["timestamp"])))
    return failures
