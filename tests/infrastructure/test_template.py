"""What template.yaml promises an operator: least privilege, safe parameters, timeouts inside API Gateway's."""

import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from session_scheduling.settings import ServiceSettings

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
API_GATEWAY_TIMEOUT_SECONDS = 29


@pytest.fixture(scope="module")
def template() -> Any:
    document, problems = decode(str(TEMPLATE))
    assert not problems
    return document


def test_the_function_may_read_only_its_secret_and_touch_only_its_tables_items(template: Any) -> None:
    [policy] = template["Resources"]["SessionsFunction"]["Properties"]["Policies"]
    grants = {statement["Sid"]: statement for statement in policy["Statement"]}

    assert grants["ReadTheSalesforceSecret"]["Action"] == "secretsmanager:GetSecretValue"
    assert grants["ReadTheSalesforceSecret"]["Resource"] == {"Ref": "SalesforceSecretArn"}
    assert sorted(grants["RememberRequests"]["Action"]) == [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert grants["RememberRequests"]["Resource"] == {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}
    assert all(statement["Effect"] == "Allow" and "*" not in str(statement) for statement in grants.values())


@pytest.mark.parametrize(
    ("arn", "accepted"),
    [
        ("arn:aws:secretsmanager:us-west-2:111122223333:secret:coaching/salesforce-prod-AbCdEf", True),
        ("arn:aws:secretsmanager:us-west-2:111122223333:secret:coaching/salesforce-prod", False),
        ("coaching/salesforce-prod", False),
    ],
)
def test_only_a_complete_secret_arn_is_accepted_because_iam_matches_the_complete_one(
    template: Any, arn: str, accepted: bool
) -> None:
    pattern = template["Parameters"]["SalesforceSecretArn"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, arn)) is accepted


def test_reserved_concurrency_zero_reserves_nothing_rather_than_throttling_everything(template: Any) -> None:
    function = template["Resources"]["SessionsFunction"]["Properties"]
    assert template["Conditions"]["ReservesConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, 0]}]
    }
    assert function["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ReservesConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }


def test_the_lambda_timeout_fits_a_warm_requests_two_slowest_calls_and_ends_before_api_gateway_gives_up(
    template: Any,
) -> None:
    """Longer chains (a token, a renewal) are cut to the time left by the gateway; see test_fault_matrix."""
    defaults = ServiceSettings.model_validate({"SALESFORCE_SECRET_ID": "x"})
    one_call = defaults.connect_timeout_seconds + defaults.read_timeout_seconds
    timeout = template["Globals"]["Function"]["Timeout"]
    assert 2 * one_call < timeout < API_GATEWAY_TIMEOUT_SECONDS


def test_the_shared_api_gateway_logging_role_outlives_the_stack(template: Any) -> None:
    role = template["Resources"]["ApiGatewayLoggingRole"]
    assert (role["DeletionPolicy"], role["UpdateReplacePolicy"]) == ("Retain", "Retain")
