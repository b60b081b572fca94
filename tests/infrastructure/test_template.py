"""What template.yaml promises an operator: least privilege, safe parameters, timeouts inside API Gateway's."""

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from session_scheduling.settings import ServiceSettings
from tests.infrastructure.sam_deployments import source_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
API_GATEWAY_TIMEOUT_SECONDS = 29


@pytest.fixture(scope="module")
def template() -> Any:
    return source_template()


def test_the_function_may_read_only_its_secret_and_touch_only_its_tables_items(template: Any) -> None:
    [policy] = template["Resources"]["SessionsFunction"]["Properties"]["Policies"]
    grants = {statement["Sid"]: statement for statement in map(in_client_id_mode, policy["Statement"])}

    assert grants["ReadTheSalesforceSecret"]["Action"] == "secretsmanager:GetSecretValue"
    assert grants["ReadTheSalesforceSecret"]["Resource"] == {"Ref": "SalesforceSecretArn"}
    assert sorted(grants["RememberRequests"]["Action"]) == [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert grants["RememberRequests"]["Resource"] == {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}
    assert grants["FindAnsweredSessions"]["Action"] == "dynamodb:Query"  # on the index alone, not the table
    assert grants["FindAnsweredSessions"]["Resource"] == {"Fn::Sub": "${IdempotencyTable.Arn}/index/answered-session"}
    assert grants["ReadTheAllowedClients"]["Action"] == "secretsmanager:GetSecretValue"
    assert grants["ReadTheAllowedClients"]["Resource"] == {"Ref": "ApiClientsSecret"}
    assert all(statement["Effect"] == "Allow" and "*" not in str(statement) for statement in grants.values())


def in_client_id_mode(value: Any) -> Any:
    """A statement as deployed with AuthMode CLIENT_ID (the default): the UseClientId branch of an Fn::If."""
    if isinstance(value, dict) and list(value) == ["Fn::If"] and value["Fn::If"][0] == "UseClientId":
        return value["Fn::If"][1]
    return value


def test_client_id_is_the_default_auth_mode_and_only_it_lets_the_function_read_the_allowed_clients(
    template: Any,
) -> None:
    assert template["Parameters"]["AuthMode"]["Default"] == "CLIENT_ID"
    variables = template["Resources"]["SessionsFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["API_CLIENTS_SECRET_ID"] == {"Fn::If": ["UseClientId", {"Ref": "ApiClientsSecret"}, ""]}
    [policy] = template["Resources"]["SessionsFunction"]["Properties"]["Policies"]
    [conditional] = [statement for statement in policy["Statement"] if "Fn::If" in statement]
    assert conditional["Fn::If"][0] == "UseClientId"
    assert conditional["Fn::If"][2] == {"Ref": "AWS::NoValue"}


def test_the_allowed_clients_secret_starts_empty_and_no_pair_is_in_the_template(template: Any) -> None:
    secret = template["Resources"]["ApiClientsSecret"]
    assert secret["Condition"] == "UseClientId"
    assert secret["Properties"]["SecretString"] == '{"clients": {}}'


def test_post_sessions_has_no_gateway_authorization_only_in_client_id_mode(template: Any) -> None:
    post = template["Resources"]["SessionsApi"]["Properties"]["DefinitionBody"]["paths"]["/sessions"]["post"]
    assert post["security"] == {"Fn::If": ["UseIam", [{"sigv4": []}], {"Fn::If": ["UseApiKey", [{"api_key": []}], []]}]}


def test_with_a_legacy_url_every_other_method_and_path_is_forwarded_to_it(template: Any) -> None:
    paths = template["Resources"]["SessionsApi"]["Properties"]["DefinitionBody"]["paths"]
    condition, other_methods, off = paths["/sessions"]["x-amazon-apigateway-any-method"]["Fn::If"]
    assert (condition, off) == ("HasLegacyApi", {"Ref": "AWS::NoValue"})
    assert other_methods["x-amazon-apigateway-integration"]["type"] == "http_proxy"
    assert other_methods["x-amazon-apigateway-integration"]["uri"] == {"Fn::Sub": "${LegacyApiBaseUrl}/sessions"}
    condition, other_paths, off = paths["/{proxy+}"]["Fn::If"]
    assert (condition, off) == ("HasLegacyApi", {"Ref": "AWS::NoValue"})
    integration = other_paths["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert (integration["type"], integration["httpMethod"]) == ("http_proxy", "ANY")
    assert integration["uri"] == {"Fn::Sub": "${LegacyApiBaseUrl}/{proxy}"}
    assert integration["requestParameters"] == {"integration.request.path.proxy": "method.request.path.proxy"}
    assert paths["/sessions"]["post"]["x-amazon-apigateway-integration"]["type"] == "aws_proxy"


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("", True),
        ("https://salesforce-data-api-proxy-prod.us-e2.cloudhub.io/api", True),
        ("https://salesforce-data-api-proxy-prod.us-e2.cloudhub.io/api/", False),
        ("http://salesforce-data-api-proxy-prod.us-e2.cloudhub.io/api", False),
    ],
)
def test_the_legacy_url_is_https_without_a_trailing_slash(template: Any, url: str, accepted: bool) -> None:
    assert bool(re.fullmatch(template["Parameters"]["LegacyApiBaseUrl"]["AllowedPattern"], url)) is accepted


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


def test_snapstart_is_an_option_on_published_versions_and_the_api_calls_the_alias(template: Any) -> None:
    function = template["Resources"]["SessionsFunction"]["Properties"]
    assert template["Parameters"]["SnapStart"]["AllowedValues"] == ["Enabled", "Disabled"]
    assert function["AutoPublishAlias"] == "live"
    assert function["SnapStart"] == {"ApplyOn": {"Fn::If": ["UseSnapStart", "PublishedVersions", "None"]}}
    post = template["Resources"]["SessionsApi"]["Properties"]["DefinitionBody"]["paths"]["/sessions"]["post"]
    assert "${SessionsFunctionAliaslive}" in post["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
    assert template["Resources"]["ApiInvokesFunction"]["Properties"]["FunctionName"] == {
        "Ref": "SessionsFunction.Alias"
    }


@pytest.mark.parametrize(("environment", "snapstart"), [("dev", "Disabled"), ("prod", "Enabled")])
def test_samconfig_chooses_snapstart_per_environment(environment: str, snapstart: str) -> None:
    config = tomllib.loads((TEMPLATE.parent / "samconfig.toml").read_text())
    overrides = config[environment]["deploy"]["parameters"]["parameter_overrides"].split()
    assert f"SnapStart={snapstart}" in overrides


def test_the_memory_size_is_one_full_vcpu(template: Any) -> None:
    """Chosen from make bench's cold requests under Lambda's CPU share (docs/performance.md)."""
    assert template["Globals"]["Function"]["MemorySize"] == 1769


def test_logs_are_kept_30_days_by_default_in_both_log_groups(template: Any) -> None:
    """docs/privacy.md: logs hold record IDs and coaches' IP addresses, no names."""
    resources = template["Resources"]
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
    for group in ("FunctionLogGroup", "ApiAccessLogGroup"):
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_retry_table_is_encrypted_expires_its_items_and_keeps_no_backups(template: Any) -> None:
    table = template["Resources"]["IdempotencyTable"]["Properties"]
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": False}


def test_the_access_log_holds_no_body_query_or_header_value(template: Any) -> None:
    log_format = template["Resources"]["SessionsApi"]["Properties"]["AccessLogSetting"]["Format"]
    fields = set(re.findall(r"\$context\.([\w.]+)", log_format))
    assert fields == {
        "requestId",
        "identity.sourceIp",
        "httpMethod",
        "resourcePath",
        "status",
        "responseLatency",
        "integration.latency",
        "identity.apiKeyId",
        "identity.userAgent",
    }
