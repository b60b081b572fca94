"""What the tests of dead containers share: the Lambda timeout their containers run with, the app's retry
loop, and what the coach and the org must see at the end (test_killed_containers.py,
test_dynamodb_down_around_an_answer.py: two files, so that pytest's workers wait for them side by side).
"""

import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import pytest

from local.containers import ContainerProcess
from local.environment import LocalEnvironment
from tests.conftest import Answer, as_answer
from tests.integration.test_lost_answers import ONE_BUNDLE, described, the_bundle_in

LAMBDA_TIMEOUT = 6.0  # a dead attempt's in-progress record lasts this long
KEYED = pytest.mark.parametrize("keyed", [True, False], ids=["same-key", "no-key-identical-body"])


def send_until(container: ContainerProcess, event: dict[str, Any], moment: Callable[[], bool], tries: int = 30) -> None:
    """Sends the event until the invocation reaches the moment the test kills it at.

    On a busy machine a cold container may spend its short Lambda time before that moment and answer
    first (a retryable 500 "no time left to call Salesforce", a 503, 504 or 409: nothing created, come
    back): the app would send it again, so does this.
    """
    for _ in range(tries):
        container.send(event)
        while not moment():
            with suppress(TimeoutError):
                answer = as_answer(container.answer(timeout=0.05))
                come_back = answer.status in (409, 503, 504) or (answer.status == 500 and answer.body["retryable"])
                assert come_back, answer.body
                time.sleep(min(float(answer.headers.get("Retry-After", 0.5)), 2.0))
                break
        else:
            return
    raise AssertionError(f"the invocation did not reach the moment in {tries} tries")


def past_the_cold_start(container: ContainerProcess, event: dict[str, Any], tries: int = 10) -> Answer:
    """The first answer that is not "no time left": on a busy machine a cold container can spend its short
    Lambda time before the token and answer a retryable 500 TIMEOUT with nothing created; the app sends again."""
    for _ in range(tries):
        answer = as_answer(container.invoke(event))
        if not (answer.status == 500 and answer.body["retryable"] and "TIMEOUT" in answer.body["errorType"]):
            return answer
    raise AssertionError(f"no time left in {tries} tries")


def repeat_until_answered(container: ContainerProcess, event: dict[str, Any], seconds: float = 300.0) -> Answer:
    """The app's retry loop: a 409, 503 or 504 says to come back (after Retry-After, when given).

    The seconds are a cap for a retry that is never answered, not a speed the test expects.
    """
    deadline = time.monotonic() + seconds
    while True:
        answer = as_answer(container.invoke(event))
        if answer.status not in (409, 503, 504) or time.monotonic() > deadline:
            return answer
        time.sleep(min(float(answer.headers.get("Retry-After", 0.5)), 2.0))


def answered_with_the_one_bundle(org: LocalEnvironment, answer: Answer) -> None:
    """What the coach and the org see: a 201 naming exactly the one bundle there is."""
    assert answer.status == 201, answer.body
    assert org.standin.record_count() == ONE_BUNDLE
    assert described(answer) == the_bundle_in(org)
