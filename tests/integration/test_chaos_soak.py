"""A short chaos soak (local/chaos, `make soak`): exactly once while containers die and faults combine.

It runs as `make soak` does, in a process of its own (its containers, moto, the DynamoDB proxy and the
stand-in), with a fixed seed, and reads its one summary line.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from local.chaos.faults import FAULT_KINDS, KILL_POINTS

ROOT = Path(__file__).resolve().parents[2]
SHORT_SOAK = {"SOAK_SECONDS": "35", "SOAK_SEED": "20261204", "SOAK_CONTAINERS": "4", "SOAK_GIVE_UP_SECONDS": "45"}


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
        timeout=300,
    )

    summary = summary_of(run.stdout)
    problems = (tmp_path / "problems.txt").read_text()
    assert (summary["duplicates"], summary["orphans"], summary["mismatches"]) == (0, 0, 0), problems
    assert run.returncode == 0, run.stderr[-3000:]
    assert summary["result"] == "pass"
    assert summary["harness_errors"] == 0
    assert summary["answered_2xx"] > 20
    assert {kind for kind in FAULT_KINDS if summary["faults"].get(kind, 0) == 0} == set()
    assert {point for point in KILL_POINTS if summary["kills"].get(point, 0) == 0} == set()
    dynamodb_calls = {name for name, count in summary["faults"].items() if name.startswith("dynamodb_calls_") and count}
    assert "dynamodb_calls_throttled" in dynamodb_calls
    assert dynamodb_calls & {"dynamodb_calls_outage_500", "dynamodb_calls_outage_503", "dynamodb_calls_outage_cut"}
