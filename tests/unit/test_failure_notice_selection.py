"""Which `request finished` lines become a failure notice (docs/operations.md, "Failure notices").

The lines are built as handler/app.py writes them; the subscription filter in template.yaml selects
the same ones before the notifier sees them.
"""

import json

import pytest

from failure_notices.burst_window import ToldTogether, kind_of
from failure_notices.failed_request import failed_request, needs_a_notice
from failure_notices.message import NEXT_STEPS, sns_message


def finished(outcome: int, **keys: object) -> dict[str, object]:
    return {"level": "INFO", "message": "request finished", "outcome": outcome, "correlation_id": "req-1", **keys}


@pytest.mark.parametrize(
    ("line", "told"),
    [
        (finished(201, session_id="a0S000000000001AAA"), False),
        (finished(400), False),
        (finished(401), False),
        (finished(409), False),  # the same key still in progress: the app's retry gets the answer
        (finished(409, needs_person=True, records=["a0S000000000001AAA"]), True),
        (finished(422), False),
        (finished(500, stage="attendance", salesforce_error_code="INVALID_FIELD", retryable=False), True),
        (finished(500), True),  # a bug: no stage, still told
        (finished(503), True),
        (finished(504, stage="session", salesforce_error_code="OUTCOME_UNKNOWN", retryable=True), True),
        ({"message": "Salesforce step failed", "outcome": 500}, False),  # the line that holds Salesforce's text
        ({"message": "request finished", "outcome": "error"}, False),
    ],
)
def test_each_answer_of_500_or_more_and_each_409_that_needs_a_person_is_told(
    line: dict[str, object], told: bool
) -> None:
    assert needs_a_notice(line) is told


def test_a_notice_keeps_only_its_allow_listed_keys() -> None:
    line = finished(
        500,
        stage="attendance",
        salesforce_error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
        retryable=False,
        team_season_id="a0q000000000001AAA",
        coach_id="003000000000001AAA",
        salesforce_errors=["Ana Diaz is not active"],  # as a line could carry Salesforce's text
        client_id="coach-app",
    )

    failure = failed_request(line, timestamp_ms=1_796_000_000_000)

    assert "Ana Diaz" not in repr(failure)
    assert (failure.request_id, failure.at) == ("req-1", "2026-11-30T00:53:20+00:00")
    assert (failure.team_season_id, failure.coach_id, failure.retryable) == (
        "a0q000000000001AAA",
        "003000000000001AAA",
        False,
    )


@pytest.mark.parametrize(
    "line",
    [
        finished(409, needs_person=True, records=["a0S000000000001AAA"]),
        finished(504, stage="session", salesforce_error_code="OUTCOME_UNKNOWN", retryable=True),
        finished(503, stage="repeat", salesforce_error_code="HTTP_503", retryable=True),
        finished(503),
        finished(500, stage="attendance", salesforce_error_code="INVALID_FIELD", retryable=False),
        finished(500),
    ],
    ids=lambda line: f"{line['outcome']}-{line.get('stage', 'none')}",
)
def test_every_kind_of_failure_is_told_with_what_to_do_next(line: dict[str, object]) -> None:
    failure = failed_request(line, timestamp_ms=1_796_000_000_000)
    told = ToldTogether(failures=(failure,), count=1, kinds=(kind_of(failure),))

    message = json.loads(sns_message(told, "prod")["Message"])

    steps = json.loads(message["default"])["content"]["nextSteps"]
    assert steps[0] == NEXT_STEPS[failure.kind]
    assert NEXT_STEPS[failure.kind] in message["email"]


def test_every_next_step_is_for_a_kind_of_failure_the_service_answers() -> None:
    answered = {failed_request(finished(outcome, stage=stage), 0).kind for outcome, stage in KINDS_OF_ANSWERS}
    answered.add(failed_request(finished(500, salesforce_error_code="INVALID_FIELD"), 0).kind)
    assert set(NEXT_STEPS) == answered


KINDS_OF_ANSWERS = [(409, None), (504, "session"), (503, "repeat"), (503, None), (500, None)]
