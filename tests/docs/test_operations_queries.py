"""docs/operations.md's Logs Insights queries find what they promise, in the logs the service really writes.

Each query block carries a comment naming the failures it is for (`<!-- query for: lost-answer, ... -->`);
each named failure is run through the handler (tests/docs/scenarios.py) and the query, evaluated over
the lines it logged (tests/docs/logs_insights.py), must return that request.
"""

import io
import re
from pathlib import Path

import pytest

from local.environment import LocalEnvironment
from tests.docs.logs_insights import events_from_lines, field_names, run
from tests.docs.scenarios import DEAD_CONTAINER_REPORT, SCENARIOS, Scenario, logged_by_every_scenario, ran

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
_BLOCK = re.compile(r"(?:<!-- query for: (?P<for>[^\n]*?) -->\n[ \t]*)?```[^\n]*\n(?P<query>.*?)```", re.DOTALL)
_COMMANDS = ("fields ", "filter ", "stats ", "sort ", "limit ")
PLACEHOLDER = '"<requestId from the error body>"'


def documented_queries() -> list[tuple[str, list[str]]]:
    """(query, the scenarios it is for) for every Logs Insights block of the document."""
    queries = []
    for block in _BLOCK.finditer(OPERATIONS.read_text()):
        query = block.group("query").strip()
        if not query.startswith(_COMMANDS):
            continue  # not a Logs Insights query (a shell command, a table)
        named = block.group("for")
        assert named, f"a query in docs/operations.md names no failure it is for:\n{query}"
        if named.startswith("every scenario"):
            scenarios = list(SCENARIOS)
        else:
            scenarios = [name.strip() for name in named.split(",")]
        unknown = set(scenarios) - set(SCENARIOS)
        assert not unknown, f"docs/operations.md names failures no test runs: {unknown}"
        queries.append((query, scenarios))
    return queries


QUERIES = documented_queries()
CASES = [(query, scenario) for query, scenarios in QUERIES for scenario in scenarios]


def test_the_document_has_the_queries_an_operator_needs_for_each_failure_kind() -> None:
    covered = {scenario for _, scenario in CASES}
    kinds = {"salesforce-refused", "salesforce-down", "lost-answer", "look-failed", "table-unavailable"}
    kinds |= {"dynamodb-throttled", "unexpected", "clients-unavailable", "conflict"}
    assert kinds | {"dead-container"} <= covered


@pytest.mark.parametrize(("query", "scenario_name"), CASES, ids=[f"{s}:{q.splitlines()[0][:40]}" for q, s in CASES])
def test_the_query_returns_the_request_of_the_failure_it_is_for(
    org: LocalEnvironment,
    service_logs: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    scenario_name: str,
) -> None:
    scenario = ran(scenario_name, org, service_logs, monkeypatch)
    query = query.replace(PLACEHOLDER, f'"{scenario.request_id}"')

    rows = run(query, events_from_lines(scenario.lines))

    assert returns(rows, scenario), f"{scenario_name}: the query returned {rows}"


def returns(rows: list[dict[str, object]], scenario: Scenario) -> bool:
    """A row naming the request; for `stats`, a count for a group that one of the request's lines falls in."""
    if any(row.get("@message") == DEAD_CONTAINER_REPORT for row in rows):  # a dead container: Lambda's line
        return DEAD_CONTAINER_REPORT in scenario.lines
    if any(row.get("correlation_id") == scenario.request_id for row in rows):
        return True
    own = [event for event in events_from_lines(scenario.lines) if event.get("correlation_id") == scenario.request_id]
    return any(
        int(str(row["count()"])) >= 1
        and any(all(event.get(key) == value for key, value in row.items() if key != "count()") for event in own)
        for row in rows
        if "count()" in row
    )


def test_every_field_a_query_reads_is_in_what_the_service_logs(
    org: LocalEnvironment, service_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged = {key for event in logged_by_every_scenario(org, service_logs, monkeypatch) for key in event}

    read = set().union(*(field_names(query) for query, _ in QUERIES))
    assert read - logged == set()
