"""Tracing without the X-Ray SDK (issue 24): X-Ray stays on, and Salesforce call latency by kind is on the
dashboard with an alarm for each call a request makes, so that an operator can tell which call is slow."""

import json
from typing import Any

import pytest

from tests.infrastructure.sam_deployments import source_template

# The Salesforce calls of a request (lib/session_scheduling/salesforce/gateway.py): the token on a cold
# start, the enrollment query with a task, the composite create. Reconciliation calls are rare: dashboard only.
REQUEST_PATH_CALLS = {"token", "query", "composite"}


@pytest.fixture(scope="module")
def template() -> Any:
    return source_template()


def test_lambda_and_api_gateway_keep_active_tracing_which_needs_no_sdk(template: Any) -> None:
    assert template["Globals"]["Function"]["Tracing"] == "Active"
    assert template["Resources"]["SessionsApi"]["Properties"]["TracingEnabled"] is True


def test_the_dashboard_shows_salesforce_call_latency_by_kind_at_p50_and_p99(template: Any) -> None:
    body = json.loads(template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])
    expressions = [
        line[0]["expression"]
        for widget in body["widgets"]
        for line in widget["properties"]["metrics"]
        if isinstance(line[0], dict) and "SalesforceCallDuration" in line[0]["expression"]
    ]
    assert len(expressions) == 2
    assert all("{CoachingPlatform,call,service}" in expression for expression in expressions)  # by kind
    assert {expression.split("', '")[1].split("'")[0] for expression in expressions} == {"p50", "p99"}


def test_each_salesforce_call_of_a_request_has_a_latency_alarm_that_names_it(template: Any) -> None:
    alarms = {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and resource["Properties"].get("MetricName") == "SalesforceCallDuration"
    }
    kinds = {}
    for name, alarm in alarms.items():
        dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        assert dimensions["service"] == "sessions"
        assert (alarm["Namespace"], alarm["ExtendedStatistic"]) == ("CoachingPlatform", "p99")
        assert alarm["Threshold"] < 8000  # below the read timeout: a slow call alarms before it fails
        kinds[dimensions["call"]] = name
    assert set(kinds) == REQUEST_PATH_CALLS
    assert all(kind.capitalize() in name for kind, name in kinds.items())
