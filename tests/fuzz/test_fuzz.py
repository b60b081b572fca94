"""Fuzzed requests through the real handler (in-process, against the stand-in and moto): never an answer
>= 500, never a record made by a 4xx, and every 2xx made exactly one session.

`make fuzz` runs FUZZ_REQUESTS (default 10,000) and prints one summary line; the suite runs 300 of the
same generators so that they stay tested.
"""

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from local.api_gateway_events import rest_event
from local.environment import LocalEnvironment
from local.lambda_runtime import invoke
from tests.fuzz.drafts import DRAFTS
from tests.fuzz.requests import Draft, Seed, event
from tests.fuzz.tally import FuzzTally, records_created

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def fuzz(org: LocalEnvironment, requests: int) -> FuzzTally:
    """`requests` in all, an equal share for each kind of confusion."""
    seed = Seed(org.seed.team_season_id, org.seed.coach_id)
    tally = FuzzTally()

    def one_request(draft: Draft) -> None:
        before = org.standin.record_count()
        try:
            response = invoke(event(draft, seed, tally.requests))
        except Exception as crash:  # a crash is a finding, counted as the 502 it would be
            response = crash
        tally.record(draft, response, records_created(before, org.standin.record_count()))

    for share, drafts in zip(_shares(requests, len(DRAFTS)), DRAFTS.values(), strict=True):
        run = settings(
            max_examples=share,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],  # failures are collected, not raised: the run's figures stay whole
            suppress_health_check=list(HealthCheck),
        )(given(drafts)(one_request))
        run()
    return tally


def _shares(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


def assert_clean(tally: FuzzTally, requests: int) -> None:
    assert tally.failures == [], "\n".join([tally.summary(), *tally.failures[:20]])
    assert tally.requests >= requests, tally.summary()
    assert tally.five_hundreds == tally.created_by_4xx == 0


def test_300_fuzzed_requests_get_no_5xx_and_no_4xx_creates_anything(org: LocalEnvironment) -> None:
    tally = fuzz(org, 300)

    assert_clean(tally, 300)
    assert {"body", "encoding", "header", "query", "field", "openapi", "mixed", "none"} <= set(tally.kinds)
    assert tally.created_sessions > 0


def test_a_header_sent_twice_reaches_the_function_as_api_gateway_hands_it_over() -> None:
    """The last value in headers, all of them in multiValueHeaders."""
    event = rest_event({}, headers={"client_secret": ["wrong", "coach-app-demo-secret-do-not-use"]})

    assert event["headers"]["client_secret"] == "coach-app-demo-secret-do-not-use"
    assert event["multiValueHeaders"]["client_secret"] == ["wrong", "coach-app-demo-secret-do-not-use"]


@pytest.mark.fuzz
def test_fuzz_requests_from_the_environment(org: LocalEnvironment, capsys: pytest.CaptureFixture[str]) -> None:
    requests = int(os.environ.get("FUZZ_REQUESTS", "10000"))

    tally = fuzz(org, requests)

    with capsys.disabled():
        print("\n" + tally.summary())
    assert_clean(tally, requests)
