"""make audit: every lock in requirements/ against the published advisories (OSV), with pip-audit.

    python -m local.dependency_audit [--osv-url URL] [--ignore-file FILE] [LOCK ...]
    (no LOCK: every requirements/*.txt; the ignore file is requirements/audit-ignore.toml)

Exits 0 when no lock has a known vulnerability beyond those ignored in requirements/audit-ignore.toml;
1 on a known vulnerability, on an ignore entry without its reason or past its review date, or when a lock
could not be audited (the advisory service unreachable, say): an audit that could not look has not passed.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCKS = sorted((ROOT / "requirements").glob("*.txt"))
IGNORE_FILE = ROOT / "requirements" / "audit-ignore.toml"
FIELDS = ("id", "package", "reason", "review_by")


@dataclass(frozen=True)
class Ignored:
    id: str  # the advisory's ID as pip-audit reports it (PYSEC-..., GHSA-...) or one of its aliases
    package: str
    reason: str
    review_by: date


def load_ignores(path: Path, today: date) -> tuple[list[Ignored], list[str]]:
    """The ignored advisories, and what is wrong with the file: a missing field, no reason, a review date passed."""
    entries = tomllib.loads(path.read_text()).get("ignore", []) if path.exists() else []
    ignored: list[Ignored] = []
    problems: list[str] = []
    for number, entry in enumerate(entries, 1):
        missing = [name for name in FIELDS if not entry.get(name)]
        if missing:
            problems.append(f"{path.name}, entry {number}: missing {', '.join(missing)}")
            continue
        if not isinstance(entry["review_by"], date):
            problems.append(f"{path.name}, entry {number} ({entry['id']}): review_by is not a date (YYYY-MM-DD)")
            continue
        if entry["review_by"] < today:
            problems.append(
                f"{path.name}: {entry['id']} ({entry['package']}) was to be reviewed by {entry['review_by']}: "
                "look at it again, then renew its date or remove it"
            )
        ignored.append(Ignored(entry["id"], entry["package"], entry["reason"], entry["review_by"]))
    return ignored, problems


def audit(lock: Path, ignored: list[Ignored], osv_url: str | None) -> list[str]:
    """The lock's findings, one line each; a lock that could not be audited is a finding too."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [
            *(sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--require-hashes", "--disable-pip"),
            *("--strict", "--vulnerability-service", "osv", "--progress-spinner", "off"),
            *("--format", "json", "--output", str(report)),
            *(["--osv-url", osv_url] if osv_url else []),
            *(f"--ignore-vuln={entry.id}" for entry in ignored),
        ]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        found: dict[str, Any] = json.loads(report.read_text()) if report.exists() and report.stat().st_size else {}
    if "dependencies" not in found:
        why = (run.stderr.strip().splitlines() or ["no report"])[-1]
        return [f"{lock.name}: could not be audited, so this is not a pass ({why})"]
    return [
        f"{lock.name}: {dependency['name']} {dependency['version']}: {vulnerability['id']}"
        f" (also {', '.join(vulnerability.get('aliases') or []) or 'no alias'};"
        f" fixed in {', '.join(vulnerability.get('fix_versions') or []) or 'no release yet'})"
        for dependency in found["dependencies"]
        for vulnerability in dependency.get("vulns", [])
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osv-url", help="another OSV API (the default is OSV's own)")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    parser.add_argument("locks", nargs="*", type=Path, default=LOCKS)
    arguments = parser.parse_args(argv)
    ignored, problems = load_ignores(arguments.ignore_file, date.today())
    for entry in ignored:
        print(f"ignored: {entry.id} ({entry.package}), review by {entry.review_by}: {entry.reason}")
    for lock in arguments.locks:
        findings = audit(lock, ignored, arguments.osv_url)
        print(f"{lock.name}: {'no known vulnerability' if not findings else f'{len(findings)} finding(s)'}")
        problems += findings
    for line in problems:
        print(f"  {line}")
    print(f"audit: {len(arguments.locks)} locks, {len(problems)} problem(s): {'FAIL' if problems else 'pass'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
