"""Speed and size of POST /sessions, side by side in one run (make bench).

    python -m bench.benchmark [--requests 60] [--latency 0.05] [--output docs/performance.md]

Prints, per case: Salesforce calls per request against the floor, warm p50/p99 with a fixed latency
added to every Salesforce call and the ratio to (calls x latency); the handler's own cost with no
added latency and its peak memory; a lost answer's round trips; cold start (fresh interpreter:
import + first request) against a fresh interpreter that only imports boto3, the client check inside
the function against an authorizer's first call; containers under Lambda's CPU share for 512, 1,024
and 1,769 MB (plain, and primed as SnapStart primes them) with the cost of a million requests; the
built artifact's size and largest packages.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"

import handler.app as handler_app
from bench.cold_start import cold_start_figures, lambda_like
from bench.memory_sizes import measure
from local.api_gateway_events import rest_event
from local.environment import LocalEnvironment, local_environment
from local.lambda_runtime import cold_start, invoke

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    ("with task, 1 student", 1),
    ("with task, 20 students", 20),
    ("with task, 200 students", 200),
    ("without task", None),
]


def run_case(env: LocalEnvironment, students: int | None, requests: int) -> dict[str, Any]:
    standin = env.standin
    team = standin.insert("Team_Season__c", {"Name": f"bench {students}"})
    if students:
        standin.seed_students(team, students)
    query = {"createAttendanceTask": "true" if students else "false"}

    def one() -> tuple[float, int, int, float]:
        body = {
            "TeamSeasonId": team,
            "SessionDate": "2025-05-21",
            "SessionStart": "18:00",
            "SessionTopic": f"bench-{uuid.uuid4().hex}",
            "CoachId": env.seed.coach_id,
        }
        standin.reset_calls()
        started = time.perf_counter()
        response = invoke(rest_event(body, query=query))
        elapsed = time.perf_counter() - started
        rows = len(json.loads(response["body"]).get("Attendances", []))
        assert response["statusCode"] == 201, response["body"]
        own = elapsed - sum(call.seconds for call in handler_app.calls if call.service == "salesforce")
        return elapsed, len(standin.calls), rows, own

    one()  # warm: token, connection, imports
    samples = [one() for _ in range(requests)]
    times = sorted(s[0] for s in samples)
    calls = max(s[1] for s in samples)
    return {
        "p50": statistics.median(times),
        "p99": times[max(0, int(len(times) * 0.99) - 1)],
        "calls": calls,
        "rows": samples[-1][2],
        "own": statistics.median(s[3] for s in samples),
    }


def handler_overhead(env: LocalEnvironment, requests: int) -> dict[str, float]:
    env.standin.latency = 0
    tracemalloc.start()
    case = run_case(env, 20, requests)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"p50_us": case["p50"] * 1e6, "own_us": case["own"] * 1e6, "peak_mb": peak / 1e6}


def lost_answer_figures(env: LocalEnvironment) -> list[str]:
    """Salesforce round trips when the create's answer is lost after it committed (retry memory on)."""
    standin = env.standin
    body = {"TeamSeasonId": env.seed.team_season_id, "SessionDate": "2025-05-21", "CoachId": env.seed.coach_id}

    def request(topic: str) -> tuple[int, list[str], float]:
        standin.reset_calls()
        started = time.perf_counter()
        response = invoke(rest_event(dict(body, SessionTopic=topic)))
        return response["statusCode"], [call.kind for call in standin.calls], time.perf_counter() - started

    request("warm-up")  # token and connection
    lines = ["| after the create committed and its answer was lost | answer | Salesforce round trips | wall time |"]
    lines.append("|---|---|---|---|")
    standin.inject_fault("composite", after_commit=True, status=504, body="<html>504</html>")
    status, calls, seconds = request("lost-looked-at-once")
    lines.append(
        f"| the look right after the loss finds the records | {status} | {len(calls)} ({', '.join(calls)}) "
        f"| {seconds * 1000:.0f} ms |"
    )
    standin.inject_fault("composite", after_commit=True, status=504, body="<html>504</html>")
    standin.inject_fault("query", status=503, body="busy", when="CreatedDate >=")
    status, calls, seconds = request("lost-then-repeated")
    lines.append(f"| that look fails too | {status} | {len(calls)} ({', '.join(calls)}) | {seconds * 1000:.0f} ms |")
    status, calls, seconds = request("lost-then-repeated")
    lines.append(
        f"| its repeat finds the records | {status} | {len(calls)} ({', '.join(calls)}) | {seconds * 1000:.0f} ms |"
    )
    status, calls, seconds = request("lost-then-repeated")
    lines.append(f"| a further repeat (remembered) | {status} | {len(calls)} | {seconds * 1000:.0f} ms |")
    return lines


def retry_memory_figures(env: LocalEnvironment, requests: int) -> list[str]:
    """What the retry memory costs a first request and saves a repeat: Salesforce and DynamoDB calls, time."""
    standin = env.standin
    team = standin.insert("Team_Season__c", {"Name": "bench retry memory"})
    standin.seed_students(team, 20)
    dynamodb: list[str] = []
    client = handler_app.retry_guard().dynamodb_client
    client.meta.events.register("before-call", lambda model, **_: dynamodb.append(model.name))

    def measured(name: str, task: bool, keyed: bool, deleted: bool = False) -> str:
        rows = []
        for number in range(requests):
            body = {"TeamSeasonId": team, "SessionDate": "2025-05-21", "SessionTopic": f"{name} {number}"}
            if task:
                body["CoachId"] = env.seed.coach_id
            headers = {"Idempotency-Key": f"bench-{uuid.uuid4().hex}"} if keyed else {}
            event = rest_event(body, headers=headers)
            first = _counted(event, dynamodb)
            if deleted:  # the coach deleted the bundle since (as the original integration's DELETE /sessions does)
                for sobject in ("SCORES_Task__c", "Attendance__c", "Session__c"):
                    for record in standin.records(sobject):
                        standin.org.delete_record(sobject, record["Id"])
            repeat = _counted(event, dynamodb)
            rows.append((first, repeat))
        (calls, aws, _), (repeat_calls, repeat_aws, _) = rows[-1]
        first_p50 = statistics.median(first[2] for first, _ in rows) * 1000
        repeat_p50 = statistics.median(repeat[2] for _, repeat in rows) * 1000
        return (
            f"| {name} | {len(calls)} ({', '.join(calls)}) | {', '.join(aws)} | {first_p50:.1f} ms "
            f"| {len(repeat_calls)} ({', '.join(repeat_calls) or '-'}) | {', '.join(repeat_aws)} | {repeat_p50:.1f} ms |"
        )

    return [
        "| retry memory on, 20 students | first: Salesforce calls | first: DynamoDB calls | first p50 "
        "| repeat: Salesforce calls | repeat: DynamoDB calls | repeat p50 |",
        "|---|---|---|---|---|---|---|",
        measured("keyed, with task", task=True, keyed=True),
        measured("keyless, with task", task=True, keyed=False),
        measured("keyed, without task", task=False, keyed=True),
        measured("keyless, with task, deleted since", task=True, keyed=False, deleted=True),
    ]


def _counted(event: dict[str, Any], dynamodb: list[str]) -> tuple[list[str], list[str], float]:
    """The kinds of the Salesforce calls, the DynamoDB operations and the seconds of one request."""
    dynamodb.clear()
    started = time.perf_counter()
    response = invoke(event)
    seconds = time.perf_counter() - started
    assert response["statusCode"] == 201, response["body"]
    salesforce = [call.name for call in handler_app.calls if call.service == "salesforce"]
    return salesforce, list(dynamodb), seconds


def artifact_figures() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["make", "--silent", "build-SessionsFunction", f"ARTIFACTS_DIR={folder}", f"PYTHON={sys.executable}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        sizes: dict[str, int] = {}
        for path in Path(folder).rglob("*"):
            if path.is_file():
                top = path.relative_to(folder).parts[0].split("-")[0].removesuffix(".dist")
                sizes[top] = sizes.get(top, 0) + path.stat().st_size
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:8]
    return {"total_mb": sum(sizes.values()) / 1e6, "largest": [(name, size / 1e6) for name, size in largest]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--runs", type=int, default=5, help="containers per memory size and mode")
    options = parser.parse_args()

    os.environ["IDEMPOTENCY_TABLE_NAME"] = ""  # Salesforce path only; the retry memory is measured below
    lines = [f"# command: python -m bench.benchmark --requests {options.requests} --latency {options.latency}", ""]
    with local_environment() as env:
        os.environ["IDEMPOTENCY_TABLE_NAME"] = ""
        cold_start()
        env.standin.latency = options.latency
        lines += [
            "| case | Salesforce calls (floor) | warm p50 | warm p99 | calls x latency | overhead ratio"
            " | handler's own time p50 |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, students in CASES:
            case = run_case(env, students, options.requests)
            floor = 2 if students else 1
            ideal = case["calls"] * options.latency
            lines.append(
                f"| {name} | {case['calls']} ({floor}) | {case['p50'] * 1000:.1f} ms | {case['p99'] * 1000:.1f} ms"
                f" | {ideal * 1000:.0f} ms | {case['p50'] / ideal:.2f} | {case['own'] * 1000:.1f} ms |"
            )
        overhead = handler_overhead(env, options.requests)
        from local.environment import IDEMPOTENCY_TABLE

        os.environ["IDEMPOTENCY_TABLE_NAME"] = IDEMPOTENCY_TABLE
        cold_start()
        with_memory = run_case(env, 20, options.requests // 2)
        env.standin.latency = 0
        memory = retry_memory_figures(env, max(5, options.requests // 6))
        lost = lost_answer_figures(env)
    lines += [
        "",
        f"No added latency, 20 students: p50 {overhead['p50_us']:.0f} µs per request end to end (the stand-in's HTTPS "
        f"round trips on loopback included), of which the handler's own work is {overhead['own_us']:.0f} µs; peak "
        f"traced memory {overhead['peak_mb']:.1f} MB.",
        f"With the retry memory (moto's DynamoDB in-process, two item writes per request) and no added latency: "
        f"p50 {with_memory['p50'] * 1000:.1f} ms end to end, handler's own work {with_memory['own'] * 1000:.1f} ms.",
        "",
        *memory,
        "",
        *lost,
        "",
    ]
    with lambda_like() as setup:
        cold = cold_start_figures(setup)
        by_memory, _ = measure(setup, options.runs)
    baseline = next(iter(cold.values()))
    lines += [
        "| cold start (fresh interpreter on the artifact, median of 7) | seconds | ratio to `import boto3` |",
        "|---|---|---|",
    ]
    for name, seconds in cold.items():
        lines.append(f"| {name} | {seconds:.3f} | {seconds / baseline:.2f} |")
    lines += ["", f"Containers by memory size (median of {options.runs} per size and mode):", "", *by_memory]
    artifact = artifact_figures()
    lines += [
        "",
        f"Artifact (python3.13, arm64, unzipped): {artifact['total_mb']:.1f} MB. Largest: "
        + ", ".join(f"{name} {size:.1f} MB" for name, size in artifact["largest"])
        + ".",
    ]
    report = "\n".join(lines)
    print(report)
    if options.output:
        options.output.write_text(report + "\n")


if __name__ == "__main__":
    main()
