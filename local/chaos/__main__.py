"""make soak: SOAK_SECONDS (60), SOAK_SEED (1), SOAK_CONTAINERS (4), SOAK_CLIENTS (containers + 2),
SOAK_GIVE_UP_SECONDS (90), SOAK_LOG_DIR (a new temporary folder: the containers' logs, every problem),
SOAK_MIN_ANSWERED (unset: send for SOAK_SECONDS; set: send until the quotas are met, local/chaos/quotas.py,
with SOAK_SECONDS as the cap).

Prints one summary line; exits 1 on any duplicate, orphan or mismatch, or on quotas unmet at the cap.
"""

import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # the containers log to files; metrics add nothing

from local.chaos.checker import Findings, check_org
from local.chaos.coaches import CoachApps, RequestLog
from local.chaos.dynamodb_proxy import DynamoDBProxy
from local.chaos.faults import FORCED_FOR, HOLD_SECONDS, Chaos
from local.chaos.fleet import KillableFleet
from local.chaos.quotas import Quotas, answered_2xx
from local.environment import aws_endpoint, local_environment

LAMBDA_TIMEOUT_SECONDS = 8.0  # short, so that a dead attempt's in-progress record expires soon
READ_TIMEOUT_SECONDS = 2.0  # the "slow answer" fault is one second slower than this
SETTLE_SECONDS = 12.0  # past the Lambda timeout plus the slowest late commit the soak makes


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS", "60"))
    seed = int(os.environ.get("SOAK_SEED", "1"))
    containers = int(os.environ.get("SOAK_CONTAINERS", "4"))
    clients = int(os.environ.get("SOAK_CLIENTS", str(containers + 2)))
    give_up = float(os.environ.get("SOAK_GIVE_UP_SECONDS", "90"))
    minimum = os.environ.get("SOAK_MIN_ANSWERED")
    quotas = Quotas(int(minimum)) if minimum else None
    logs_folder = Path(os.environ.get("SOAK_LOG_DIR") or tempfile.mkdtemp(prefix=f"soak-{seed}-"))
    logs_folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with local_environment() as env, aws_endpoint() as moto_url, DynamoDBProxy(moto_url) as proxy:
        standin = env.standin
        team = standin.insert("Team_Season__c", {"Name": "Soak Owls"})
        students = set(standin.seed_students(team, 3, start="2000-01-01", end="2999-12-31"))
        environment = {
            **os.environ,
            "AWS_ENDPOINT_URL": proxy.url,
            "LOST_ANSWER_SETTLE_SECONDS": str(SETTLE_SECONDS),
            "SALESFORCE_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT_SECONDS),
        }
        fleet = KillableFleet(containers, environment, logs_folder)
        fleet.start()
        try:
            rng = random.Random(seed)  # noqa: S311 - reproducible draws, not secrets
            forced_for = FORCED_FOR if quotas is None else sys.maxsize  # with quotas: until each kind took hold
            chaos = Chaos(rng, standin, proxy.trouble, fleet, READ_TIMEOUT_SECONDS, forced_for)
            apps = CoachApps(seed, team, env.seed.coach_id, fleet, chaos, standin, LAMBDA_TIMEOUT_SECONDS, give_up)
            cap = time.monotonic() + seconds

            def keep_sending() -> bool:
                if time.monotonic() >= cap:
                    return False
                return quotas is None or bool(quotas.unmet(faults_of(chaos, proxy), chaos.kills, apps.logs))

            logs = apps.run(clients, keep_sending)
            time.sleep(READ_TIMEOUT_SECONDS + HOLD_SECONDS + 1)  # requests Salesforce still holds commit first
            findings = check_org(logs, standin, students)
            findings.harness_errors = [*apps.crashes, *fleet.broken]
        finally:
            fleet.stop()
        faults = faults_of(chaos, proxy)
        kills = chaos.kills + Counter({"lambda_timeout": fleet.lambda_timeouts} if fleet.lambda_timeouts else {})
    unmet = quotas.unmet(faults, kills, logs) if quotas else []
    problems = [*(f"harness error: {error}" for error in findings.harness_errors), *findings.problems]
    problems += [f"the cap ({seconds:.0f} s) came before this quota: {quota}" for quota in unmet]
    (logs_folder / "problems.txt").write_text("".join(f"{line}\n" for line in problems))
    for line in problems[:30]:
        print(line, file=sys.stderr)
    print(summary(seed, containers, logs, faults, kills, findings, unmet, time.monotonic() - started, logs_folder))
    return 1 if findings.failed() or unmet else 0


def faults_of(chaos: Chaos, proxy: DynamoDBProxy) -> Counter[str]:
    """The faults that took hold, DynamoDB's answered calls among them."""
    answered = Counter({f"dynamodb_calls_{kind}": n for kind, n in dict(proxy.trouble.answered).items()})
    return Counter(dict(chaos.faults)) + answered  # copies: the clients' threads count on


def summary(
    seed: int,
    containers: int,
    logs: list[RequestLog],
    faults: Counter[str],
    kills: Counter[str],
    found: Findings,
    unmet: list[str],
    seconds: float,
    folder: Path,
) -> str:
    answers = Counter(status for log in logs for status, _ in log.answers)
    figures = {
        "seed": seed,
        "containers": containers,
        "requests": len(logs),
        "answered_2xx": answered_2xx(logs),
        "answers": dict(sorted(answers.items())),
        "faults": dict(sorted(faults.items())),
        "kills": dict(sorted(kills.items())),
        "duplicates": found.duplicates,
        "orphans": found.orphans,
        "mismatches": found.mismatches,
        "given_up": found.given_up,
        "given_up_with_bundle": found.given_up_with_bundle,
        "nothing_claimed_but_committed": found.nothing_claimed_but_committed,
        "unexpected_failures": found.unexpected_failures,
        "harness_errors": len(found.harness_errors),
        "quotas_unmet": unmet,
        "seconds": round(seconds, 1),
        "logs": str(folder),
        "result": "FAIL" if found.failed() or unmet else "pass",
    }
    return "soak " + " ".join(f"{name}={json.dumps(value, separators=(',', ':'))}" for name, value in figures.items())


if __name__ == "__main__":
    sys.exit(main())
