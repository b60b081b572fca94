"""make audit (local/dependency_audit.py): a known vulnerability fails it, an ignored one is listed with its
reason, an audit that cannot reach the advisories fails, and every lock is audited.

The advisories come from a stand-in for OSV's query API on 127.0.0.1, answering in OSV's own format
(POST /v1/query with {"package": {"name", "ecosystem"}, "version"}; the answer {"vulns": [...]} with
"id", "aliases", "summary" and "affected" ranges whose "fixed" events are the fixed releases: OSV's API
documentation, "POST /v1/query", and the OSV schema 1.x), as pip-audit reads it.
"""

import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from local.dependency_audit import IGNORE_FILE, LOCKS, load_ignores

ROOT = Path(__file__).resolve().parents[2]
UV_LOCK = ROOT / "requirements" / "uv.txt"  # the smallest lock: uv alone
ADVISORY = {
    "schema_version": "1.6.0",
    "id": "GHSA-test-0000-0001",
    "aliases": ["CVE-2026-0001"],
    "summary": "A made-up advisory for the test",
    "affected": [
        {
            "package": {"name": "uv", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0.0"}]}],
        }
    ],
}


@pytest.fixture(scope="module")
def osv_url() -> Iterator[str]:
    """OSV's query API: uv has the advisory above, everything else none."""

    class Query(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answer: dict[str, Any] = {"vulns": [ADVISORY]} if query["package"]["name"] == "uv" else {}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Query)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()


def make_audit(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    return subprocess.run(
        [sys.executable, "-m", "local.dependency_audit", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_known_vulnerability_fails_the_audit_and_the_report_names_it(osv_url: str, tmp_path: Path) -> None:
    run = make_audit("--osv-url", osv_url, "--ignore-file", str(tmp_path / "none.toml"), str(UV_LOCK))

    assert run.returncode == 1, run.stdout + run.stderr
    assert "uv.txt: uv 0.13.9: CVE-2026-0001 (also GHSA-test-0000-0001; fixed in 99.0.0)" in run.stdout
    assert run.stdout.splitlines()[-1] == "audit: 1 locks, 1 problem(s): FAIL"


def test_an_ignored_advisory_passes_and_is_listed_with_its_reason(osv_url: str, tmp_path: Path) -> None:
    ignores = tmp_path / "ignore.toml"
    ignores.write_text(
        '[[ignore]]\nid = "GHSA-test-0000-0001"\npackage = "uv"\nreason = "Made up for the test."\n'
        "review_by = 2999-01-01\n"
    )

    run = make_audit("--osv-url", osv_url, "--ignore-file", str(ignores), str(UV_LOCK))

    assert run.returncode == 0, run.stdout + run.stderr
    assert "ignored: GHSA-test-0000-0001 (uv), review by 2999-01-01: Made up for the test." in run.stdout
    assert "uv.txt: no known vulnerability" in run.stdout


def test_an_audit_that_cannot_reach_the_advisories_fails_and_says_so(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port that nothing listens on once the socket is closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

    run = make_audit("--osv-url", f"http://127.0.0.1:{port}/v1/query", str(UV_LOCK))

    assert run.returncode == 1
    assert "uv.txt: could not be audited, so this is not a pass" in run.stdout


def test_an_ignore_needs_a_reason_and_fails_once_its_review_date_has_passed(tmp_path: Path) -> None:
    ignores = tmp_path / "ignore.toml"
    ignores.write_text(
        '[[ignore]]\nid = "GHSA-a"\npackage = "p"\nreason = "r"\nreview_by = 2027-01-31\n\n'
        '[[ignore]]\nid = "GHSA-b"\npackage = "p"\nreview_by = 2027-06-01\n'
    )

    ignored, problems = load_ignores(ignores, today=date(2027, 2, 1))

    assert [entry.id for entry in ignored] == ["GHSA-a"]
    assert problems == [
        "ignore.toml: GHSA-a (p) was to be reviewed by 2027-01-31: look at it again, then renew its date or remove it",
        "ignore.toml, entry 2: missing reason",
    ]


def test_the_ignore_files_own_example_is_an_entry_the_audit_takes(tmp_path: Path) -> None:
    """The file shows its format in a commented example: copied as it stands, it must work (and the real
    entries, of which there are none today, are read the same way by `make audit`)."""
    commented = [line for line in IGNORE_FILE.read_text().splitlines() if line.startswith("# ")]
    example = "\n".join(line.removeprefix("# ") for line in commented[commented.index("# [[ignore]]") :])
    copied = tmp_path / "ignore.toml"
    copied.write_text(example + "\n" + IGNORE_FILE.read_text())

    ignored, problems = load_ignores(copied, today=date(2027, 3, 1))

    assert problems == []
    assert [(entry.id, entry.package) for entry in ignored] == [("GHSA-xxxx-xxxx-xxxx", "example-package")]


def test_every_lock_the_makefile_installs_or_builds_from_is_audited() -> None:
    used = set(re.findall(r"requirements/[\w-]+\.txt", (ROOT / "Makefile").read_text()))

    assert {f"requirements/{lock.name}" for lock in LOCKS} == used
