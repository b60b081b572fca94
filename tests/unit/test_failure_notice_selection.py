"""Which `request finished` lines become a failure notice (docs/operations.md, "Failure notices").

The lines are built as handler/app.py writes them; the subscription filter in template.yaml selects
the same ones before the notifier sees them.
"""

import pytest

from failure_notices.failed_request import failed_request, needs_a_notice


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
