"""Tracing as Lambda runs it without the X-Ray SDK (issue 24): Lambda's active tracing records the invocation's
segment by itself; the function sends no trace document of its own, and its request log line names each
Salesforce, Secrets Manager and DynamoDB call with duration and outcome under the invocation's X-Ray trace ID,
so that a trace and its calls are joined. No student name, token or secret in any of it.

The handler runs in a fresh interpreter with Lambda's tracing environment (the trace header Lambda sets per
invocation, the daemon's address), with a socket listening where X-Ray's daemon would.
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
TRACE_ROOT = "1-5759e988-bd862e3fe1be46a994272793"
INVOKE = """
import json, os, sys
from handler.app import lambda_handler
class Context:
    function_name = "sessions"; memory_limit_in_mb = 512; aws_request_id = "traced"
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:sessions"
    def get_remaining_time_in_millis(self): return 20000
for trace, event in json.loads(sys.argv[1]):
    os.environ["_X_AMZN_TRACE_ID"] = trace  # Lambda sets it anew for every invocation
    print(json.dumps(lambda_handler(event, Context())))
print(json.dumps({"xray_sdk_loaded": any(name.startswith(("aws_xray_sdk", "wrapt")) for name in sys.modules)}))
"""


@pytest.fixture
def xray_daemon() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        daemon.settimeout(0.5)
        yield daemon


def received_datagrams(daemon: socket.socket) -> list[bytes]:
    """What reached the daemon's port; the sender has exited, so anything sent is already queued."""
    datagrams = []
    while True:
        try:
            datagrams.append(daemon.recv(65536))
        except TimeoutError:
            return datagrams


def printed(stdout: str, key: str, value: Any = None) -> list[dict[str, Any]]:
    """The JSON lines that have this key (with this value, if given)."""
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return [line for line in lines if key in line and value in (None, line[key])]


def test_a_request_and_its_repeat_log_each_outside_call_under_the_trace_id_and_send_no_trace_of_their_own(
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
            **os.environ,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'lib'}",
            "AWS_ENDPOINT_URL": aws,
            "REQUESTS_CA_BUNDLE": standin.ca_bundle_path,
            "SALESFORCE_SECRET_ID": "traced/salesforce",
            "API_CLIENTS_SECRET_ID": "traced/api-clients",
            "IDEMPOTENCY_TABLE_NAME": "traced-idempotency",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "LAMBDA_TASK_ROOT": str(ROOT),
            "AWS_LAMBDA_FUNCTION_NAME": "sessions",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{xray_daemon.getsockname()[1]}",
        }
        body = {"TeamSeasonId": seed.team_season_id, "SessionDate": "2025-05-21", "CoachId": seed.coach_id}
        event = rest_event(body, headers={"Idempotency-Key": "traced"})
        create_and_repeat = [
            (f"Root={TRACE_ROOT};Parent=53995c3f42cd8ad8;Sampled=1", event),
            ("Root=1-5759e989-0000000000000000000000aa;Parent=53995c3f42cd8ad9;Sampled=1", event),
        ]
        done = subprocess.run(
            [sys.executable, "-c", INVOKE, json.dumps(create_and_repeat)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        tokens = list(standin.issued_tokens)
        host = standin.url

    assert done.returncode == 0, done.stderr[-3000:]
    answers = printed(done.stdout, "statusCode")
    assert [answer["statusCode"] for answer in answers] == [201, 201], done.stdout[-3000:]
    created, repeated = printed(done.stdout, "message", "request finished")
    assert (created["xray_trace_id"], repeated["xray_trace_id"]) == (TRACE_ROOT, "1-5759e989-0000000000000000000000aa")

    def calls(line: dict[str, Any]) -> list[tuple[str, str, str]]:
        assert all(isinstance(call["ms"], float) and call["ms"] >= 0 for call in line["calls"]), line["calls"]
        return [(call["service"], call["call"], call["outcome"]) for call in line["calls"]]

    assert calls(created) == [
        ("secretsmanager", "GetSecretValue", "ok"),  # the apps' allowed clients
        ("dynamodb", "PutItem", "ok"),  # the retry memory: in progress
        ("secretsmanager", "GetSecretValue", "ok"),  # the Salesforce secret
        ("salesforce", "token", "ok"),
        ("salesforce", "query", "ok"),
        ("salesforce", "composite", "ok"),
        ("dynamodb", "UpdateItem", "ok"),  # the retry memory: the answer
    ]
    assert calls(repeated) == [
        ("dynamodb", "PutItem", "ConditionalCheckFailedException"),  # already remembered
        ("salesforce", "repeat's read", "ok"),  # checks the records still stand, and names the students again
    ]
    durations = printed(done.stdout, "SalesforceCallDuration")
    assert [(doc["call"], doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"]) for doc in durations] == [
        ("token", "Milliseconds"),
        ("query", "Milliseconds"),
        ("composite", "Milliseconds"),
        ("repeat's read", "Milliseconds"),
    ]
    assert printed(done.stdout, "xray_sdk_loaded") == [{"xray_sdk_loaded": False}]
    assert received_datagrams(xray_daemon) == []  # Lambda records the invocation's segment; the function sends none
    logged = [
        line for line in done.stdout.splitlines() if not line.startswith('{"statusCode"')
    ]  # answers name students
    written = "\n".join(logged) + done.stderr
    for private in [*seed.student_names.values(), LOCAL_CLIENT_SECRET, *tokens, "SELECT", host]:
        assert private not in written
