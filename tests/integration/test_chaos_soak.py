"""A short chaos soak (local/chaos, `make soak`): exactly once while containers die and faults combine.

It runs as `make soak` does, in a process of its own (its containers, moto, the DynamoDB proxy and the
stand-in), with a fixed seed, and reads its one summary line. It counts, it does not time: it sends
until every fault kind and kill point has taken hold and enough requests were answered (its quotas,
local/chaos/quotas.py), however long a busy machine takes, up to a generous cap.
"""

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.chaos.checker import check_org
from local.chaos.coaches import RequestLog
from local.chaos.faults import FAULT_KINDS, KILL_POINTS, SoakRequest
from local.chaos.quotas import Quotas

ROOT = Path(__file__).resolve().parents[2]
CAP_SECONDS = 900  # only a machine that cannot run the soak at all reaches it: a quiet one needs about 30 s
SHORT_SOAK = {
    "SOAK_MIN_ANSWERED": "20",
    "SOAK_SECONDS": str(CAP_SECONDS),
    "SOAK_SEED": "20261204",
    "SOAK_CONTAINERS": "4",
    "SOAK_GIVE_UP_SECONDS": "45",
}


def summary_of(stdout: str) -> dict[str, Any]:
    [line] = [line for line in stdout.splitlines() if line.startswith("soak ")]
    return {name: json.loads(value) for name, value in (pair.split("=", 1) for pair in line.split()[1:])}


def test_a_short_soak_finds_no_duplicate_orphan_or_mismatch_after_every_fault_and_kill(tmp_path: Path) -> None:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_ENDPOINT")}
    environment |= SHORT_SOAK | {"SOAK_LOG_DIR": str(tmp_path)}

    run = subprocess.run(
        [sys.executable, "-m", "local.chaos"],
        check=False,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=CAP_SECONDS + 300,  # the cap, then the last requests' give-up time and the check
    )

    summary = summary_of(run.stdout)
    problems = (tmp_path / "problems.txt").read_text()
    assert (summary["duplicates"], summary["orphans"], summary["mismatches"]) == (0, 0, 0), problems
    assert run.returncode == 0, run.stderr[-3000:]
    assert summary["result"] == "pass"
    assert summary["harness_errors"] == 0
    assert (summary["nothing_claimed_but_committed"], summary["unexpected_failures"]) == (0, 0), problems
    assert summary["quotas_unmet"] == [], problems
    assert summary["answered_2xx"] >= 20
    assert {kind for kind in FAULT_KINDS if summary["faults"].get(kind, 0) == 0} == set()
    assert {point for point in KILL_POINTS if summary["kills"].get(point, 0) == 0} == set()
    dynamodb_calls = {name for name, count in summary["faults"].items() if name.startswith("dynamodb_calls_") and count}
    assert "dynamodb_calls_throttled" in dynamodb_calls
    assert dynamodb_calls & {"dynamodb_calls_outage_500", "dynamodb_calls_outage_503", "dynamodb_calls_outage_cut"}


# --- the checker's rules, on a hand-made org --------------------------------------------------
STUDENTS = {"003A", "003B"}


class Org:
    """What the checker reads: standin.records(sobject)."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {"Session__c": [], "SCORES_Task__c": [], "Attendance__c": []}

    def records(self, sobject: str) -> list[dict[str, Any]]:
        return self.tables[sobject]

    def bundle(self, topic: str, number: int, created: str = "2026-12-04T05:00:00.000+0000") -> dict[str, Any]:
        session = f"a0S{number}"
        self.tables["Session__c"].append({"Id": session, "Session_Topic__c": topic, "CreatedDate": created})
        self.tables["SCORES_Task__c"].append({"Id": f"a1T{number}", "Session__c": session})
        rows = [{"Id": f"a2A{number}{s}", "Session__c": session, "Contact__c": s} for s in sorted(STUDENTS)]
        self.tables["Attendance__c"] += rows
        return {
            "SessionId": session,
            "TaskId": f"a1T{number}",
            "Attendances": [{"AttendanceId": r["Id"]} for r in rows],
        }


def request_log(
    topic: str, *answers: tuple[int, Any], windows: list[tuple[float, float, bool]] | None = None
) -> RequestLog:
    request = SoakRequest(1, topic, "2031-01-02", True, True, {}, None, {})
    return RequestLog(request, list(answers), [f"try{n}" for n in range(len(answers))], windows or [])


def test_the_checker_counts_a_second_bundle_as_a_duplicate_not_a_mismatch() -> None:
    org = Org()
    first = org.bundle("t1", 1)
    org.bundle("t1", 2)

    found = check_org([request_log("t1", (502, None), (201, first))], org, STUDENTS)

    assert (found.duplicates, found.mismatches, found.orphans) == (1, 0, 0)


def test_the_checker_counts_an_answer_naming_other_records_and_a_row_without_its_session() -> None:
    org = Org()
    answer = org.bundle("t1", 1)
    org.tables["Attendance__c"].append({"Id": "a2Astray", "Session__c": "a0Sgone", "Contact__c": "003A"})

    found = check_org([request_log("t1", (201, answer | {"TaskId": "a1Tother"}))], org, STUDENTS)

    assert (found.duplicates, found.mismatches, found.orphans) == (0, 1, 1)
    assert found.failed()


def test_the_checker_fails_a_503_for_the_try_that_committed() -> None:
    """A 503 says nothing was created."""
    org = Org()
    created = datetime(2026, 12, 4, 5, 0, 1, tzinfo=UTC)
    answer = org.bundle("t1", 1, created=f"{created:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "+0000")
    at = created.timestamp()
    windows = [(at - 1, at + 1, False), (at + 5, at + 6, False)]

    found = check_org([request_log("t1", (503, None), (201, answer), windows=windows)], org, STUDENTS)

    assert found.nothing_claimed_but_committed == 1
    assert found.failed()


def test_the_checker_fails_the_services_answer_to_a_bug_of_its_own() -> None:
    org = Org()
    answer = org.bundle("t1", 1)
    bug = {"message": "The service failed unexpectedly.", "requestId": "r"}

    found = check_org([request_log("t1", (500, bug), (201, answer))], org, STUDENTS)

    assert found.unexpected_failures == 1
    assert found.failed()


def test_the_quotas_name_what_the_soak_has_not_seen_yet_and_nothing_once_it_has() -> None:
    faults = Counter(dict.fromkeys(FAULT_KINDS, 1)) + Counter(dynamodb_calls_throttled=2, dynamodb_calls_outage_cut=1)
    kills = Counter(dict.fromkeys(KILL_POINTS, 1))
    answered = [request_log("t1", (504, None), (201, {}))]

    assert Quotas(1).unmet(faults, kills, answered) == []
    assert Quotas(2).unmet(faults, kills, answered) == ["answered_2xx (1 of 2)"]
    assert Quotas(1).unmet(faults - Counter(dynamodb_calls_outage_cut=1), kills - Counter(kill_in_flight=1), []) == [
        "kill_in_flight",
        "dynamodb_calls_outage",
        "answered_2xx (0 of 1)",
    ]
