"""Settings the documents state, against the files that set them: log retention per environment
(docs/privacy.md vs samconfig.toml and template.yaml), the log levels the operations queries need, and
the pipeline's repository variables and secrets (docs/deploy.md vs .github/workflows/*.yml)."""

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

from tests.infrastructure.sam_deployments import source_template

ROOT = Path(__file__).resolve().parents[2]
# docs/privacy.md's decision states it as: "the template's default and prod's (`samconfig.toml`), 14 days in dev"
RETENTION = re.compile(
    r"\*\*Log retention (\d+) days\*\*.*?the template's default and prod's.*?(\d+) days in dev", re.S
)


def template() -> Any:
    return source_template()


def deployed_parameters(environment: str) -> dict[str, str]:
    """What `sam deploy --config-env <environment>` passes: samconfig's overrides over the template's defaults."""
    defaults = {name: str(spec.get("Default", "")) for name, spec in template()["Parameters"].items()}
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    overrides = config[environment]["deploy"]["parameters"]["parameter_overrides"]
    return defaults | dict(pair.split("=", 1) for pair in overrides.split())


def test_privacy_md_states_each_environments_log_retention_as_deployed() -> None:
    stated = RETENTION.search((ROOT / "docs" / "privacy.md").read_text())
    assert stated, "docs/privacy.md no longer states the retention per environment"
    default_and_prod, dev = stated.groups()

    assert template()["Parameters"]["LogRetentionDays"]["Default"] == int(default_and_prod)
    assert deployed_parameters("prod")["LogRetentionDays"] == default_and_prod
    assert deployed_parameters("dev")["LogRetentionDays"] == dev
    assert deployed_parameters("default")["LogRetentionDays"] == default_and_prod


def test_every_environment_logs_at_a_level_the_operations_queries_can_read() -> None:
    """The queries read INFO lines (`request finished`); WARNING or ERROR would leave them empty."""
    assert set(template()["Parameters"]["LogLevel"]["AllowedValues"]) <= {"DEBUG", "INFO"}
    for environment in ("default", "dev", "prod"):
        assert deployed_parameters(environment)["LogLevel"] in ("DEBUG", "INFO")


def test_deploy_md_names_every_variable_and_secret_the_workflows_read() -> None:
    workflows = "".join(path.read_text() for path in (ROOT / ".github" / "workflows").glob("*.yml"))
    read = set(re.findall(r"\b(?:vars|secrets)\.([A-Z][A-Z0-9_]*)", workflows))
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    setup = deploy.split("## 5.", 1)[1].split("\n## ", 1)[0]  # "Continuous deployment from GitHub"
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", setup))

    assert read, "the workflows read no variable or secret: the pattern is stale"
    assert read - named == set(), "set up in docs/deploy.md section 5, or the first run fails"
    checklist = setup.split("\n3. ", 1)[1]
    parameter_values = {str(v) for spec in template()["Parameters"].values() for v in spec.get("AllowedValues", [])}
    settings = {name for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", checklist) if "_" in name} - parameter_values
    assert settings - read == set(), "the checklist names a setting no workflow reads"


def codes_the_service_assigns() -> set[str]:
    """Error codes the service writes itself (not Salesforce's), read from the code: the first argument of
    SalesforceError(...), the code of unreachable(...)/_unreachable(...), `code, message = ("CODE", ...)`,
    and the error_code of a SalesforceErrors metric; an f-string "HTTP_{status}" is `HTTP_<status>`."""
    codes = set()
    for path in [*(ROOT / "lib").rglob("*.py"), *(ROOT / "handler").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in ("SalesforceError", "unreachable", "_unreachable"):
                    values = list(node.args[:2])
                values += [keyword.value for keyword in node.keywords if keyword.arg == "error_code"]
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
                targets = node.targets[0]
                if isinstance(targets, ast.Tuple) and [getattr(t, "id", "") for t in targets.elts][:1] == ["code"]:
                    values = node.value.elts[:1]
            for value in values:
                if isinstance(value, ast.Constant) and re.fullmatch(r"[A-Z][A-Z_]+", str(value.value)):
                    codes.add(str(value.value))
                elif isinstance(value, ast.JoinedStr) and ast.unparse(value).startswith("f'HTTP_"):
                    codes.add("HTTP_<status>")
    return codes


def test_the_error_table_explains_every_code_the_service_assigns_itself() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text()
    table = operations.split("## Common Salesforce errors", 1)[1]
    explained = set(re.findall(r"^\| ([^|]+) \|", table, re.M))
    named = {code for row in explained for code in re.findall(r"`([A-Za-z_<>]+)`", row)}
    assigned = codes_the_service_assigns()

    assert {"OUTCOME_UNKNOWN", "TIMEOUT", "CONNECTION_ERROR", "CONFIGURATION_ERROR", "HTTP_<status>"} <= assigned
    assert assigned - named == set()


def test_the_5xx_alarm_counts_the_whole_api_and_its_runbook_says_so() -> None:
    alarm = template()["Resources"]["Api5xxAlarm"]["Properties"]
    assert {dimension["Name"] for dimension in alarm["Dimensions"]} == {"ApiName", "Stage"}  # every path
    row = next(
        line
        for line in (ROOT / "docs" / "operations.md").read_text().splitlines()
        if line.startswith("| `Api5xxAlarm`")
    )
    for cause in ("(500)", "(504)", "(503)", "(502", "`LegacyApiBaseUrl`", "REPORT"):
        assert cause in row


def test_privacy_md_says_what_api_gateways_traces_record_when_the_stage_traces() -> None:
    stages = [
        resource["Properties"]
        for resource in template()["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Api"
    ]
    traced = any(stage.get("TracingEnabled") is True for stage in stages)
    traces_row = next(
        line for line in (ROOT / "docs" / "privacy.md").read_text().splitlines() if line.startswith("| **Traces**")
    )
    assert traced == ("`client_ip`" in traces_row)


def test_the_alarm_table_states_each_alarms_threshold_and_duration_as_the_template_sets_them() -> None:
    rows = {
        name: line
        for line in (ROOT / "docs" / "operations.md").read_text().splitlines()
        if line.startswith("| `") and "Alarm`" in line.split("|")[1]
        for name in re.findall(r"`(\w+Alarm)`", line.split("|")[1])
    }
    alarms = {name: resource["Properties"] for name, resource in template()["Resources"].items() if name in rows}
    slow_calls = {"SalesforceTokenSlowAlarm", "SalesforceQuerySlowAlarm", "SalesforceCompositeSlowAlarm"}
    assert set(alarms) == {"Api5xxAlarm", "SalesforceErrorsAlarm", "ThrottlesAlarm", "DurationP99Alarm", *slow_calls}
    for name in slow_calls:
        slow = alarms[name]
        minutes = slow["EvaluationPeriods"] * slow["Period"] // 60
        assert f"p99 > {slow['Threshold'] / 1000:g} s for {minutes} min" in rows[name]
    duration = alarms["DurationP99Alarm"]
    assert (
        f"p99 > {duration['Threshold'] / 1000:g} s in {duration['EvaluationPeriods']} consecutive"
        in rows["DurationP99Alarm"]
    )
    assert f"for {duration['EvaluationPeriods'] * duration['Period'] // 60} min" in rows["DurationP99Alarm"]
    assert (
        f">{alarms['Api5xxAlarm']['Threshold']:.0%} 5xx over {alarms['Api5xxAlarm']['Period'] // 60} min"
        in rows["Api5xxAlarm"]
    )
    assert f">= {alarms['SalesforceErrorsAlarm']['Threshold']} in" in rows["SalesforceErrorsAlarm"]
    assert f">= {alarms['ThrottlesAlarm']['Threshold']} throttled" in rows["ThrottlesAlarm"]
    for alarm in ("SalesforceErrorsAlarm", "ThrottlesAlarm"):
        assert alarms[alarm]["EvaluationPeriods"] == 1
        assert f"in {alarms[alarm]['Period'] // 60} min" in rows[alarm]
