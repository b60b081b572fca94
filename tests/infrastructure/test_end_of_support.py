"""Nothing in the Lambda artifact is past, or near, the end of its support (requirements/end-of-support.toml).

The built artifact is checked by tests/artifact/test_built_artifact.py with the same function.
"""

from datetime import date
from pathlib import Path

import pytest

from local.end_of_support import LAMBDA_REQUIREMENTS, WITHIN_DAYS, findings, main, pinned, runtime_closure

# What the Makefile's LAMBDA_NOT_SHIPPED leaves out of requirements/lambda.txt on purpose: zeep and what only
# zeep needs (artifact/zeep_placeholder), pycparser (cffi's compiled backend does not load it).
LEFT_OUT_ON_PURPOSE = {
    "zeep",
    "lxml",
    "attrs",
    "isodate",
    "platformdirs",
    "requests-file",
    "requests-toolbelt",
    "pycparser",
}
# The closure as it was before issue 24, with the X-Ray SDK for Powertools' Tracer.
WITH_THE_XRAY_SDK = "aws-lambda-powertools==3.37.0\naws-xray-sdk==2.15.0\nwrapt==2.5.2\n"


def closure_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lambda.txt"
    path.write_text(text)
    return path


def test_the_artifacts_pinned_closure_carries_no_package_near_its_end_of_support() -> None:
    assert findings([LAMBDA_REQUIREMENTS], date.today()) == []
    assert main([str(LAMBDA_REQUIREMENTS)]) == 0


def test_the_runtime_dependencies_closure_carries_no_package_near_its_end_of_support(tmp_path: Path) -> None:
    installed = runtime_closure()
    assert "aws-lambda-powertools" in installed  # the project's own dependencies were found
    as_pins = "".join(f"{name}=={version}\n" for name, version in installed.items())
    assert findings([closure_file(tmp_path, as_pins)], date.today()) == []


def test_lambda_txt_pins_the_whole_runtime_closure_but_what_it_leaves_out_on_purpose() -> None:
    """requirements/lambda.txt (make lock) keeps in step with pyproject's dependencies."""
    installed = set(runtime_closure()) - LEFT_OUT_ON_PURPOSE
    assert installed == set(pinned(LAMBDA_REQUIREMENTS))


def test_the_check_finds_the_xray_sdk_81_days_before_its_end_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = closure_file(tmp_path, WITH_THE_XRAY_SDK)

    [finding] = findings([old], date(2026, 12, 6))
    status = main([str(old), "--today", "2026-12-06"])

    assert (finding.package, finding.version, finding.announcement.ends) == (
        "aws-xray-sdk",
        "2.15.0",
        date(2027, 2, 25),
    )
    assert status == 1
    printed = capsys.readouterr().out
    assert "aws-xray-sdk 2.15.0: support ends in 81 days (2027-02-25; https://docs.aws.amazon.com/xray/" in printed


def test_a_package_past_its_end_is_found_and_one_far_from_it_is_not(tmp_path: Path) -> None:
    old = closure_file(tmp_path, WITH_THE_XRAY_SDK)

    assert [f.package for f in findings([old], date(2027, 3, 1))] == ["aws-xray-sdk"]
    assert "ended 4 days ago" in findings([old], date(2027, 3, 1))[0].describe(date(2027, 3, 1))
    assert findings([old], date(2026, 8, 1), within_days=WITHIN_DAYS) == []  # 208 days ahead


def test_only_the_listed_versions_count(tmp_path: Path) -> None:
    """Powertools v2 reached its end on 2025-03-25; v3, which the service runs, did not."""
    v2 = closure_file(tmp_path, "aws-lambda-powertools==2.43.1\n")

    assert [f.package for f in findings([v2], date.today())] == ["aws-lambda-powertools"]
    assert findings([LAMBDA_REQUIREMENTS], date(2025, 3, 26)) == []
