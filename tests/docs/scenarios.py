"""The failure kinds docs/operations.md is for, each run through the handler, with what it logged.

Each scenario sends real requests through the handler (the stand-in over HTTPS, moto) and returns
the JSON lines the service printed and the request the operator is looking for (its correlation id,
which is the `requestId` of its error body). One line is not the service's output: a container killed
mid-request (`dead-container`, a real SIGKILL of a container process) writes nothing, and Lambda's
own REPORT line for it is written as AWS documents it (DEAD_CONTAINER_REPORT).
"""

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from local.api_gateway_events import rest_event
from local.chaos.dynamodb_proxy import DynamoDBProxy
from local.containers import ContainerProcess
from local.environment import APP_CLIENT_ID, APP_CLIENT_SECRET, LocalEnvironment, aws_endpoint
from local.lambda_runtime import cold_start, invoke
from local.org_standin.ids import INTEGRATION_USER_ID
from tests.conftest import Answer, as_answer, fresh_org, post_session, session_body
from tests.docs.logs_insights import events_from_lines
from tests.integration.dead_containers import send_until

RECONCILING_QUERY = "CreatedDate >="  # only the look for a lost attempt's records filters on it

# Lambda's platform REPORT line for an invocation that hit its timeout, in the text log format the
# function uses (no LogFormat in template.yaml): "Status: timeout" is how Lambda marks it ("Lambda
# function logs", AWS Lambda Developer Guide; the `status` of platform.report is "timeout"/"error").
DEAD_CONTAINER_REPORT = (
    "REPORT RequestId: 6f1b2c3d-0000-4000-8000-000000000001\tDuration: 28000.00 ms\tBilled Duration: 28000 ms\t"
    "Memory Size: 1769 MB\tMax Memory Used: 201 MB\tStatus: timeout"
)


@dataclass
class Scenario:
    lines: list[str]  # everything the log group would hold, in order
    request_id: str  # the request the operator is looking for
    status: int  # what that request was answered
    body: Any = None


Run = Callable[[LocalEnvironment, io.StringIO, pytest.MonkeyPatch], Scenario]


def _logged(logs: io.StringIO) -> list[str]:
    return [line for line in logs.getvalue().splitlines() if line.startswith("{")]


def _answered(org: LocalEnvironment, logs: io.StringIO, request_id: str, **request: Any) -> Scenario:
    body = request.pop("body", None) or session_body(org)
    answer = post_session(body, request_id=request_id, **request)
    return Scenario(_logged(logs), request_id, answer.status, answer.body)


def created(org: LocalEnvironment, logs: io.StringIO, _: pytest.MonkeyPatch) -> Scenario:
    return _answered(org, logs, "req-created")


def salesforce_refused(org: LocalEnvironment, logs: io.StringIO, _: pytest.MonkeyPatch) -> Scenario:
    name = next(iter(org.seed.student_names.values()))  # an org's trigger can quote anyone
    org.standin.fail_next_insert(
        "Session__c", "FIELD_CUSTOM_VALIDATION_EXCEPTION", f"{name} has no enrollment", ["Session_Topic__c"]
    )
    return _answered(org, logs, "req-refused")


def lost_answer(org: LocalEnvironment, logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """The create's answer is lost (a proxy's 504) and the look right after finds nothing."""
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "0")
    org.standin.inject_fault("composite", status=504, body="<html>504</html>")
    return _answered(org, logs, "req-lost")


def look_failed(org: LocalEnvironment, logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """A repeat of a lost answer whose look for the records fails: it lost no answer of its own."""
    lost_answer(org, logs, monkeypatch)
    logs.truncate(0)
    logs.seek(0)
    org.standin.inject_fault("query", status=503, body="<html>busy</html>", when=RECONCILING_QUERY)
    return _answered(org, logs, "req-look-failed")


def table_unavailable(org: LocalEnvironment, logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """DynamoDB out of reach (here: no such table; throttling raises the same Powertools error)."""
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "no-such-table")
    return _answered(org, logs, "req-no-table")


def dynamodb_throttled(org: LocalEnvironment, logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """DynamoDB throttles longer than botocore's own retries absorb: DynamoDB's wire answer, through the
    soak's fault proxy in front of moto's server (local/chaos/dynamodb_proxy.py)."""
    with aws_endpoint() as moto_url, DynamoDBProxy(moto_url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        cold_start()  # the container's AWS clients now go through the proxy
        proxy.trouble.throttle(calls=20)
        scenario = _answered(org, logs, "req-throttled")
        assert proxy.trouble.answered["throttled"] > 0, proxy.trouble.answered
    cold_start()
    return scenario


def salesforce_down(org: LocalEnvironment, logs: io.StringIO, _: pytest.MonkeyPatch) -> Scenario:
    """Salesforce answers 503 to everything (an outage or maintenance)."""
    org.standin.inject_fault("any", status=503, body="<html>down</html>", times=10)
    return _answered(org, logs, "req-salesforce-down")


def salesforce_slow(org: LocalEnvironment, logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """Salesforce takes 3.1 s over the create (a trigger or a row lock), inside the 8 s read timeout: a 201."""
    org.standin.inject_fault("composite", delay=3.1)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    return _answered(org, logs, "req-salesforce-slow")


def repeat_unreadable(org: LocalEnvironment, logs: io.StringIO, _: pytest.MonkeyPatch) -> Scenario:
    """A repeat whose one read of its records fails (Salesforce 503): a 503 naming the session that exists."""
    _answered(org, logs, "req-first")
    org.standin.inject_fault("composite", status=503, body="<html>busy</html>")
    return _answered(org, logs, "req-repeat-unreadable")


def keyed_changed(org: LocalEnvironment, logs: io.StringIO, _: pytest.MonkeyPatch) -> Scenario:
    """A keyed repeat after the coach moved the session: a 409 saying what changed."""
    from tests.coach_edits import OriginalIntegration

    key = {"Idempotency-Key": "docs-moved"}
    first = _answered(org, logs, "req-first", headers=key)
    OriginalIntegration(org.standin).edit_session(first.body["SessionId"], Session_Date__c="2025-05-23")
    return _answered(org, logs, "req-keyed-changed", headers=key)


def unexpected(org: LocalEnvironment, logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    from session_scheduling.session_scheduler import SessionScheduler

    def bug(*_: object, **__: object) -> None:
        raise KeyError("a bug of the service's own")

    monkeypatch.setattr(SessionScheduler, "attempt", bug)
    return _answered(org, logs, "req-bug")


def conflict(org: LocalEnvironment, logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """A lost answer committed, and a second session with the same values exists: a person decides."""
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "0")
    body = session_body(org, CoachId=...)
    org.standin.inject_fault("composite", after_commit=True, status=504, body="<html>504</html>")
    org.standin.inject_fault("query", status=503, body="<html>busy</html>", when=RECONCILING_QUERY)
    assert post_session(body).status == 504
    [session] = org.standin.records("Session__c")
    org.standin.org.insert(
        "Session__c", {k: v for k, v in session.items() if k.endswith("__c")}, created_by=INTEGRATION_USER_ID
    )
    logs.truncate(0)
    logs.seek(0)
    return _answered(org, logs, "req-conflict", body=body)


def rejected(org: LocalEnvironment, logs: io.StringIO, _: pytest.MonkeyPatch) -> Scenario:
    return _answered(org, logs, "req-invalid", body={**session_body(org), "SessionDate": "tomorrow"})


def client_refused(org: LocalEnvironment, logs: io.StringIO, _: pytest.MonkeyPatch) -> Scenario:
    return _answered(org, logs, "req-refused-client", headers={"client_secret": "not-the-secret"})


def clients_unavailable(org: LocalEnvironment, logs: io.StringIO, _: pytest.MonkeyPatch) -> Scenario:
    """A malformed allowed-clients secret (three secrets for one app): every request is a 500 until fixed."""
    org.store_allowed_clients({APP_CLIENT_ID: ["one", "two", APP_CLIENT_SECRET]})
    return _answered(org, logs, "req-no-clients")


def dead_container(org: LocalEnvironment, logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """A container killed (SIGKILL) after Salesforce committed: nothing of its own in the logs, Lambda's
    REPORT line, API Gateway's 502; then the app's retry, which finds the dead attempt's records."""
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "1")
    event = rest_event(session_body(org), request_id="req-killed")
    org.standin.inject_fault("composite", after_commit=True, delay=15, status=504, body="<html>504</html>")
    with aws_endpoint() as moto_url:
        dead = ContainerProcess(moto_url, timeout_seconds=DEAD_CONTAINER_TIMEOUT)
        try:
            send_until(dead, event, lambda: org.standin.record_count()["Session__c"] == 1)  # committed, answer held
            dead.kill()
        finally:
            dead.stop()
    retry = _repeat_until_answered(rest_event(session_body(org), request_id="req-after-kill"))
    assert retry.status == 201, retry.body
    return Scenario([DEAD_CONTAINER_REPORT, *_logged(logs)], "req-after-kill", 201, retry.body)


DEAD_CONTAINER_TIMEOUT = 8.0  # the dead attempt's in-progress record lasts this long; time for a cold start


def _repeat_until_answered(event: dict[str, Any], seconds: float = 300.0) -> Answer:
    """The app's retry loop: a 409 says the dead attempt's time is not over yet, or its records may still settle;
    a 503 or 504, to come back. The seconds are a cap for a retry never answered, not a speed expected."""
    deadline = time.monotonic() + seconds
    while True:
        answer = as_answer(invoke(event))
        if answer.status not in (409, 503, 504) or time.monotonic() > deadline:
            return answer
        time.sleep(min(float(answer.headers.get("Retry-After", 0.5)), 1.0))


SCENARIOS: dict[str, Run] = {
    "created": created,
    "salesforce-refused": salesforce_refused,
    "lost-answer": lost_answer,
    "look-failed": look_failed,
    "table-unavailable": table_unavailable,
    "dynamodb-throttled": dynamodb_throttled,
    "salesforce-down": salesforce_down,
    "salesforce-slow": salesforce_slow,
    "repeat-unreadable": repeat_unreadable,
    "keyed-changed": keyed_changed,
    "unexpected": unexpected,
    "conflict": conflict,
    "rejected": rejected,
    "client-refused": client_refused,
    "clients-unavailable": clients_unavailable,
    "dead-container": dead_container,
}


# The failure kinds whose lines hold every key and message the service writes (the dead container's
# retry logs what a lost answer's repeat logs, and costs a container process and its timeout).
LOGGING_KINDS = [name for name in SCENARIOS if name != "dead-container"]


def finished_line(scenario: Scenario) -> dict[str, Any]:
    [line] = [
        parsed
        for parsed in map(json.loads, scenario.lines)
        if parsed.get("message") == "request finished" and parsed.get("correlation_id") == scenario.request_id
    ]
    return line


# What each failure kind answered and logged, run once per test process: the tests only read it, and a
# run costs up to a container process and its timeout (dead-container), so the queries, messages and keys
# of the documents are all checked against the same run.
_RAN: dict[str, Scenario] = {}


def ran(name: str, org: LocalEnvironment, service_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    if name not in _RAN:
        fresh_org(org)
        service_logs.truncate(0)
        service_logs.seek(0)
        with monkeypatch.context() as patch:
            patch.setenv("TASK_OWNER_USER_ID", org.seed.owner_user_id)
            _RAN[name] = SCENARIOS[name](org, service_logs, patch)
        fresh_org(org)
    return _RAN[name]


def logged_by_every_scenario(
    org: LocalEnvironment, service_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    return [
        event for name in LOGGING_KINDS for event in events_from_lines(ran(name, org, service_logs, monkeypatch).lines)
    ]
