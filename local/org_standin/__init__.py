"""A Salesforce org on 127.0.0.1 over HTTPS, speaking Salesforce's wire formats, for tests and local runs.

with SalesforceStandin() as standin:
    standin.register_client("id", client_secret="secret")
    seed = standin.seed_demo()
"""

import secrets
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import trustme

from local.org_standin.ids import INTEGRATION_USER_ID
from local.org_standin.oauth import ConnectedApp
from local.org_standin.org import Org
from local.org_standin.schema import SalesforceProblem
from local.org_standin.server import SalesforceHandler

TRACKED = ("Session__c", "SCORES_Task__c", "Attendance__c")


class _StandinServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out or hang up (the fault tests do so on purpose) are not worth a traceback."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            super().handle_error(request, client_address)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    status: int
    kind: str


@dataclass
class Fault:
    kind: str
    status: int | None
    body: Any
    times: int
    delay: float
    drop_connection: bool
    after_commit: bool = False  # carry the request out first, then lose its answer (a proxy's 502/504, a cut)
    # Only requests whose decoded path, query or body contain this text (each of these texts).
    when: str | tuple[str, ...] | None = None
    # Told the request's text when the fault takes hold (after the commit for after_commit faults), before its
    # delay: with a delay, a test can act while the request is held (kill the client that sent it, say).
    notify: Callable[[str], None] | None = None

    def matches(self, request_text: str) -> bool:
        wanted = (self.when,) if isinstance(self.when, str) else self.when or ()
        return all(text in request_text for text in wanted)


@dataclass(frozen=True)
class StandinSeed:
    team_season_id: str
    coach_id: str
    student_ids: list[str]
    student_names: dict[str, str]
    owner_user_id: str
    former_student_id: str = field(default="")


class SalesforceStandin:
    def __init__(self, port: int = 0) -> None:
        self._port = port
        self.org = Org()
        self.clients: dict[str, ConnectedApp] = {}
        self.live_tokens: set[str] = set()
        self.issued_tokens: list[str] = []
        self.calls: list[Call] = []
        self.generation = 0  # bumped by reset(): a slow request from before a reset is not counted after it
        self.latency = 0.0
        self.instance_url: str | None = None  # what tokens name as instance_url; None is this server
        self.reverse_composite_answers = False  # no order promised for compositeResponse: run_composite says where
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._ca = trustme.CA()
        self._folder = tempfile.TemporaryDirectory(prefix="salesforce-standin-")
        self.ca_bundle_path = str(Path(self._folder.name) / "ca.pem")
        self._ca.cert_pem.write_to_path(self.ca_bundle_path)

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Self:
        server = _StandinServer(("127.0.0.1", self._port), SalesforceHandler, bind_and_activate=False)
        server.daemon_threads = True
        server.request_queue_size = 128  # the default backlog of 5 drops connections in a burst
        server.server_bind()
        server.server_activate()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.standin = self  # type: ignore[attr-defined]
        self._server = server
        threading.Thread(target=server.serve_forever, name="salesforce-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._folder.cleanup()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    # --- auth --------------------------------------------------------------------------------
    def register_client(
        self,
        client_id: str,
        client_secret: str | None = None,
        public_key_pem: str | None = None,
        username: str | None = None,
    ) -> None:
        self.clients[client_id] = ConnectedApp(client_id, client_secret, public_key_pem, username)

    def new_session(self) -> dict[str, str]:
        token = "00D5g000001STND!" + secrets.token_urlsafe(48)
        with self._lock:
            self.live_tokens.add(token)
            self.issued_tokens.append(token)
        return {
            "access_token": token,
            "instance_url": self.instance_url or self.url,
            "id": f"{self.url}/id/00D5g000001STNDEAA/{INTEGRATION_USER_ID}",  # the identity URL names the user
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "signature": secrets.token_urlsafe(32),
            "scope": "api",
        }

    def expire_tokens(self) -> None:
        with self._lock:
            self.live_tokens.clear()

    # --- data --------------------------------------------------------------------------------
    def insert(self, sobject: str, fields: dict[str, Any], record_id: str | None = None) -> str:
        return self.org.insert(sobject, fields, record_id)

    def records(self, sobject: str) -> list[dict[str, Any]]:
        with self.org.lock:
            return [dict(record) for record in self.org.committed.get(sobject, {}).values()]

    def record_count(self) -> dict[str, int]:
        return {sobject: len(self.records(sobject)) for sobject in TRACKED}

    def seed_students(
        self, team_season_id: str, count: int, start: str = "2025-01-01", end: str = "2025-12-31"
    ) -> list[str]:
        students = []
        for number in range(count):
            student = self.insert("Contact", {"FirstName": "Student", "LastName": f"{number:03d}"})
            self.insert(
                "Enrollment__c",
                {"Contact__c": student, "Team_Season__c": team_season_id, "Start_Date__c": start, "End_Date__c": end},
            )
            students.append(student)
        return students

    def seed_demo(self) -> StandinSeed:
        """A team season with a coach, three active students (one enrolled twice) and one former student."""
        owner = self.insert("User", {"Name": "Integration User"})
        team = self.insert("Team_Season__c", {"Name": "Bay Area Owls - Spring 2025"})
        coach = self.insert("Contact", {"FirstName": "Maya", "LastName": "Coach"})
        names = {}
        for first, last in (("Ana", "Diaz"), ("Ben", "Okafor"), ("Chloe", "Nguyen")):
            student = self.insert("Contact", {"FirstName": first, "LastName": last})
            names[student] = f"{first} {last}"
            self._enroll(student, team, "2025-01-01", "2025-12-31")
        twice = next(iter(names))
        self._enroll(twice, team, "2025-03-01", "2025-06-30")
        former = self.insert("Contact", {"FirstName": "Dev", "LastName": "Former"})
        self._enroll(former, team, "2024-01-01", "2024-12-31")
        return StandinSeed(team, coach, list(names), names, owner, former)

    def _enroll(self, student: str, team: str, start: str, end: str) -> None:
        self.insert(
            "Enrollment__c", {"Contact__c": student, "Team_Season__c": team, "Start_Date__c": start, "End_Date__c": end}
        )

    # --- faults and observation --------------------------------------------------------------
    def fail_next_insert(
        self, sobject: str, error_code: str, message: str, fields: list[str] | None = None, times: int = 1
    ) -> None:
        for _ in range(times):
            self.org.planned_failures.append((sobject, SalesforceProblem(error_code, message, fields or [])))

    def inject_fault(
        self,
        kind: str,
        status: int | None = None,
        body: Any = None,
        times: int = 1,
        delay: float = 0.0,
        drop_connection: bool = False,
        after_commit: bool = False,
        when: str | tuple[str, ...] | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> Fault:
        """The fault, to withdraw it if it has not been used up."""
        fault = Fault(kind, status, body, times, delay, drop_connection, after_commit, when, notify)
        with self._lock:
            self._faults.append(fault)
        return fault

    def withdraw_fault(self, fault: Fault) -> None:
        with self._lock:
            fault.times = 0
            self._faults = [each for each in self._faults if each.times > 0]

    def take_fault(self, kind: str, request_text: str = "") -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind in (kind, "any") and fault.times > 0 and fault.matches(request_text):
                    fault.times -= 1
                    return fault
        return None

    def record_call(self, method: str, path: str, status: int, kind: str, generation: int | None = None) -> None:
        with self._lock:
            if generation is None or generation == self.generation:
                self.calls.append(Call(method, path, status, kind))

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def reset(self) -> None:
        """A fresh, empty org (IDs restart, so a new seed has the same IDs); registered clients stay."""
        with self._lock:
            self.org = Org()
            self.generation += 1
            self.live_tokens.clear()
            self.calls.clear()
            self._faults.clear()
            self.latency = 0.0
            self.instance_url = None
            self.reverse_composite_answers = False
