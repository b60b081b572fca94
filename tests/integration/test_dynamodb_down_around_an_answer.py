"""Exactly once when DynamoDB is down around an answer: the answer's write fails after Salesforce committed,
or the repeat's look fails and putting its marker back fails too. A container process behind the soak's
DynamoDB fault proxy (local/chaos/dynamodb_proxy.py), as in test_killed_containers.py.
"""

from local.api_gateway_events import rest_event
from local.chaos.dynamodb_proxy import DynamoDBProxy
from local.containers import ContainerProcess
from local.environment import LocalEnvironment
from tests.conftest import as_answer, session_body
from tests.integration.dead_containers import (
    KEYED,
    LAMBDA_TIMEOUT,
    answered_with_the_one_bundle,
    past_the_cold_start,
    repeat_until_answered,
)
from tests.integration.test_lost_answers import (
    ONE_BUNDLE,
    RECONCILING_QUERY,
    described,
    lose_the_answer_after_commit,
    the_bundle_in,
)

DOWN = float("inf")  # an outage lasts until the test ends it, however long the invocation takes


@KEYED
def test_a_create_whose_answer_dynamodb_would_not_take_answers_201_and_its_repeat_finds_the_same_bundle(
    org: LocalEnvironment, container_endpoint: str, keyed: bool
) -> None:
    """Salesforce committed; then DynamoDB is down when the answer is written down. Not a 503 "nothing was
    created": the 201, and the in-progress marker left behind makes the repeat find the records."""
    event = rest_event(session_body(org), headers={"Idempotency-Key": "unwritten-1"} if keyed else {})
    with DynamoDBProxy(container_endpoint) as proxy:
        container = ContainerProcess(proxy.url, timeout_seconds=LAMBDA_TIMEOUT)
        try:
            # DynamoDB goes down once Salesforce committed, until the create has answered: the answer's write fails.
            org.standin.inject_fault("composite", after_commit=True, notify=lambda _: proxy.trouble.outage(DOWN, 0))
            first = past_the_cold_start(container, event)
            proxy.trouble.end_outage()
            failed_writes = proxy.trouble.answered["outage_500"]
            repeat = repeat_until_answered(container, event)
        finally:
            container.stop()

    assert failed_writes >= 1  # the answer's write did fail
    assert (first.status, repeat.status) == (201, 201), (first.body, repeat.body)
    assert org.standin.record_count() == ONE_BUNDLE
    assert described(first) == described(repeat) == the_bundle_in(org)


def test_a_repeat_whose_look_fails_while_dynamodb_is_down_is_a_504_and_the_next_repeat_finds_the_bundle(
    org: LocalEnvironment, container_endpoint: str
) -> None:
    """Found by the one-hour soak: putting the marker back failed too, and the answer was an unexpected 500."""
    event = rest_event(session_body(org), headers={"Idempotency-Key": "look-failed-1"})
    with DynamoDBProxy(container_endpoint) as proxy:
        container = ContainerProcess(proxy.url, timeout_seconds=LAMBDA_TIMEOUT)
        try:
            lose_the_answer_after_commit(org)
            assert past_the_cold_start(container, event).status == 504  # committed, its answer lost
            org.standin.inject_fault(
                "query",
                status=503,
                body="<html>busy</html>",
                when=RECONCILING_QUERY,
                notify=lambda _: proxy.trouble.outage(DOWN, 0),  # the repeat claimed; now DynamoDB goes down
            )
            failed_look = as_answer(container.invoke(event))
            proxy.trouble.end_outage()
            failed_put_backs = proxy.trouble.answered["outage_500"]
            found = repeat_until_answered(container, event)
        finally:
            container.stop()

    assert failed_put_backs >= 1  # putting the marker back did fail
    assert (failed_look.status, failed_look.body["retryable"]) == (504, True)
    assert "Retry-After" in failed_look.headers
    answered_with_the_one_bundle(org, found)
