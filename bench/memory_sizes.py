"""The cold request at the memory sizes worth choosing from, measured as Lambda runs it, with its cost.

Each container is a fresh interpreter on the built artifact under the CPU share Lambda gives that
memory size (bench/cpu_quota.py); Salesforce and AWS answer from outside it. "Primed" runs the
SnapStart before-snapshot hooks first, which is what a container restored from a snapshot has done
(the restore itself cannot be measured here).
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.cold_start import LambdaLike
from bench.cpu_quota import ONE_VCPU_MB, cpu_share_of, quota_available

MEMORY_SIZES = (512, 1024, ONE_VCPU_MB)
# AWS Lambda pricing, arm64, us-east-1 (first 7.5 billion GB-seconds a month), as of 2026-11-25.
ARM64_PER_GB_SECOND = 0.0000133334
PER_REQUEST = 0.20 / 1_000_000
CONTAINER = Path(__file__).with_name("lambda_process.py")


def container_life(setup: LambdaLike, mode: str, memory_mb: int | None) -> dict[str, Any]:
    """One container: its start-up, import, priming, first and warm request (under memory_mb's CPU share)."""
    command = [sys.executable, "-S", str(CONTAINER), setup.compiled, setup.runtime, setup.event(), mode]
    env = {**setup.env, "API_CLIENTS_SECRET_ID": "bench/api-clients"}  # AuthMode CLIENT_ID, the default
    if memory_mb is None:
        spawned = time.monotonic()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    else:
        with cpu_share_of(memory_mb) as join:
            spawned = time.monotonic()
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, preexec_fn=join)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    life: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    life["startup"] = life["started_at"] - spawned
    return life


def medians(lives: list[dict[str, Any]], *path: str) -> float:
    def value(life: dict[str, Any]) -> float:
        for key in path:
            life = life[key]
        return float(life)  # type: ignore[arg-type]

    return statistics.median(value(life) for life in lives)


def measure(setup: LambdaLike, runs: int) -> tuple[list[str], dict[int | None, dict[str, float]]]:
    """The report's lines, and the figures by memory size (None: unthrottled, both cores)."""
    why_not = quota_available()
    sizes: list[int | None] = [None] if why_not else [*MEMORY_SIZES, None]
    figures: dict[int | None, dict[str, float]] = {}
    for memory in sizes:
        plain = [container_life(setup, "plain", memory) for _ in range(runs)]
        primed = [container_life(setup, "primed", memory) for _ in range(runs)]
        figures[memory] = {
            "cold": statistics.median(life["startup"] + life["import"] + life["first"]["wall"] for life in plain),
            "token": medians(plain, "first", "token"),
            "secret_and_aws": medians(plain, "first", "aws"),
            "plain_first_own": medians(plain, "first", "own"),
            "primed_first_wall": medians(primed, "first", "wall"),
            "primed_first_own": medians(primed, "first", "own"),
            "warm_wall": medians(plain + primed, "warm", "wall"),
            "warm_own": medians(plain + primed, "warm", "own"),
            "prime": medians(primed, "prime"),
        }
    lines = [
        f"CPU quotas: {why_not}; unthrottled figures only." if why_not else "CPU quotas: cgroup v1, set per container."
    ]
    lines += [
        "",
        "| memory (CPU share) | cold request: start + import + first request | of it: token / AWS calls (secrets, "
        "DynamoDB) | first request after priming: wall | first request's own time: after import / after priming "
        "| warm request: wall / own | primed own / warm own | 1M requests, all cold / all warm |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for memory, f in figures.items():
        label = f"{memory} MB ({memory / ONE_VCPU_MB:.2f} vCPU)" if memory else "unthrottled (2 cores)"
        gb = (memory or ONE_VCPU_MB) / 1024
        cold_cost = 1_000_000 * (gb * f["cold"] * ARM64_PER_GB_SECOND + PER_REQUEST)
        warm_cost = 1_000_000 * (gb * f["warm_wall"] * ARM64_PER_GB_SECOND + PER_REQUEST)
        lines.append(
            f"| {label} | {f['cold'] * 1000:.0f} ms | {f['token'] * 1000:.0f} / {f['secret_and_aws'] * 1000:.0f} ms "
            f"| {f['primed_first_wall'] * 1000:.0f} ms "
            f"| {f['plain_first_own'] * 1000:.0f} / {f['primed_first_own'] * 1000:.0f} ms "
            f"| {f['warm_wall'] * 1000:.0f} / {f['warm_own'] * 1000:.0f} ms "
            f"| {f['primed_first_own'] / f['warm_own']:.1f}x | ${cold_cost:.2f} / ${warm_cost:.2f} |"
        )
    lines += [
        "",
        f"Prices: arm64 ${ARM64_PER_GB_SECOND:.10f} per GB-second and $0.20 per million requests (AWS Lambda pricing, "
        "us-east-1, 2026-11-25). Salesforce (the stand-in) and AWS (moto) answer on loopback: real network "
        "latency adds to the token, the AWS calls and the Salesforce calls, and the SnapStart restore itself "
        "is not measured here.",
    ]
    return lines, figures
