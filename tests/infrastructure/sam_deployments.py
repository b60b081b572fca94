"""The deployments the translated-template tests look at, and their translation by SAM's transform."""

import itertools
import json
import shlex
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

from tests.infrastructure.cloudformation import DeployedTemplate

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
TRANSLATE = Path(__file__).with_name("translate_with_sam.py")
SECRET_ARN = "arn:aws:secretsmanager:us-west-2:111122223333:secret:coaching/salesforce-dev-AbCdEf"
LEGACY_URL = "https://salesforce-data-api-proxy-prod.us-e2.cloudhub.io/api"
BUILT_CODE = "s3://aws-sam-cli-managed-default-bucket/0123456789abcdef"  # as `sam deploy` rewrites CodeUri
# For parameters whose other value cannot be derived from the template (a pattern, free text).
OTHER_VALUES = {
    "StageName": "prod",
    "SalesforceSecretArn": "arn:aws:secretsmanager:us-west-2:111122223333:secret:coaching/salesforce-new-GhIjKl",
    "TaskOwnerUserId": "005000000000001AAA",
    "LegacyApiBaseUrl": LEGACY_URL,
    "AlarmEmail": "alerts@example.org",
    "SlackWorkspaceId": "T0123ABCD",
    "SlackChannelId": "C0123ABCDEF",
}
SLACK = {"SlackWorkspaceId": OTHER_VALUES["SlackWorkspaceId"], "SlackChannelId": OTHER_VALUES["SlackChannelId"]}
# The longest value of every parameter the description names; docs/deploy.md promises secret names
# (with their 6-character suffix) of up to 90 characters.
LONGEST_VALUES = {
    "AuthMode": "CLIENT_ID",
    "SnapStart": "Disabled",
    "LogLevel": "DEBUG",
    "IdempotencyWindowSeconds": "86400",
    "TaskOwnerUserId": "005000000000001AAA",
    "TaskContactFieldsEnabled": "false",
    "SalesforceSecretArn": f"arn:aws:secretsmanager:us-west-2:111122223333:secret:{'n' * 83}-AbCdEf",
}


@dataclass(frozen=True)
class Deployment:
    name: str
    parameters: dict[str, str] = field(hash=False)
    code_uri: str = BUILT_CODE


def source_template() -> Any:
    document, problems = decode(str(ROOT / "template.yaml"))
    assert not problems
    return document


def combinations() -> list[Deployment]:
    """Every SnapStart, AuthMode and legacy setting; the rest as the template's defaults."""
    parameters = source_template()["Parameters"]
    deployments = []
    for snapstart, auth_mode, legacy_url in itertools.product(
        parameters["SnapStart"]["AllowedValues"], parameters["AuthMode"]["AllowedValues"], ["", LEGACY_URL]
    ):
        name = f"SnapStart={snapstart} AuthMode={auth_mode} legacy={'set' if legacy_url else 'empty'}"
        chosen = {"SnapStart": snapstart, "AuthMode": auth_mode, "LegacyApiBaseUrl": legacy_url}
        deployments.append(Deployment(name, {"SalesforceSecretArn": SECRET_ARN, **chosen}))
    return deployments


def samconfig_environments() -> list[Deployment]:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    deployments = []
    for environment, commands in config.items():
        if not isinstance(commands, dict):
            continue  # the file's `version`
        overrides = commands.get("deploy", {}).get("parameters", {}).get("parameter_overrides")
        if overrides:
            parameters = dict(pair.split("=", 1) for pair in shlex.split(overrides))
            deployments.append(Deployment(f"samconfig {environment}", parameters))
    return deployments


def other_value(name: str, declared: dict[str, Any]) -> str:
    default = str(declared.get("Default", ""))
    if name in OTHER_VALUES:
        return OTHER_VALUES[name]
    if "AllowedValues" in declared:
        return next(str(value) for value in declared["AllowedValues"] if str(value) != default)
    if declared["Type"] == "Number":
        return str(int(default) + 1)
    raise AssertionError(f"give the parameter {name} another value in OTHER_VALUES ({__file__})")


def baseline() -> Deployment:
    return Deployment("baseline", {"SalesforceSecretArn": SECRET_ARN})


def one_parameter_changed() -> list[Deployment]:
    """The baseline with one parameter at another value, for every parameter of the template."""
    start = baseline().parameters
    deployments = []
    for name, declared in source_template()["Parameters"].items():
        value = other_value(name, declared)
        deployments.append(Deployment(f"{name}={value}", {**start, name: value}))
    return deployments


def failure_notices() -> list[Deployment]:
    """Both Slack IDs (the notices on), with and without the alarm e-mail."""
    start = baseline().parameters
    return [
        Deployment("Slack", {**start, **SLACK}),
        Deployment("Slack and e-mail", {**start, **SLACK, "AlarmEmail": OTHER_VALUES["AlarmEmail"]}),
    ]


def new_code() -> Deployment:
    return Deployment("new code", baseline().parameters, code_uri=f"{BUILT_CODE}-next")


def longest_values() -> Deployment:
    return Deployment("longest values", LONGEST_VALUES)


def translate(deployments: list[Deployment]) -> dict[Deployment, DeployedTemplate]:
    """One run of SAM's transform for all deployments, each resolved as CloudFormation would."""
    request = {
        "template": source_template(),
        "deployments": [{"parameters": d.parameters, "code_uri": d.code_uri} for d in deployments],
    }
    finished = subprocess.run(
        [str(SAM_PYTHON), str(TRANSLATE)], input=json.dumps(request), capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stderr
    translated = json.loads(finished.stdout)
    return {d: DeployedTemplate(t, d.parameters) for d, t in zip(deployments, translated, strict=True)}
