"""With a legacy URL, every path and method but POST /sessions goes to the existing API unchanged, so the
apps can point their one base URL at this API on day one (docs/migration.md)."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from local.api import ApiGatewayProxy, LocalServer
from local.environment import APP_CLIENT_ID, APP_CLIENT_SECRET, LocalEnvironment

APP_HEADERS = {"client_id": APP_CLIENT_ID, "client_secret": APP_CLIENT_SECRET}


@dataclass
class LegacyApi:
    """A stand-in of the existing MuleSoft API: it records what reaches it and answers like GET /sessions."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def legacy_api() -> Iterator[LegacyApi]:
    legacy = LegacyApi()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            legacy.received.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers.items()), "body": body}
            )
            payload = json.dumps([{"SessionId": "a0pcX0000008y3pQAA", "SessionTopic": "Soccer"}]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("X-Legacy", "mule")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_DELETE = _record

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    legacy.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    try:
        yield legacy
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def api_url(org: LocalEnvironment, legacy_api: LegacyApi) -> Iterator[str]:
    proxy = type("ProxyWithLegacy", (ApiGatewayProxy,), {"legacy_url": legacy_api.url})
    server = LocalServer(("127.0.0.1", 0), proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_get_sessions_reaches_the_existing_api_with_the_apps_headers_intact(
    api_url: str, legacy_api: LegacyApi, org: LocalEnvironment
) -> None:
    answer = requests.get(
        f"{api_url}/sessions?teamSeasonId=a0qcX000000GEggQAG&date=2025-11-19",
        headers={**APP_HEADERS, "Accept": "application/json, text/plain, */*", "User-Agent": "okhttp/4.9.2"},
        timeout=120,
    )

    assert answer.status_code == 200
    assert answer.json() == [{"SessionId": "a0pcX0000008y3pQAA", "SessionTopic": "Soccer"}]
    assert answer.headers["X-Legacy"] == "mule"
    [received] = legacy_api.received
    assert (received["method"], received["path"]) == (
        "GET",
        "/api/sessions?teamSeasonId=a0qcX000000GEggQAG&date=2025-11-19",
    )
    assert {name: received["headers"][name] for name in ("client_id", "client_secret", "Accept", "User-Agent")} == {
        **APP_HEADERS,
        "Accept": "application/json, text/plain, */*",
        "User-Agent": "okhttp/4.9.2",
    }
    assert org.standin.calls == [], "not served here"


def test_writes_to_other_paths_are_forwarded_with_their_body(api_url: str, legacy_api: LegacyApi) -> None:
    body = '[{"AttendanceId": "a0A", "Attended": true}]'
    answer = requests.patch(
        f"{api_url}/coach/003UQ00000EiAy9YAF/teamseasons/a0q/sessions/a0p/attendances",
        data=body,
        headers={**APP_HEADERS, "Content-Type": "application/json;charset=utf-8"},
        timeout=120,
    )

    assert answer.status_code == 200
    [received] = legacy_api.received
    assert received["method"] == "PATCH"
    assert received["body"] == body
    assert received["headers"]["Content-Type"] == "application/json;charset=utf-8"


def test_post_sessions_is_still_served_here(api_url: str, legacy_api: LegacyApi, org: LocalEnvironment) -> None:
    answer = requests.post(f"{api_url}/sessions", json=org.example_session(), headers=APP_HEADERS, timeout=120)

    assert answer.status_code == 201
    assert legacy_api.received == []
    assert org.standin.record_count()["Session__c"] == 1
