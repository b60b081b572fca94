"""What the operator documents name is what the service writes: each log message, each log key, and the
504's keys and causes (docs/operations.md, "Reading the logs"; docs/migration.md's first hour)."""

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from local.environment import LocalEnvironment
from tests.conftest import post_session, session_body
from tests.docs.scenarios import Scenario, finished_line, logged_by_every_scenario, ran

DOCS = Path(__file__).resolve().parents[2] / "docs"
QUOTED_MESSAGE = re.compile(r'`"([^"`]+)"`')
# A key or value named in backticks in "Reading the logs": a snake_case word or a quoted string.
NAMED = re.compile(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)*)`")
NOT_LOG_NAMES = {"client_secret"}  # the header a refused client sent: named to say it is never logged


def reading_the_logs() -> str:
    text = (DOCS / "operations.md").read_text()
    # Up to its first subsection: "Finding a slow call" (the calls on the line) has tests of its own.
    section = re.split(r"\n##+ ", text.split("## Reading the logs", 1)[1], maxsplit=1)[0]
    return " ".join(section.split())  # a quoted message may wrap


def test_every_log_message_the_documents_quote_is_one_the_service_writes(
    org: LocalEnvironment, service_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = {event.get("message") for event in logged_by_every_scenario(org, service_logs, monkeypatch)}
    quoted = set(QUOTED_MESSAGE.findall(reading_the_logs()))
    migration = " ".join((DOCS / "migration.md").read_text().split())
    quoted |= set(re.findall(r"`(request rejected|client refused)`", migration))
    assert quoted, "docs/operations.md quotes no log message"
    assert quoted - messages == set()


def test_every_key_reading_the_logs_names_is_a_key_or_value_the_service_writes(
    org: LocalEnvironment, service_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = logged_by_every_scenario(org, service_logs, monkeypatch)
    keys = {part for event in events for key in event for part in key.split(".")}
    values = {str(value) for event in events for value in event.values()}
    named = set(NAMED.findall(reading_the_logs()))
    assert {"cause", "salesforce_error_code", "retryable"} <= named
    assert named - keys - values - NOT_LOG_NAMES == set()


@pytest.mark.parametrize(
    ("loss", "cause"),
    [
        ({"status": 504, "body": "<html>504</html>"}, "a proxy answered HTTP 504 to the composite"),
        ({"status": 502, "body": "<html>502</html>"}, "a proxy answered HTTP 502 to the composite"),
        ({"drop_connection": True}, "Salesforce did not answer the composite (ConnectionError)"),
        ({"status": 200, "body": {"compositeResponse": "?"}}, "unreadable answer to the composite: "),
    ],
    ids=["proxy-504", "proxy-502", "connection-cut", "unreadable"],
)
def test_a_504s_finished_line_has_the_failure_keys_and_its_specific_cause(
    org: LocalEnvironment,
    service_logs: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
    loss: dict[str, Any],
    cause: str,
) -> None:
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "0")
    org.standin.inject_fault("composite", **loss)

    answer = post_session(session_body(org), request_id="req-504")

    assert answer.status == 504
    scenario = Scenario([line for line in service_logs.getvalue().splitlines() if line.startswith("{")], "req-504", 504)
    finished = finished_line(scenario)
    assert (finished["outcome"], finished["stage"], finished["salesforce_error_code"], finished["retryable"]) == (
        504,
        "session",
        "OUTCOME_UNKNOWN",
        True,
    )
    assert finished["cause"].startswith(cause)
    assert messages_of(scenario).count("Salesforce answer lost") == 1


def test_a_repeat_whose_look_failed_is_told_apart_from_a_lost_answer(
    org: LocalEnvironment, service_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = ran("look-failed", org, service_logs, monkeypatch)

    finished = finished_line(scenario)
    assert (scenario.status, finished["salesforce_error_code"]) == (504, "OUTCOME_UNKNOWN")
    assert "Salesforce answer lost" not in messages_of(scenario)
    assert "earlier attempt's outcome still unknown" in messages_of(scenario)
    assert finished["cause"].endswith("(HTTP_503)")  # the look's own failure


def messages_of(scenario: Scenario) -> list[str]:
    return [json.loads(line).get("message") for line in scenario.lines]
