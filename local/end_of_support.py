"""Does the Lambda artifact carry a package whose maintainers announced the end of its support?

    python -m local.end_of_support                      # requirements/lambda.txt, today
    python -m local.end_of_support .aws-sam/build/SessionsFunction requirements/lambda.txt

Each path is a pinned requirements file (name==version per line) or a built artifact (its
*.dist-info folders). The dated list is requirements/end-of-support.toml. A package listed there
whose version matches the entry fails the check once its date is less than --within-days away
(180 by default), so that the next deadline is found while there is time to replace the package.
Exit status 1 and one line per finding; 0 and a summary line otherwise (for `make audit`).
"""

import argparse
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
END_OF_SUPPORT_LIST = ROOT / "requirements" / "end-of-support.toml"
LAMBDA_REQUIREMENTS = ROOT / "requirements" / "lambda.txt"
WITHIN_DAYS = 180
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")


@dataclass(frozen=True)
class Announcement:
    name: str
    versions: SpecifierSet
    ends: date
    source: str


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    where: str
    announcement: Announcement

    def describe(self, today: date) -> str:
        days = (self.announcement.ends - today).days
        when = f"ended {-days} days ago" if days < 0 else f"ends in {days} days"
        return (
            f"{self.where}: {self.package} {self.version}: support {when} ({self.announcement.ends}; "
            f"{self.announcement.source})"
        )


def announcements(path: Path = END_OF_SUPPORT_LIST) -> list[Announcement]:
    entries = tomllib.loads(path.read_text())["package"]
    return [
        Announcement(canonicalize_name(e["name"]), SpecifierSet(e.get("versions", "")), e["ends"], e["source"])
        for e in entries
    ]


def pinned(path: Path) -> dict[str, str]:
    """name -> version, from a requirements file's `name==version` lines or an artifact's dist-info folders."""
    if path.is_dir():
        found: dict[str, str] = {}
        for metadata in path.glob("*.dist-info/METADATA"):
            lines = metadata.read_text(errors="replace").splitlines()[:20]
            fields = dict(_header(line) for line in lines if ": " in line)
            found[canonicalize_name(fields["Name"])] = fields["Version"]
        return found
    pins = (_PIN.match(line) for line in path.read_text().splitlines())
    return {canonicalize_name(pin[1]): pin[2] for pin in pins if pin}


def runtime_closure() -> dict[str, str]:
    """name -> version of pyproject.toml's runtime dependencies and theirs, as installed here (extras followed;
    a dependency that is not installed, such as another platform's, is left out). The project itself is
    importable through a .pth file, not installed, so its own list is read from pyproject.toml."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    found: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    wanted = [(canonicalize_name(r.name), extra) for r in map(Requirement, declared) for extra in ("", *r.extras)]
    while wanted:
        name, extra = wanted.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        found[name] = dist.version
        for requirement in map(Requirement, dist.requires or []):
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                key = canonicalize_name(requirement.name)
                wanted += [(key, "")] + [(key, more) for more in requirement.extras]
    return found


def _header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(": ")
    return name, value.strip()


def findings(paths: Iterable[Path], today: date, within_days: int = WITHIN_DAYS) -> list[Finding]:
    horizon = today + timedelta(days=within_days)
    listed = [a for a in announcements() if a.ends <= horizon]
    found = []
    for path in paths:
        for package, version in sorted(pinned(path).items()):
            found += [
                Finding(package, version, str(path), a)
                for a in listed
                if a.name == package and a.versions.contains(Version(version), prereleases=True)
            ]
    return found


def main(arguments: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[LAMBDA_REQUIREMENTS])
    parser.add_argument("--within-days", type=int, default=WITHIN_DAYS)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    options = parser.parse_args(arguments)
    found = findings(options.paths, options.today, options.within_days)
    for finding in found:
        print(finding.describe(options.today))
    if not found:
        checked = ", ".join(str(path) for path in options.paths)
        print(f"end of support: nothing in {END_OF_SUPPORT_LIST.name} within {options.within_days} days: {checked}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
