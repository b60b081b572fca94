"""Shared fixtures: the embedded environment (stand-in over HTTPS + moto), and a client for the handler."""

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from local.api_gateway_events import rest_event
from local.containers import ContainerFleet, container_fleet
from local.environment import (
    SERVICE_ENVIRONMENT,
    LocalEnvironment,
    aws_endpoint,
    empty_idempotency_table,
    local_environment,
)
from local.lambda_runtime import cold_start, invoke


def pytest_configure() -> None:
    """Modules read some settings at import (the logger's service name), so set them before collection."""
    for name, value in SERVICE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    raw: str = ""  # the body as sent, byte for byte


@pytest.fixture(scope="session")
def _environment() -> Iterator[LocalEnvironment]:
    with local_environment() as environment:
        yield environment


@pytest.fixture(scope="session")
def containers(_environment: LocalEnvironment) -> Iterator[ContainerFleet]:
    """Eight warm containers, each its own process, sharing DynamoDB and Salesforce as real ones do."""
    with aws_endpoint() as endpoint, container_fleet(8, endpoint) as fleet:
        yield fleet


def fresh_org(env: LocalEnvironment) -> None:
    """A freshly seeded org (the same IDs every time) behind a cold container, the default secrets in place
    and the retry memory empty."""
    env.standin.reset()
    env.seed = env.standin.seed_demo()
    env.store_secret(env.client_credentials_secret())
    env.store_allowed_clients()
    empty_idempotency_table()
    cold_start()


@pytest.fixture
def org(_environment: LocalEnvironment, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalEnvironment]:
    """A freshly seeded org behind a cold container, with the default secret in place."""
    fresh_org(_environment)
    monkeypatch.setenv("TASK_OWNER_USER_ID", _environment.seed.owner_user_id)
    yield _environment
    _environment.standin.latency = 0
    cold_start()


@pytest.fixture
def aws_calls() -> Iterator[list[str]]:
    """The AWS operations the service calls during the test, seen through botocore's own event hook
    (clients made after the fixture's cold start inherit the default session's handlers)."""
    import boto3

    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = boto3._get_default_session().events
    events.register("before-call", record)
    try:
        yield calls
    finally:
        events.unregister("before-call", record)


@pytest.fixture
def service_logs() -> Iterator[io.StringIO]:
    """Everything the service logs (Powertools JSON lines and EMF metrics) during the test."""
    from handler.app import logger

    captured = io.StringIO()
    previous = logger.registered_handler.setStream(captured)
    try:
        yield captured
    finally:
        logger.registered_handler.setStream(previous)


def send(event: dict[str, Any], **invoke_options: Any) -> Answer:
    return as_answer(invoke(event, **invoke_options))


def as_answer(response: dict[str, Any]) -> Answer:
    """As a client sees it: API Gateway sends a REST answer's multiValueHeaders as headers too."""
    body = response.get("body")
    headers = {name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items() if values}
    headers |= response.get("headers") or {}
    return Answer(response["statusCode"], json.loads(body) if body else None, headers, body or "")


def post_session(body: Any = None, **event_options: Any) -> Answer:
    return send(rest_event(body, **event_options))


def session_body(env: LocalEnvironment, **fields: Any) -> dict[str, Any]:
    """The example session; a field set to ... is left out."""
    body = env.example_session() | fields
    return {key: value for key, value in body.items() if value is not ...}
