"""Settings the documents state, against the files that set them: log retention per environment
(docs/privacy.md vs samconfig.toml and template.yaml), the log levels the operations queries need, and
the pipeline's repository variables and secrets (docs/deploy.md vs .github/workflows/*.yml)."""

import re
import tomllib
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
# docs/privacy.md's decision states it as: "the template's default and prod's (`samconfig.toml`), 14 days in dev"
RETENTION = re.compile(
    r"\*\*Log retention (\d+) days\*\*.*?the template's default and prod's.*?(\d+) days in dev", re.S
)


def template() -> dict:  # type: ignore[type-arg]
    document, problems = decode(str(ROOT / "template.yaml"))
    assert not problems
    return document  # type: ignore[no-any-return]


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
