"""Every environment installs from a lock with hashes (requirements/*.txt, written by `make lock`), and
each lock holds what its source asks: pyproject.toml's pins for the artifact and the dev tools,
requirements/*.in for the tool virtualenvs. A pin moved in a source without `make lock` fails here.
"""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def pins(lines: list[str]) -> dict[str, str]:
    return {name(found[1]): found[2] for found in map(PIN.match, lines) if found}


def lock(file: str) -> dict[str, str]:
    return pins((REQUIREMENTS / file).read_text().splitlines())


def requirement_blocks(file: Path) -> list[str]:
    """Each requirement with its continuation lines, comments left out."""
    lines = [line for line in file.read_text().splitlines() if not line.lstrip().startswith("#") and line.strip()]
    return re.split(r"\n(?=\S)", "\n".join(lines))


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LOCKS = sorted(path.name for path in REQUIREMENTS.glob("*.txt"))


@pytest.mark.parametrize("file", LOCKS)
def test_every_requirement_of_a_lock_is_pinned_with_hashes(file: str) -> None:
    blocks = requirement_blocks(REQUIREMENTS / file)

    assert blocks
    assert [block.split()[0] for block in blocks if not PIN.match(block) or "--hash=sha256:" not in block] == []


def test_the_artifacts_lock_holds_pyprojects_runtime_pins() -> None:
    assert pins(PROJECT["dependencies"]).items() <= lock("lambda.txt").items()


def test_the_dev_lock_holds_the_dev_pins_and_tests_the_artifacts_very_packages() -> None:
    dev = lock("dev.txt")

    assert pins(PROJECT["optional-dependencies"]["dev"]).items() <= dev.items()
    assert lock("lambda.txt").items() <= dev.items()


@pytest.mark.parametrize("source", sorted(path.name for path in REQUIREMENTS.glob("*.in")))
def test_each_tool_lock_holds_its_sources_pins(source: str) -> None:
    wanted = pins((REQUIREMENTS / source).read_text().splitlines())

    assert wanted
    assert wanted.items() <= lock(source.replace(".in", ".txt")).items()
