"""Bounded load on loopback: concurrent clients through the local API against the stand-in with latency.

    python -m bench.load [--clients 20] [--seconds 30] [--latency 0.05]

Each client sends unique sessions, and every fifth request is sent twice with the same
Idempotency-Key (the app's retry). Afterwards the org is checked: one session per key, no
duplicates, no task or attendance row without its session.
"""

import argparse
import json
import os
import statistics
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # figures, not 1,000 request logs
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"

from local.api import ApiGatewayProxy, LocalServer
from local.api_gateway_events import DEMO_APP_HEADERS
from local.containers import ContainerFleet, container_fleet
from local.environment import aws_endpoint, local_environment


class ManyContainers(ApiGatewayProxy):
    """Lambda scales out: each concurrent request is served by a container of its own."""

    fleet: ContainerFleet

    def answer(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.fleet.invoke(event)

    def log_message(self, format: str, *args: object) -> None:
        return


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    keys_created: dict[str, str] = field(default_factory=dict)
    replay_mismatches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(url: str, seed: dict[str, str], number: int, stop_at: float, tally: Tally) -> None:
    session = requests.Session()
    sent = 0
    while time.monotonic() < stop_at:
        key = f"load-{number}-{sent}-{uuid.uuid4().hex[:8]}"
        body = {
            "TeamSeasonId": seed["team"],
            "SessionDate": "2025-05-21",
            "SessionStart": "18:00",
            "SessionTopic": key,
            "CoachId": seed["coach"],
        }
        repeats = 2 if sent % 5 == 0 else 1
        for _ in range(repeats):
            started = time.perf_counter()
            answer = session.post(url, json=body, headers={**DEMO_APP_HEADERS, "Idempotency-Key": key}, timeout=30)
            elapsed = time.perf_counter() - started
            with tally.lock:
                tally.latencies.append(elapsed)
                tally.statuses[answer.status_code] += 1
                if answer.status_code == 201:
                    session_id = answer.json()["SessionId"]
                    first = tally.keys_created.setdefault(key, session_id)
                    tally.replay_mismatches += first != session_id
        sent += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--latency", type=float, default=0.05, help="added to every Salesforce call")
    options = parser.parse_args()

    with (
        local_environment() as env,
        aws_endpoint() as endpoint,
        container_fleet(options.clients, endpoint) as fleet,
    ):
        ManyContainers.fleet = fleet
        env.standin.latency = options.latency
        server = LocalServer(("127.0.0.1", 0), ManyContainers)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/sessions"
        seed = {"team": env.seed.team_season_id, "coach": env.seed.coach_id}
        tally = Tally()
        stop_at = time.monotonic() + options.seconds
        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(url, seed, n, stop_at, tally)) for n in range(options.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        duration = time.monotonic() - started
        server.shutdown()
        report = check_org(env, tally, duration, options)
    print(json.dumps(report, indent=2))
    if report["duplicates"] or report["orphans"] or report["replay_mismatches"] or report["server_errors"]:
        raise SystemExit("load test failed: see the figures above")


def check_org(env: object, tally: Tally, duration: float, options: argparse.Namespace) -> dict[str, object]:
    standin = env.standin  # type: ignore[attr-defined]
    sessions = standin.records("Session__c")
    session_ids = {s["Id"] for s in sessions}
    topics = Counter(s.get("Session_Topic__c") for s in sessions)
    orphans = sum(t["Session__c"] not in session_ids for t in standin.records("SCORES_Task__c")) + sum(
        a["Session__c"] not in session_ids for a in standin.records("Attendance__c")
    )
    latencies = sorted(tally.latencies)
    return {
        "clients": options.clients,
        "seconds": round(duration, 1),
        "salesforce_latency_ms": options.latency * 1000,
        "requests": len(latencies),
        "throughput_rps": round(len(latencies) / duration, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "statuses": dict(tally.statuses),
        "server_errors": sum(n for status, n in tally.statuses.items() if status >= 500),
        "sessions_in_org": len(sessions),
        "keys_answered_201": len(tally.keys_created),
        "duplicates": sum(n - 1 for n in topics.values() if n > 1),
        "orphans": orphans,
        "replay_mismatches": tally.replay_mismatches,
    }


if __name__ == "__main__":
    main()
