"""Cold start, measured on the artifact as Lambda runs it: fresh interpreters, nothing but the
artifact and the runtime's own packages on sys.path, no bytecode cache writes (Lambda's /var/task is
read-only), Lambda's environment variables. Timed from process start to exit, median of runs.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.api_gateway_events import rest_event
from local.artifact import build_for_this_machine, runtime_provided
from local.environment import DEMO_CLIENTS, aws_endpoint, create_idempotency_table
from local.org_standin import SalesforceStandin

RUNS = 7
BOTO3_ONLY = "import sys; sys.path[:0] = sys.argv[1:2]; import boto3"
IMPORT_ONLY = "import sys; sys.path[:0] = sys.argv[1:3]; import handler.app"
FIRST_REQUEST = """
import json, sys
sys.path[:0] = sys.argv[1:3]
from handler.app import lambda_handler
class Context:
    function_name = "sessions"; memory_limit_in_mb = 512; aws_request_id = "cold"
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:sessions"
    def get_remaining_time_in_millis(self): return 20000
response = lambda_handler(json.loads(sys.argv[3]), Context())
assert response["statusCode"] == 201, response
"""
# What an API Gateway REQUEST authorizer for the client_id/client_secret pair would run on its cold
# start: the runtime's boto3, one secret read, a constant-time comparison (docs/migration.md).
AUTHORIZER_FIRST_CALL = """
import hmac, json, sys
sys.path[:0] = sys.argv[1:2]
import boto3
clients = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=sys.argv[2])["SecretString"])["clients"]
allowed = any(hmac.compare_digest(b"coach-app-demo-secret-do-not-use", s.encode()) for s in clients["coach-app-demo"])
assert allowed
"""


def _median_seconds(code: str, arguments: list[Any], env: dict[str, str]) -> float:
    runs = []
    for _ in range(RUNS):
        concrete = [argument() if callable(argument) else argument for argument in arguments]
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-S", "-c", code, *concrete], env=env, check=False, capture_output=True)
        if done.returncode:
            raise RuntimeError(done.stdout.decode()[-3000:] + done.stderr.decode()[-2000:])
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


@dataclass
class LambdaLike:
    """The built artifact, the runtime's own packages, Lambda's environment, and an event to send."""

    compiled: str
    source_only: str
    runtime: str
    env: dict[str, str]
    event: Callable[[], str]


@contextmanager
def lambda_like() -> Iterator[LambdaLike]:
    """Salesforce (the stand-in) and AWS (moto as a server) outside the measured process, as in Lambda."""
    with aws_endpoint() as endpoint, tempfile.TemporaryDirectory() as folder, SalesforceStandin() as standin:
        compiled = str(build_for_this_machine(Path(folder) / "compiled"))
        source_only = str(build_for_this_machine(Path(folder) / "source-only", bytecode=False))
        runtime = str(runtime_provided(Path(folder) / "runtime"))
        standin.register_client("bench", client_secret="bench-secret")
        seed = standin.seed_demo()
        secret = json.dumps(
            {
                "auth_flow": "client_credentials",
                "login_url": standin.url,
                "client_id": "bench",
                "client_secret": "bench-secret",
            }
        )
        import boto3

        aws = {
            "endpoint_url": endpoint,
            "region_name": "us-west-2",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        secrets = boto3.client("secretsmanager", **aws)
        secrets.create_secret(Name="bench/salesforce", SecretString=secret)
        secrets.create_secret(Name="bench/api-clients", SecretString=json.dumps({"clients": DEMO_CLIENTS}))
        create_idempotency_table(boto3.client("dynamodb", **aws), "bench-idempotency")
        env = {
            "PATH": os.environ["PATH"],
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": "us-west-2",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "REQUESTS_CA_BUNDLE": standin.ca_bundle_path,
            "SALESFORCE_SECRET_ID": "bench/salesforce",
            "IDEMPOTENCY_TABLE_NAME": "bench-idempotency",
            "POWERTOOLS_SERVICE_NAME": "sessions",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            # Lambda's environment with active tracing (the logger reads the trace ID; no X-Ray SDK is shipped).
            "LAMBDA_TASK_ROOT": compiled,
            "AWS_LAMBDA_FUNCTION_NAME": "sessions",
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        }
        body = {"TeamSeasonId": seed.team_season_id, "SessionDate": "2025-05-21", "CoachId": seed.coach_id}

        def event() -> str:  # a new session each run: the retry memory must not answer instead
            return json.dumps(rest_event(dict(body, SessionTopic=str(time.time_ns()))))

        yield LambdaLike(compiled, source_only, runtime, env, event)


def cold_start_figures(setup: LambdaLike) -> dict[str, float]:
    compiled, source_only, runtime, env, event = (
        setup.compiled,
        setup.source_only,
        setup.runtime,
        setup.env,
        setup.event,
    )
    return {
        "import boto3 (what every Python Lambda pays)": _median_seconds(BOTO3_ONLY, [runtime], env),
        "import handler": _median_seconds(IMPORT_ONLY, [compiled, runtime], env),
        "import handler + first request (secret, token, query, composite)": _median_seconds(
            FIRST_REQUEST, [compiled, runtime, event], env
        ),
        "the same, artifact without bytecode": _median_seconds(FIRST_REQUEST, [source_only, runtime, event], env),
        "the same, AuthMode CLIENT_ID (the function also reads the allowed clients)": _median_seconds(
            FIRST_REQUEST, [compiled, runtime, event], {**env, "API_CLIENTS_SECRET_ID": "bench/api-clients"}
        ),
        "a REQUEST authorizer's first call instead (a second function: boto3, the secret, the check)": (
            _median_seconds(AUTHORIZER_FIRST_CALL, [runtime, "bench/api-clients"], env)
        ),
    }
