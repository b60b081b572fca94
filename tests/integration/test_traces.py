"""X-Ray, as Lambda runs it: a subsegment per Salesforce call, and no student name, token or secret in any trace.

The handler runs in a fresh interpreter with Lambda's tracing environment and sends its trace documents
over UDP, X-Ray's daemon protocol, to a socket this test reads.
"""

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.api_gateway_events import rest_event
from local.environment import DEMO_CLIENTS, LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, aws_endpoint, create_idempotency_table
from local.org_standin import SalesforceStandin

ROOT = Path(__file__).resolve().parents[2]
INVOKE = """
import json, sys
from handler.app import lambda_handler
class Context:
    function_name = "sessions"; memory_limit_in_mb = 512; aws_request_id = "traced"
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:sessions"
    def get_remaining_time_in_millis(self): return 20000
for event in json.loads(sys.argv[1]):
    print(json.dumps(lambda_handler(event, Context())))
"""


@pytest.fixture
def xray_daemon() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        daemon.settimeout(0.5)
        yield daemon


def received_documents(daemon: socket.socket) -> list[dict[str, Any]]:
    """Each datagram is a header line and one segment document."""
    documents = []
    while True:
        try:
            datagram = daemon.recv(65536).decode()
        except TimeoutError:
            return documents
        documents.append(json.loads(datagram.split("\n", 1)[1]))


def subsegment_names(document: dict[str, Any]) -> list[str]:
    return [document["name"]] + [name for sub in document.get("subsegments", []) for name in subsegment_names(sub)]


def test_traces_have_a_subsegment_per_salesforce_call_and_nothing_personal_or_secret(
    xray_daemon: socket.socket,
) -> None:
    with aws_endpoint() as aws, SalesforceStandin() as standin:
        standin.register_client(LOCAL_CLIENT_ID, client_secret=LOCAL_CLIENT_SECRET)
        seed = standin.seed_demo()
        secret = {
            "auth_flow": "client_credentials",
            "login_url": standin.url,
            "client_id": LOCAL_CLIENT_ID,
            "client_secret": LOCAL_CLIENT_SECRET,
        }
        aws_client = {"endpoint_url": aws, "region_name": "us-west-2"}
        boto3.client("secretsmanager", **aws_client).create_secret(
            Name="traced/salesforce", SecretString=json.dumps(secret)
        )
        boto3.client("secretsmanager", **aws_client).create_secret(
            Name="traced/api-clients", SecretString=json.dumps({"clients": DEMO_CLIENTS})
        )
        create_idempotency_table(boto3.client("dynamodb", **aws_client), "traced-idempotency")
        env = {
            **{name: value for name, value in os.environ.items() if not name.startswith("POWERTOOLS_TRACE")},
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'lib'}",
            "AWS_ENDPOINT_URL": aws,
            "REQUESTS_CA_BUNDLE": standin.ca_bundle_path,
            "SALESFORCE_SECRET_ID": "traced/salesforce",
            "API_CLIENTS_SECRET_ID": "traced/api-clients",
            "IDEMPOTENCY_TABLE_NAME": "traced-idempotency",
            "LAMBDA_TASK_ROOT": str(ROOT),
            "AWS_LAMBDA_FUNCTION_NAME": "sessions",
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{xray_daemon.getsockname()[1]}",
        }
        body = {"TeamSeasonId": seed.team_season_id, "SessionDate": "2025-05-21", "CoachId": seed.coach_id}
        create_and_repeat = [rest_event(body, headers={"Idempotency-Key": "traced"})] * 2
        done = subprocess.run(
            [sys.executable, "-c", INVOKE, json.dumps(create_and_repeat)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        tokens = list(standin.issued_tokens)

    assert done.returncode == 0, done.stderr[-3000:]
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"statusCode"')]
    assert [answer["statusCode"] for answer in answers] == [201, 201], done.stdout[-3000:]
    documents = received_documents(xray_daemon)
    names = [name for document in documents for name in subsegment_names(document)]
    for call in ("token", "query", "composite", "names query"):  # the repeat names the students again
        assert names.count(f"## Salesforce {call}") == 1, names
    assert {"secretsmanager", "dynamodb", "127.0.0.1"} <= set(names)  # AWS and HTTP calls are traced too
    traced = json.dumps(documents)
    for private in [*seed.student_names.values(), LOCAL_CLIENT_SECRET, *tokens]:
        assert private not in traced
