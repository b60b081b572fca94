"""The embedded defaults: a seeded Salesforce stand-in and moto's Secrets Manager, wired into the env vars.

Used by the local API, the event invoker, the tests and the benchmarks, so all four run the same setup.
"""

import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws

from local.api_gateway_events import DEMO_APP_HEADERS
from local.org_standin import SalesforceStandin, StandinSeed

LOCAL_CLIENT_ID = "local-client"
LOCAL_CLIENT_SECRET = "local-client-secret-do-not-use"  # noqa: S105 - stand-in only
# The demo coach app's pair for the client_id/client_secret check (the existing API's client-ID enforcement).
APP_CLIENT_ID = DEMO_APP_HEADERS["client_id"]
APP_CLIENT_SECRET = DEMO_APP_HEADERS["client_secret"]
DEMO_CLIENTS = {APP_CLIENT_ID: [APP_CLIENT_SECRET]}
SECRET_NAME = "local/salesforce"  # noqa: S105 - a name, not a value
CLIENTS_SECRET_NAME = "local/api-clients"  # noqa: S105 - a name, not a value
IDEMPOTENCY_TABLE = "local-sessions-idempotency"
REGION = "us-west-2"

SERVICE_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_SERVICE_NAME": "sessions",
    "POWERTOOLS_METRICS_NAMESPACE": "CoachingPlatform",
    "SALESFORCE_SECRET_ID": SECRET_NAME,
    "API_CLIENTS_SECRET_ID": CLIENTS_SECRET_NAME,
    "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
}


@dataclass
class LocalEnvironment:
    standin: SalesforceStandin
    seed: StandinSeed

    def client_credentials_secret(self, **overrides: Any) -> dict[str, Any]:
        secret = {
            "auth_flow": "client_credentials",
            "login_url": self.standin.url,
            "client_id": LOCAL_CLIENT_ID,
            "client_secret": LOCAL_CLIENT_SECRET,
            "api_version": "62.0",
        }
        secret.update(overrides)
        return secret

    def example_session(self) -> dict[str, Any]:
        """A request body for the seeded team season and coach: 18:00-19:30, with a task."""
        return {
            "TeamSeasonId": self.seed.team_season_id,
            "SessionDate": "2025-05-21",
            "SessionStart": "18:00",
            "SessionEnd": "19:30",
            "SessionTopic": "Dribbling",
            "CoachId": self.seed.coach_id,
        }

    def store_secret(self, value: dict[str, Any] | str, secret_id: str = SECRET_NAME) -> None:
        """Replace the secret's value, as a rotation would."""
        text = value if isinstance(value, str) else json.dumps(value)
        boto3.client("secretsmanager", region_name=REGION).put_secret_value(SecretId=secret_id, SecretString=text)

    def store_allowed_clients(self, clients: dict[str, list[str]] | None = None) -> None:
        """The apps' client_id/client_secret pairs; by default the demo app's alone."""
        self.store_secret({"clients": clients or DEMO_CLIENTS}, CLIENTS_SECRET_NAME)


def make_conditional_writes_atomic() -> None:
    """DynamoDB checks a write's condition and applies it atomically; moto does both steps without a lock,
    so two threads can pass the same condition. The retry guard depends on that atomicity (one request
    wins, the others see it in progress), so the emulator gets it too. Idempotent.
    """
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_atomic_writes", False):
        return
    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def atomic(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, atomic)
    DynamoDBBackend._atomic_writes = True  # type: ignore[attr-defined]


@contextmanager
def local_environment(port: int = 0) -> Iterator[LocalEnvironment]:
    """Start the stand-in and moto, create the secret, and point the service's env vars at them."""
    make_conditional_writes_atomic()
    saved = dict(os.environ)
    os.environ.update(SERVICE_ENVIRONMENT)
    with SalesforceStandin(port=port) as standin, mock_aws():
        standin.register_client(LOCAL_CLIENT_ID, client_secret=LOCAL_CLIENT_SECRET)
        seed = standin.seed_demo()
        os.environ["REQUESTS_CA_BUNDLE"] = standin.ca_bundle_path
        os.environ["TASK_OWNER_USER_ID"] = seed.owner_user_id
        environment = LocalEnvironment(standin=standin, seed=seed)
        secrets = boto3.client("secretsmanager", region_name=REGION)
        secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps(environment.client_credentials_secret()))
        secrets.create_secret(Name=CLIENTS_SECRET_NAME, SecretString=json.dumps({"clients": DEMO_CLIENTS}))
        create_idempotency_table()
        try:
            yield environment
        finally:
            os.environ.clear()
            os.environ.update(saved)


@contextmanager
def aws_endpoint() -> Iterator[str]:
    """Moto as a server on loopback, for other processes. In this process it serves the same accounts
    as ``mock_aws``, so what the local environment created is there too."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_idempotency_table(dynamodb: Any = None, name: str = IDEMPOTENCY_TABLE) -> None:
    """The table the template declares: partition key ``id``, TTL attribute ``expiration``, the answered-session index."""
    (dynamodb or boto3.client("dynamodb", region_name=REGION)).create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "answered_session", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "answered-session",
                "KeySchema": [{"AttributeName": "answered_session", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def empty_idempotency_table() -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.delete_table(TableName=IDEMPOTENCY_TABLE)
    create_idempotency_table()
