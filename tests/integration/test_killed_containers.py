"""Exactly once when a container dies mid-request: SIGKILL, not an exception, so no except or finally runs.

Each test runs the handler in fresh interpreters (local.containers.ContainerProcess) that share the
moto server's DynamoDB and the Salesforce stand-in, kills one at a chosen instant, and has a new
container repeat the request as the app would, until it is no longer told to wait.
"""

import threading
from collections.abc import Callable, Iterator

import pytest

from local.api_gateway_events import rest_event
from local.containers import ContainerProcess
from local.environment import LocalEnvironment
from tests.conftest import post_session, session_body
from tests.integration.dead_containers import (
    KEYED,
    LAMBDA_TIMEOUT,
    answered_with_the_one_bundle,
    repeat_until_answered,
    send_until,
)
from tests.integration.test_lost_answers import NOTHING, ONE_BUNDLE, RECONCILING_QUERY, lose_the_answer_after_commit


@pytest.fixture
def containers(container_endpoint: str) -> Iterator[Callable[[], ContainerProcess]]:
    """New containers on demand; every one is gone after the test."""
    started: list[ContainerProcess] = []

    def new_container() -> ContainerProcess:
        started.append(ContainerProcess(container_endpoint, timeout_seconds=LAMBDA_TIMEOUT))
        return started[-1]

    yield new_container
    for container in started:
        container.stop()


@KEYED
def test_a_container_killed_after_salesforce_committed_leaves_one_bundle_that_the_retry_answers_with(
    org: LocalEnvironment, containers: Callable[[], ContainerProcess], keyed: bool
) -> None:
    event = rest_event(session_body(org), headers={"Idempotency-Key": "killed-1"} if keyed else {})
    org.standin.inject_fault("composite", after_commit=True, delay=15, status=504, body="<html>504</html>")
    first = containers()

    send_until(first, event, lambda: org.standin.record_count() == ONE_BUNDLE)  # committed; its answer held back
    first.kill()
    retry = repeat_until_answered(containers(), event)

    answered_with_the_one_bundle(org, retry)


@KEYED
def test_a_container_killed_before_salesforce_committed_is_created_once_by_the_retry(
    org: LocalEnvironment, containers: Callable[[], ContainerProcess], keyed: bool
) -> None:
    event = rest_event(session_body(org), headers={"Idempotency-Key": "killed-2"} if keyed else {})
    held = threading.Event()  # the composite is held, then dropped: never carried out
    org.standin.inject_fault("composite", delay=15, drop_connection=True, notify=lambda _: held.set())
    first = containers()

    send_until(
        first, event, held.is_set
    )  # well into the invocation: the token, the enrollment query, the composite sent
    first.kill()
    assert org.standin.record_count() == NOTHING
    retry = repeat_until_answered(containers(), event)

    answered_with_the_one_bundle(org, retry)


@KEYED
def test_a_repeat_killed_while_it_looks_for_a_lost_answer_leaves_the_next_repeat_to_find_it(
    org: LocalEnvironment, containers: Callable[[], ContainerProcess], keyed: bool
) -> None:
    headers = {"Idempotency-Key": "killed-3"} if keyed else {}
    lose_the_answer_after_commit(org)
    assert post_session(session_body(org), headers=headers).status == 504  # committed, answer lost
    event = rest_event(session_body(org), headers=headers)
    looking_now = threading.Event()
    org.standin.inject_fault("query", delay=15, when=RECONCILING_QUERY, notify=lambda _: looking_now.set())  # hangs
    looking = containers()

    send_until(looking, event, looking_now.is_set)  # it claimed the lost answer and its look reached Salesforce
    looking.kill()
    retry = repeat_until_answered(containers(), event)

    answered_with_the_one_bundle(org, retry)
