"""Opt-in: the handler against a real Salesforce org (a sandbox), skipped without credentials.

    LIVE_SALESFORCE_SECRET='{"auth_flow": "client_credentials", ...}' \\
    LIVE_TEAM_SEASON_ID=a0N... LIVE_COACH_ID=003... .venv/bin/pytest -m live tests/live

The secret goes into moto's Secrets Manager, exactly as the service reads it in AWS. What the test
creates (a session, its task and attendance rows) is deleted again at the end.
"""

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.api_gateway_events import rest_event
from local.environment import REGION, SERVICE_ENVIRONMENT
from local.lambda_runtime import cold_start, invoke

SECRET = os.environ.get("LIVE_SALESFORCE_SECRET")
TEAM_SEASON = os.environ.get("LIVE_TEAM_SEASON_ID")
COACH = os.environ.get("LIVE_COACH_ID")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not (SECRET and TEAM_SEASON), reason="set LIVE_SALESFORCE_SECRET and LIVE_TEAM_SEASON_ID"),
]


@pytest.fixture
def real_org(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in SERVICE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "")
    monkeypatch.setenv("API_CLIENTS_SECRET_ID", "")  # the org is under test here, not the apps' client check
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    with mock_aws():
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=SERVICE_ENVIRONMENT["SALESFORCE_SECRET_ID"], SecretString=str(SECRET)
        )
        cold_start()
        yield
        cold_start()


def delete_created(body: dict[str, Any]) -> None:
    """Remove what the test made, with a token of its own (the service has no delete path)."""
    from handler.app import salesforce_gateway

    client = salesforce_gateway()._salesforce()
    for attendance in body.get("Attendances", []):
        client.restful(f"sobjects/Attendance__c/{attendance['AttendanceId']}", method="DELETE")
    if body.get("TaskId"):
        client.restful(f"sobjects/SCORES_Task__c/{body['TaskId']}", method="DELETE")
    client.restful(f"sobjects/Session__c/{body['SessionId']}", method="DELETE")


def assert_rows_carry_the_external_id(body: dict[str, Any]) -> None:
    """The composite puts the new session's ID inside a longer value ("{contact}-@{session.id}"):
    only a real org shows that Salesforce fills it in there, as later attendance syncs rely on."""
    from handler.app import salesforce_gateway

    client = salesforce_gateway()._salesforce()
    for attendance in body["Attendances"]:
        row = client.restful(f"sobjects/Attendance__c/{attendance['AttendanceId']}")
        assert row["ExternalId__c"] == f"{row['Contact__c']}-{body['SessionId']}", row


@pytest.mark.usefixtures("real_org")
def test_a_session_with_its_task_lands_in_the_real_org() -> None:
    body = {"TeamSeasonId": TEAM_SEASON, "SessionDate": "2025-05-21", "SessionTopic": "Live test, delete me"}
    if COACH:
        body["CoachId"] = COACH

    response = invoke(rest_event(body))
    answer = json.loads(response["body"])
    try:
        assert response["statusCode"] == 201, answer
        assert len(answer["SessionId"]) == 18
        assert (answer["TaskId"] is not None) == bool(COACH)
        assert_rows_carry_the_external_id(answer)
    finally:
        if response["statusCode"] == 201:
            delete_created(answer)
