"""What CloudFormation creates from template.yaml after SAM's transform, for every deployment we support.

SAM's transform runs as CloudFormation runs it, with the deployment's parameter values (the SAM CLI's
aws-sam-translator, in .venv-sam); conditions and AWS::NoValue are then resolved as CloudFormation
would. What only a real deploy can show is listed in docs/deploy.md ("What the template tests prove").
"""

from typing import Any

import pytest
from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER
from openapi_spec_validator.validation.validators import OpenAPIV2SpecValidator

from failure_notices.entry import STALE_MARGIN_SECONDS
from tests.infrastructure.cloudformation import DeployedTemplate
from tests.infrastructure.sam_deployments import (
    LEGACY_URL,
    OTHER_VALUES,
    SAM_PYTHON,
    SLACK,
    Deployment,
    baseline,
    combinations,
    failure_notices,
    longest_values,
    new_code,
    one_parameter_changed,
    samconfig_environments,
    translate,
)

COMBINATIONS = combinations()
SUPPORTED = COMBINATIONS + samconfig_environments()
CHANGES = one_parameter_changed()
WITH_LEGACY = [deployment for deployment in COMBINATIONS if deployment.parameters["LegacyApiBaseUrl"]]
WITHOUT_LEGACY = [deployment for deployment in COMBINATIONS if not deployment.parameters["LegacyApiBaseUrl"]]
ISSUE_19_PARAMETERS = ("SnapStart", "LogLevel", "IdempotencyWindowSeconds", "AuthMode")
ALIAS_URI = "arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/${SessionsFunctionAliaslive}/invocations"
SECURITY = {"CLIENT_ID": [], "API_KEY": [{"api_key": []}], "IAM": [{"sigv4": []}]}
VERSION_SCHEMA = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-west-2", "AWS::Lambda::Version").schema
# Set on the function, not captured by a version; the descriptions are the lever itself.
NOT_CAPTURED_BY_A_VERSION = {"ReservedConcurrentExecutions", "Tags", "Description"}


@pytest.fixture(scope="module")
def deployed() -> dict[Deployment, DeployedTemplate]:
    if not SAM_PYTHON.exists():
        pytest.fail("the SAM translator is missing: run `make test` (it installs .venv-sam)")
    return translate([*SUPPORTED, *CHANGES, *failure_notices(), baseline(), new_code(), longest_values()])


def ids(deployments: list[Deployment]) -> list[str]:
    return [deployment.name for deployment in deployments]


def methods_by_path(stack: DeployedTemplate) -> dict[str, list[str]]:
    paths = stack.resources["SessionsApi"]["Properties"]["Body"]["paths"]
    return {path: sorted(operations) for path, operations in paths.items()}


def post_sessions(stack: DeployedTemplate) -> Any:
    return stack.resources["SessionsApi"]["Properties"]["Body"]["paths"]["/sessions"]["post"]


def the_version(stack: DeployedTemplate) -> tuple[str, Any]:
    [(logical_id, version)] = stack.of_type("AWS::Lambda::Version").items()
    return logical_id, version["Properties"]


def live_moves(before: DeployedTemplate, after: DeployedTemplate) -> bool:
    """A new version behind live: a new logical ID, or a property CloudFormation replaces the version for."""
    (old_id, old), (new_id, new) = the_version(before), the_version(after)
    replaced_on = [pointer.removeprefix("/properties/") for pointer in VERSION_SCHEMA["createOnlyProperties"]]
    return old_id != new_id or any(old.get(name) != new.get(name) for name in replaced_on)


def what_a_version_runs(stack: DeployedTemplate) -> Any:
    function = stack.resources["SessionsFunction"]["Properties"]
    return {name: value for name, value in function.items() if name not in NOT_CAPTURED_BY_A_VERSION}


@pytest.mark.parametrize("deployment", SUPPORTED, ids=ids(SUPPORTED))
def test_the_api_has_one_stage_the_one_named_by_stage_name(deployed: Any, deployment: Deployment) -> None:
    stack = deployed[deployment]
    [stage] = stack.of_type("AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["StageName"] == stack.parameters["StageName"]
    assert [d["Properties"].get("StageName") for d in stack.of_type("AWS::ApiGateway::Deployment").values()] == [None]


@pytest.mark.parametrize("deployment", COMBINATIONS, ids=ids(COMBINATIONS))
def test_post_sessions_asks_for_the_credentials_of_the_auth_mode(deployed: Any, deployment: Deployment) -> None:
    stack = deployed[deployment]
    assert post_sessions(stack)["security"] == SECURITY[deployment.parameters["AuthMode"]]


@pytest.mark.parametrize("deployment", SUPPORTED, ids=ids(SUPPORTED))
def test_the_api_calls_the_live_alias_never_latest(deployed: Any, deployment: Deployment) -> None:
    stack = deployed[deployment]
    assert post_sessions(stack)["x-amazon-apigateway-integration"]["uri"] == ALIAS_URI
    alias = stack.resources["SessionsFunctionAliaslive"]
    assert alias["Type"] == "AWS::Lambda::Alias"
    assert alias["Properties"]["Name"] == "live"
    version_id, _ = the_version(stack)
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    permission = stack.resources["ApiInvokesFunction"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "SessionsFunctionAliaslive"}


@pytest.mark.parametrize("deployment", WITHOUT_LEGACY, ids=ids(WITHOUT_LEGACY))
def test_without_a_legacy_url_post_sessions_is_the_only_path_and_method(deployed: Any, deployment: Deployment) -> None:
    assert methods_by_path(deployed[deployment]) == {"/sessions": ["post"]}


@pytest.mark.parametrize("deployment", WITH_LEGACY, ids=ids(WITH_LEGACY))
def test_with_a_legacy_url_every_other_path_and_method_is_forwarded_to_it(
    deployed: Any, deployment: Deployment
) -> None:
    stack = deployed[deployment]
    assert methods_by_path(stack) == {
        "/sessions": ["post", "x-amazon-apigateway-any-method"],
        "/{proxy+}": ["x-amazon-apigateway-any-method"],
    }
    paths = stack.resources["SessionsApi"]["Properties"]["Body"]["paths"]
    other_methods = paths["/sessions"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    other_paths = paths["/{proxy+}"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert (other_methods["type"], other_methods["uri"]) == ("http_proxy", f"{LEGACY_URL}/sessions")
    assert (other_paths["type"], other_paths["uri"]) == ("http_proxy", f"{LEGACY_URL}/{{proxy}}")


@pytest.mark.parametrize("deployment", SUPPORTED, ids=ids(SUPPORTED))
def test_the_api_definition_is_valid_openapi_2(deployed: Any, deployment: Deployment) -> None:
    body = deployed[deployment].resources["SessionsApi"]["Properties"]["Body"]
    assert [error.message for error in OpenAPIV2SpecValidator(body).iter_errors()] == []


@pytest.mark.parametrize("deployment", SUPPORTED, ids=ids(SUPPORTED))
def test_snapstart_snapshots_published_versions_exactly_when_enabled(deployed: Any, deployment: Deployment) -> None:
    stack = deployed[deployment]
    expected = "PublishedVersions" if stack.parameters["SnapStart"] == "Enabled" else "None"
    assert stack.resources["SessionsFunction"]["Properties"]["SnapStart"] == {"ApplyOn": expected}


@pytest.mark.parametrize("changed", CHANGES, ids=ids(CHANGES))
def test_live_moves_to_a_new_version_exactly_when_a_parameter_change_reaches_the_function(
    deployed: Any, changed: Deployment
) -> None:
    """Each parameter changed alone from the defaults. (AuthMode API_KEY <-> IAM, which the function does not
    see, also publishes a version: the description names the AuthMode. Harmless, and easier to read.)"""
    before, after = deployed[baseline()], deployed[changed]
    assert live_moves(before, after) == (what_a_version_runs(before) != what_a_version_runs(after))


@pytest.mark.parametrize("parameter", ISSUE_19_PARAMETERS)
def test_a_deploy_changing_only_this_parameter_moves_live_to_a_new_version(deployed: Any, parameter: str) -> None:
    [changed] = [deployment for deployment in CHANGES if deployment.name.startswith(f"{parameter}=")]
    assert live_moves(deployed[baseline()], deployed[changed])


def test_new_code_publishes_a_new_version(deployed: Any) -> None:
    assert the_version(deployed[baseline()])[0] != the_version(deployed[new_code()])[0]


@pytest.mark.parametrize("deployment", [*SUPPORTED, longest_values()], ids=[*ids(SUPPORTED), longest_values().name])
def test_the_function_and_its_version_share_a_description_lambda_accepts(deployed: Any, deployment: Deployment) -> None:
    """Lambda publishes only a changed function: the function's description changes with the version's."""
    stack = deployed[deployment]
    description = stack.resources["SessionsFunction"]["Properties"]["Description"]
    assert the_version(stack)[1]["Description"] == description
    assert isinstance(description, str)
    assert len(description) <= VERSION_SCHEMA["properties"]["Description"]["maxLength"]


# --- Failure notices (docs/operations.md): off without both Slack IDs, least privilege with them ---------
NOTICES = failure_notices()
NOTICE_TYPES = {"AWS::Chatbot::SlackChannelConfiguration", "AWS::Logs::SubscriptionFilter", "AWS::DynamoDB::Table"}
NOTICE_RESOURCES = {
    "FailureNoticesFunction",
    "FailureNoticesFunctionRole",
    "FailureNoticesFunctionFailedRequests",
    "FailureNoticesFunctionFailedRequestsPermission",
    "FailureNoticesLogGroup",
    "NoticeWindowTable",
    "SlackChannel",
    "SlackChannelRole",
    "SlackChannelPermissions",
}
WITHOUT_NOTICES = [
    *SUPPORTED,
    *(deployment for deployment in CHANGES if deployment.name.split("=")[0] in ("SlackWorkspaceId", "SlackChannelId")),
]


def policy_statements(role: Any) -> list[Any]:
    return [
        statement for policy in role["Properties"]["Policies"] for statement in policy["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize("deployment", WITHOUT_NOTICES, ids=ids(WITHOUT_NOTICES))
def test_without_both_slack_ids_the_stack_creates_nothing_for_notices(deployed: Any, deployment: Deployment) -> None:
    stack = deployed[deployment]
    assert NOTICE_RESOURCES.isdisjoint(stack.resources)
    assert [name for name, r in stack.resources.items() if r["Type"] in NOTICE_TYPES] == ["IdempotencyTable"]
    assert ("AlarmTopic" in stack.resources) == bool(stack.parameters["AlarmEmail"])


@pytest.mark.parametrize("deployment", NOTICES, ids=ids(NOTICES))
def test_with_slack_each_failed_request_line_reaches_the_notifier_and_nothing_else_changes(
    deployed: Any, deployment: Deployment
) -> None:
    stack, before = deployed[deployment], deployed[baseline()]
    assert api_deployments_as_one(stack.resources) - api_deployments_as_one(before.resources) == NOTICE_RESOURCES | {
        "AlarmTopic"
    }
    subscription = stack.resources["FailureNoticesFunctionFailedRequests"]["Properties"]
    assert subscription["LogGroupName"] == {"Ref": "FunctionLogGroup"}
    assert subscription["DestinationArn"] == {"Fn::GetAtt": ["FailureNoticesFunction", "Arn"]}
    assert subscription["FilterPattern"] == (
        '{ $.message = "request finished" && ($.outcome >= 500 || $.needs_person IS TRUE) }'
    )
    permission = stack.resources["FailureNoticesFunctionFailedRequestsPermission"]["Properties"]
    assert (permission["Principal"], permission["FunctionName"]) == (
        "logs.amazonaws.com",
        {"Ref": "FailureNoticesFunction"},
    )
    assert not live_moves(before, stack)  # the sessions function is the same: no new version behind live


@pytest.mark.parametrize("deployment", NOTICES, ids=ids(NOTICES))
def test_the_notifier_may_only_publish_to_the_topic_and_keep_its_window(deployed: Any, deployment: Deployment) -> None:
    stack = deployed[deployment]
    role = stack.resources["FailureNoticesFunctionRole"]
    assert role["Properties"]["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]
    grants = {statement["Sid"]: statement for statement in policy_statements(role)}
    assert grants == {
        "PublishNotices": {
            "Sid": "PublishNotices",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": {"Ref": "AlarmTopic"},
        },
        "KeepTheBurstWindow": {
            "Sid": "KeepTheBurstWindow",
            "Effect": "Allow",
            "Action": ["dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            "Resource": {"Fn::GetAtt": ["NoticeWindowTable", "Arn"]},
        },
    }
    function = stack.resources["FailureNoticesFunction"]["Properties"]
    assert function["Handler"] == "failure_notices.entry.lambda_handler"
    assert function["Environment"]["Variables"]["ENVIRONMENT_NAME"] == stack.parameters["StageName"]
    # The window's opener waits the window out; a window older than this margin is taken as a dead opener's.
    window = int(function["Environment"]["Variables"]["NOTICE_WINDOW_SECONDS"])
    assert window < function["Timeout"] < window + STALE_MARGIN_SECONDS
    assert "ReservedConcurrentExecutions" not in function  # an account whose quota is 10 refuses any


@pytest.mark.parametrize("deployment", NOTICES, ids=ids(NOTICES))
def test_the_slack_channel_gets_the_topic_and_its_members_can_only_read_alarms_and_metrics(
    deployed: Any, deployment: Deployment
) -> None:
    stack = deployed[deployment]
    channel = stack.resources["SlackChannel"]["Properties"]
    assert (channel["SlackWorkspaceId"], channel["SlackChannelId"]) == (
        SLACK["SlackWorkspaceId"],
        SLACK["SlackChannelId"],
    )
    assert channel["SnsTopicArns"] == [{"Ref": "AlarmTopic"}]
    assert channel["GuardrailPolicies"] == [{"Ref": "SlackChannelPermissions"}]
    assert stack.resources["SlackChannelRole"]["Properties"]["ManagedPolicyArns"] == [
        {"Ref": "SlackChannelPermissions"}
    ]
    statements = stack.resources["SlackChannelPermissions"]["Properties"]["PolicyDocument"]["Statement"]
    actions = [action for statement in statements for action in statement["Action"]]
    assert all(action.startswith(("cloudwatch:Describe", "cloudwatch:Get", "cloudwatch:List")) for action in actions)
    for alarm in stack.of_type("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    subscriptions = stack.resources["AlarmTopic"]["Properties"].get("Subscription", [])
    expected = [{"Protocol": "email", "Endpoint": OTHER_VALUES["AlarmEmail"]}] if "e-mail" in deployment.name else []
    assert subscriptions == expected


def api_deployments_as_one(resources: dict[str, Any]) -> set[str]:
    """Resource names, the API deployment's without its hash: SAM hashes str() of the Swagger it built, whose
    order can differ between two translations in one process (seen with PYTHONHASHSEED=36), so the suffix
    says nothing about what the notices change."""
    return {"SessionsApiDeployment" if name.startswith("SessionsApiDeployment") else name for name in resources}
