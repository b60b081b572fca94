"""The deployable artifact: `sam build` without Docker, nothing but runtime code in it, and it serves a request."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from local.api_gateway_events import rest_event
from local.artifact import build_for_this_machine, runtime_provided
from local.end_of_support import findings
from local.environment import aws_endpoint
from local.org_standin import SalesforceStandin

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".venv-sam" / "bin" / "sam"
NOT_SHIPPED = (
    "aws_xray_sdk",  # its support ends on 2027-02-25 (issue 24): no Tracer, so neither it nor wrapt
    "wrapt",
    "lxml",
    "pycparser",
    "pytest",
    "_pytest",
    "moto",
    "trustme",
    "schemathesis",
    "hypothesis",
    "mypy",
    "ruff",
    "boto3",
    "botocore",
    "local",
    "tests",
    "bench",
    "cfnlint",
)
SIZE_LIMIT_MB = 40  # issue 6's target, bytecode included


def tree_size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


@pytest.fixture(scope="module")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SAM.exists():
        pytest.fail("the SAM CLI is missing: run `make test` (it installs .venv-sam)")
    build_dir = tmp_path_factory.mktemp("sam-build")
    subprocess.run(
        [str(SAM), "build", "--build-dir", str(build_dir), "--build-in-source"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )
    return build_dir / "SessionsFunction"


def test_sam_build_works_without_docker_and_ships_only_runtime_code(sam_build: Path) -> None:
    shipped = {path.name for path in sam_build.iterdir()}

    assert {"handler", "session_scheduling", "aws_lambda_powertools", "pydantic", "simple_salesforce"} <= shipped
    assert shipped.isdisjoint(NOT_SHIPPED), shipped & set(NOT_SHIPPED)
    assert list(sam_build.glob("pydantic_core/*aarch64-linux-gnu.so")), "wheels must be arm64 Linux"
    # Nothing past or near its end of support (requirements/end-of-support.toml, local/end_of_support.py).
    assert findings([sam_build], date.today()) == []
    size = tree_size_mb(sam_build)
    print(f"\nartifact unzipped: {size:.1f} MB")
    assert size < SIZE_LIMIT_MB


def test_the_artifact_alone_serves_a_request(tmp_path: Path) -> None:
    """Built for this machine's platform by the same recipe, run with nothing but the artifact on sys.path."""
    artifact = build_for_this_machine(tmp_path / "artifact")
    runtime = runtime_provided(tmp_path / "runtime")
    assert findings([artifact], date.today()) == []
    assert {path.name for path in artifact.iterdir()}.isdisjoint(NOT_SHIPPED)

    with aws_endpoint() as endpoint, SalesforceStandin() as standin:
        standin.register_client("artifact-app", client_secret="artifact-secret")
        seed = standin.seed_demo()
        results = run_isolated(artifact, runtime, standin, endpoint, seed.team_season_id, seed.coach_id)

    assert [r["statusCode"] for r in results] == [201, 400]
    created = json.loads(results[0]["body"])
    assert created["TaskId"]
    assert len(created["Attendances"]) == 3


SCRIPT = """
import json, sys
artifact, runtime, endpoint, secret, event_file = sys.argv[1:]
sys.path[:0] = [artifact, runtime]
import boto3
boto3.client("secretsmanager", endpoint_url=endpoint).create_secret(Name="artifact/salesforce", SecretString=secret)
boto3.client("dynamodb", endpoint_url=endpoint).create_table(
    TableName="artifact-idempotency", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
from handler.app import lambda_handler
class Context:
    function_name = "artifact"; memory_limit_in_mb = 512; aws_request_id = "artifact-test"
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:artifact"
    def get_remaining_time_in_millis(self): return 20000
assert "site-packages" not in " ".join(sys.path), sys.path
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
jwt.encode({"sub": "x"}, rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256")
import simple_salesforce.api  # with the zeep placeholder
print(json.dumps([lambda_handler(event, Context()) for event in json.load(open(event_file))]))
"""


def run_isolated(
    artifact: Path, runtime: Path, standin: SalesforceStandin, endpoint: str, team: str, coach: str
) -> list:
    secret = json.dumps(
        {
            "auth_flow": "client_credentials",
            "login_url": standin.url,
            "client_id": "artifact-app",
            "client_secret": "artifact-secret",
        }
    )
    events = artifact.parent / "events.json"
    body = {"TeamSeasonId": team, "SessionDate": "2025-05-21", "SessionEnd": "19:30", "CoachId": coach}
    events.write_text(json.dumps([rest_event(body), rest_event({"SessionDate": "2025-02-30"})]))
    env = {
        "PATH": os.environ["PATH"],
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,
        "REQUESTS_CA_BUNDLE": standin.ca_bundle_path,
        "SALESFORCE_SECRET_ID": "artifact/salesforce",
        "IDEMPOTENCY_TABLE_NAME": "artifact-idempotency",
        "POWERTOOLS_SERVICE_NAME": "sessions",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-S", "-c", SCRIPT, str(artifact), str(runtime), endpoint, secret, str(events)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_failure_notifier_ships_its_own_package_and_the_service_does_not(sam_build: Path) -> None:
    """docs/operations.md, "Failure notices": boto3 comes with the runtime, so the notifier's artifact is its code."""
    notifier = sam_build.parent / "FailureNoticesFunction"
    assert {path.name for path in notifier.iterdir()} == {"failure_notices"}
    assert not (sam_build / "failure_notices").exists()
