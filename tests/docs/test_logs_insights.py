"""The evaluator the operations queries are run with is no looser than Logs Insights: what a real query
would miss, it misses too (a missing field, a string for a number, an unflattened array)."""

import json

import pytest

from tests.docs.logs_insights import UnsupportedQuery, events_from_lines, field_names, run

LINES = [
    json.dumps({"message": "request finished", "outcome": 504, "correlation_id": "a", "timestamp": "2026-12-07 01:00"}),
    json.dumps(
        {"message": "looked", "reconciliation": ["failed"], "correlation_id": "a", "timestamp": "2026-12-07 01:01"}
    ),
    json.dumps({"message": "request finished", "outcome": 201, "correlation_id": "b", "timestamp": "2026-12-07 01:02"}),
    json.dumps({"message": "x", "errors": [{"code": "C", "fields": ["F"]}], "correlation_id": "c", "timestamp": "t"}),
    "REPORT RequestId: r1\tDuration: 28000.00 ms\tStatus: timeout",
]
EVENTS = events_from_lines(LINES)


def ids(rows: list[dict[str, object]]) -> list[object]:
    return [row.get("correlation_id") for row in rows]


def test_nested_keys_and_arrays_are_flattened_with_dots_and_the_array_itself_is_not_a_field() -> None:
    assert ids(run("filter ispresent(reconciliation.0)", EVENTS)) == ["a"]
    assert ids(run("filter ispresent(reconciliation)", EVENTS)) == []
    assert ids(run('filter errors.0.fields.0 = "F"', EVENTS)) == ["c"]


def test_a_missing_field_fails_every_comparison_not_equal_included() -> None:
    assert ids(run('filter outcome != 201 and message = "request finished"', EVENTS)) == ["a"]
    assert "c" not in ids(run("filter outcome != 201", EVENTS))


def test_numbers_match_numbers_and_strings_strings() -> None:
    assert ids(run('filter outcome = "504"', EVENTS)) == []
    assert ids(run("filter outcome >= 500", EVENTS)) == ["a"]
    assert ids(run("filter outcome in [201, 504]", EVENTS)) == ["a", "b"]


def test_like_takes_a_substring_or_a_regex_and_at_message_is_the_raw_line() -> None:
    assert len(run("filter @message like /Status: (timeout|error)/", EVENTS)) == 1
    assert len(run('filter @message like "Status: timeout"', EVENTS)) == 1
    assert len(run('filter message like "finished"', EVENTS)) == 2


def test_fields_keeps_only_what_it_names_so_a_later_filter_on_another_field_finds_nothing() -> None:
    assert run("fields correlation_id | filter outcome = 504", EVENTS) == []
    assert ids(run("filter outcome = 504 | fields correlation_id", EVENTS)) == ["a"]


def test_stats_counts_by_group_and_sort_and_limit_order_and_cut() -> None:
    assert run('filter message = "request finished" | stats count() by outcome', EVENTS) == [
        {"outcome": 504, "count()": 1},
        {"outcome": 201, "count()": 1},
    ]
    rows = run('filter message = "request finished" | sort @timestamp desc | limit 1', EVENTS)
    assert ids(rows) == ["b"]


def test_or_and_not_and_parentheses() -> None:
    assert ids(run('filter (outcome = 504 or outcome = 201) and not correlation_id = "b"', EVENTS)) == ["a"]


@pytest.mark.parametrize("query", ["parse @message 'x'", "filter outcome ~ 1", "stats avg(outcome)", "filter f(x)"])
def test_what_the_evaluator_does_not_implement_is_refused_not_guessed(query: str) -> None:
    with pytest.raises(UnsupportedQuery):
        run(query, EVENTS)


def test_field_names_are_what_the_query_reads() -> None:
    query = 'filter ispresent(reconciliation.0) or message = "x" | fields @timestamp, outcome | sort @timestamp desc'
    assert field_names(query) == {"reconciliation.0", "message", "outcome"}
