"""The environment's settings that change what the service writes."""

import pytest

from session_scheduling.errors import ServiceMisconfigured
from session_scheduling.settings import ServiceSettings, load_settings

REQUIRED = {"SALESFORCE_SECRET_ID": "sessions/salesforce"}


def test_task_contact_fields_are_off_by_default() -> None:
    assert ServiceSettings.model_validate(REQUIRED).task_contact_fields_enabled is False


@pytest.mark.parametrize(("value", "enabled"), [("true", True), ("TRUE", True), ("False", False), ("", False)])
def test_task_contact_fields_enabled_takes_true_or_false_in_any_case_and_blank_is_off(
    value: str, enabled: bool
) -> None:
    settings = ServiceSettings.model_validate(REQUIRED | {"TASK_CONTACT_FIELDS_ENABLED": value})
    assert settings.task_contact_fields_enabled is enabled


@pytest.mark.parametrize("value", ["yes", "1", "on"])
def test_another_value_of_task_contact_fields_enabled_is_a_misconfiguration_naming_it(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESFORCE_SECRET_ID", "sessions/salesforce")
    monkeypatch.setenv("TASK_CONTACT_FIELDS_ENABLED", value)
    load_settings.cache_clear()
    try:
        with pytest.raises(ServiceMisconfigured) as raised:
            load_settings()
    finally:
        load_settings.cache_clear()
    [problem] = raised.value.errors
    assert problem.message.startswith("environment variable TASK_CONTACT_FIELDS_ENABLED: ")
    assert "must be true or false" in problem.message
