"""Every answer that says "retry later" says when, in a Retry-After header (whole seconds), as HTTP clients read it."""

import json
import math
import time
from typing import Any

import pytest

from handler.problems import (
    OUTCOME_UNKNOWN_RETRY_SECONDS,
    STILL_IN_PROGRESS_RETRY_SECONDS,
    UNAVAILABLE_RETRY_SECONDS,
    retry_after_seconds,
)
from local.api_gateway_events import rest_event
from local.containers import ContainerFleet
from local.environment import LocalEnvironment
from local.lambda_runtime import invoke
from tests.conftest import session_body


def retry_after(response: dict[str, Any]) -> str | None:
    """The header as API Gateway would send it: REST answers carry headers in multiValueHeaders."""
    values = (response.get("multiValueHeaders") or {}).get("Retry-After") or []
    single = (response.get("headers") or {}).get("Retry-After")
    assert len(values) + (single is not None) <= 1, response
    return values[0] if values else single


def message(response: dict[str, Any]) -> str:
    return str(json.loads(response["body"])["message"])


def test_an_unavailable_retry_memory_503_asks_for_a_retry_in_5_seconds(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "no-such-table")

    answer = invoke(rest_event(session_body(org)))

    assert answer["statusCode"] == 503
    assert retry_after(answer) == str(UNAVAILABLE_RETRY_SECONDS) == "5"
    assert f"Retry in {UNAVAILABLE_RETRY_SECONDS} seconds" in message(answer)


def test_an_outcome_unknown_504_asks_for_the_same_request_in_2_seconds(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "0")
    org.standin.inject_fault("composite", status=504, body="<html>504</html>")  # lost, nothing committed

    answer = invoke(rest_event(session_body(org)))

    assert answer["statusCode"] == 504
    assert retry_after(answer) == str(OUTCOME_UNKNOWN_RETRY_SECONDS) == "2"


def test_a_repeat_while_the_lost_attempt_settles_waits_the_seconds_left_rounded_up(
    org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", "30")
    org.standin.inject_fault("composite", status=504, body="<html>504</html>")
    started = time.time()
    assert invoke(rest_event(session_body(org)))["statusCode"] == 504

    repeat = invoke(rest_event(session_body(org)))
    waited = time.time() - started  # at most this much of the 30 s has gone, however slow the machine

    assert repeat["statusCode"] == 409
    seconds = retry_after(repeat)
    assert seconds is not None
    assert max(1, math.floor(30 - waited)) <= int(seconds) <= 30
    assert f"retry in {seconds} seconds" in message(repeat)


@pytest.mark.parametrize(("seconds_left", "header"), [(29.01, 30), (1.0, 1), (0.2, 1), (0.0, 1), (-3.0, 1)])
def test_seconds_left_become_whole_seconds_rounded_up_and_never_below_1(seconds_left: float, header: int) -> None:
    """A client told to come back before the settle time ends would only get another 409."""
    assert retry_after_seconds(seconds_left) == header


def test_a_duplicate_while_the_first_is_still_running_is_a_409_with_retry_after(
    org: LocalEnvironment, containers: ContainerFleet
) -> None:
    org.standin.latency = 0.5  # the first holds its in-progress record for about a second
    events = [rest_event(session_body(org), headers={"Idempotency-Key": "retry-after-tap"}) for _ in range(8)]

    answers = containers.invoke_together(events)

    in_progress = [answer for answer in answers if answer["statusCode"] == 409]
    assert in_progress, [answer["statusCode"] for answer in answers]
    assert all(retry_after(answer) == str(STILL_IN_PROGRESS_RETRY_SECONDS) == "3" for answer in in_progress)
    assert all("still being processed" in message(answer) for answer in in_progress)


def test_answers_that_are_final_carry_no_retry_after(org: LocalEnvironment) -> None:
    created = invoke(rest_event(session_body(org), headers={"Idempotency-Key": "final"}))
    reused = invoke(rest_event(session_body(org, SessionTopic="Other"), headers={"Idempotency-Key": "final"}))
    invalid = invoke(rest_event({"SessionDate": "yesterday"}))
    too_large = invoke(rest_event(raw_body="x" * 70_000))

    assert [a["statusCode"] for a in (created, reused, invalid, too_large)] == [201, 422, 400, 413]
    assert all(retry_after(a) is None for a in (created, reused, invalid, too_large))


def test_the_openapi_document_declares_retry_after_on_each_retry_later_answer() -> None:
    from local.openapi import DOCUMENT

    responses = json.loads(DOCUMENT.read_text())["paths"]["/sessions"]["post"]["responses"]
    declared = {status for status, answer in responses.items() if "Retry-After" in answer.get("headers", {})}

    assert declared == {"409", "503", "504"}
