"""The events/ files and the local run that the README promises, exercised as a newcomer would."""

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from local.environment import LocalEnvironment
from tests.conftest import send

EVENTS = Path(__file__).resolve().parents[2] / "events"
ROOT = EVENTS.parent


def load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


@pytest.mark.parametrize(
    ("name", "status", "created"),
    [
        ("create-session-with-task", 201, {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}),
        ("create-session-with-idempotency-key", 201, {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}),
        ("create-session-without-task", 201, {"Session__c": 1, "SCORES_Task__c": 0, "Attendance__c": 0}),
        ("create-session-without-coach", 201, {"Session__c": 1, "SCORES_Task__c": 0, "Attendance__c": 0}),
        ("create-session-invalid-body", 400, {"Session__c": 0, "SCORES_Task__c": 0, "Attendance__c": 0}),
    ],
)
def test_each_event_file_runs_against_the_seeded_stand_in(
    org: LocalEnvironment, name: str, status: int, created: dict[str, int]
) -> None:
    answer = send(load(name))

    assert answer.status == status
    assert org.standin.record_count() == created


def test_the_invalid_body_event_lists_every_problem(org: LocalEnvironment) -> None:
    answer = send(load("create-session-invalid-body"))

    assert {problem["field"] for problem in answer.body["errors"]} == {
        "TeamSeasonId",
        "SessionDate",
        "SessionStart",
        "CoachId",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_local_api_serves_the_curl_it_prints() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "local.api", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        printed = ""
        deadline = time.monotonic() + 60
        while "curl" not in printed and time.monotonic() < deadline:
            printed += server.stdout.readline() if server.stdout else ""
        curl = re.search(r"curl .*'(http://127\.0\.0\.1:\d+/sessions)'.*-d '(\{.*\})'", printed)
        assert curl, printed
        answer = requests.post(
            curl.group(1), data=curl.group(2), headers={"Content-Type": "application/json"}, timeout=30
        )

        assert answer.status_code == 201
        body = answer.json()
        assert body["TaskId"]
        assert [a["StudentName"] for a in body["Attendances"]] == ["Ana Diaz", "Ben Okafor", "Chloe Nguyen"]
    finally:
        server.terminate()
        server.wait(timeout=10)
