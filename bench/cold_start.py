"""Cold start: fresh interpreters, timed from process start to exit (median of several runs).

Bytecode is compiled once beforehand (like an artifact shipped with .pyc files), so the runs time
imports and work, not compilation.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from local.api_gateway_events import rest_event
from local.org_standin import SalesforceStandin

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5

FIRST_REQUEST = """
import json, sys
import boto3
endpoint = sys.argv[1]
boto3.client("secretsmanager", endpoint_url=endpoint).create_secret(Name=sys.argv[2], SecretString=sys.argv[3])
import time
started = time.perf_counter()
from handler.app import lambda_handler
from local.lambda_runtime import LocalContext
response = lambda_handler(json.loads(sys.argv[4]), LocalContext())
assert response["statusCode"] == 201, response
"""


def _timed(arguments: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *arguments], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def cold_start_figures() -> dict[str, float]:
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        with SalesforceStandin() as standin:
            standin.register_client("bench", client_secret="bench-secret")
            seed = standin.seed_demo()
            host, port = moto.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
            env.update(
                {
                    "AWS_ENDPOINT_URL": endpoint,
                    "AWS_DEFAULT_REGION": "us-west-2",
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "REQUESTS_CA_BUNDLE": standin.ca_bundle_path,
                    "IDEMPOTENCY_TABLE_NAME": "",
                    "POWERTOOLS_LOG_LEVEL": "WARNING",
                }
            )
            secret = json.dumps(
                {
                    "auth_flow": "client_credentials",
                    "login_url": standin.url,
                    "client_id": "bench",
                    "client_secret": "bench-secret",
                }
            )
            body = {"TeamSeasonId": seed.team_season_id, "SessionDate": "2025-05-21", "CoachId": seed.coach_id}

            def first_request(run: int) -> list[str]:
                env["SALESFORCE_SECRET_ID"] = f"bench/{run}"
                event = rest_event(dict(body, SessionTopic=f"cold {run}"))
                return ["-c", FIRST_REQUEST, endpoint, f"bench/{run}", secret, json.dumps(event)]

            commands = {
                "import boto3": ["-c", "import boto3"],
                "import handler": ["-c", "import handler.app"],
                "import handler + first request (token, query, composite)": None,
            }
            _timed(commands["import handler"], env)  # compile bytecode once
            _timed(first_request(0), env)
            figures = {}
            for name, arguments in commands.items():
                runs = [_timed(arguments or first_request(run), env) for run in range(1, RUNS + 1)]
                figures[name] = statistics.median(runs)
            return figures
    finally:
        moto.stop()
