"""The events/ files and the local run that the README promises, exercised as a newcomer would."""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from local.api import MISSING_TOKEN
from local.api_gateway_events import rest_event
from local.environment import LocalEnvironment
from tests.conftest import Answer, send

EVENTS = Path(__file__).resolve().parents[2] / "events"
ROOT = EVENTS.parent


def load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


@pytest.mark.parametrize(
    ("name", "status", "created"),
    [
        ("create-session-with-task", 201, {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}),
        ("create-session-from-postman", 201, {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}),
        ("create-session-with-idempotency-key", 201, {"Session__c": 1, "SCORES_Task__c": 1, "Attendance__c": 3}),
        ("create-session-without-task", 201, {"Session__c": 1, "SCORES_Task__c": 0, "Attendance__c": 0}),
        ("create-session-without-coach", 201, {"Session__c": 1, "SCORES_Task__c": 0, "Attendance__c": 0}),
        ("create-session-invalid-body", 400, {"Session__c": 0, "SCORES_Task__c": 0, "Attendance__c": 0}),
    ],
)
def test_each_event_file_runs_against_the_seeded_stand_in(
    org: LocalEnvironment, name: str, status: int, created: dict[str, int]
) -> None:
    answer = send(load(name))

    assert answer.status == status
    assert org.standin.record_count() == created


def test_the_invalid_body_event_lists_every_problem(org: LocalEnvironment) -> None:
    answer = send(load("create-session-invalid-body"))

    assert {problem["field"] for problem in answer.body["errors"]} == {
        "TeamSeasonId",
        "SessionDate",
        "SessionStart",
        "CoachId",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LocalApi:
    url: str
    example_body: str
    curl: str  # the command `make run` prints, as printed
    headers: dict[str, str]


@pytest.fixture(scope="module")
def local_api() -> Iterator[LocalApi]:
    """`python -m local.api` as `make run` starts it, and the curl example it prints."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "local.api", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        printed = ""
        deadline = time.monotonic() + 300  # a cap: a busy machine starts it slowly
        while "curl" not in printed and time.monotonic() < deadline:
            printed += server.stdout.readline() if server.stdout else ""
        curl = re.search(r"(curl .*'(http://127\.0\.0\.1:\d+/sessions)'.*-d '(\{.*\})')", printed)
        assert curl, printed
        headers = dict(re.findall(r"-H '([^:]+): ([^']*)'", curl.group(1)))
        yield LocalApi(url=curl.group(2), example_body=curl.group(3), curl=curl.group(1), headers=headers)
    finally:
        server.terminate()
        server.wait(timeout=10)


def run_curl(command: str) -> tuple[int, dict[str, str], str]:
    """Run a curl command line as a newcomer pastes it, with -i to see the answer's status and headers."""
    done = subprocess.run(["bash", "-c", command + " -i"], capture_output=True, text=True, timeout=120, check=True)
    head, _, body = done.stdout.replace("\r\n", "\n").partition("\n\n")
    status_line, *header_lines = head.splitlines()
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's example is a curl command")
def test_the_printed_curl_gets_a_201_with_a_json_content_type(local_api: LocalApi) -> None:
    status, headers, body = run_curl(local_api.curl)

    assert status == 201, body
    assert headers["content-type"] == "application/json"
    assert [a["StudentName"] for a in json.loads(body)["Attendances"]] == ["Ana Diaz", "Ben Okafor", "Chloe Nguyen"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's example is a curl command")
def test_the_printed_curl_without_the_apps_headers_gets_the_deployed_apis_401(local_api: LocalApi) -> None:
    without_pair = re.sub(r" -H 'client_(id|secret): [^']*'", "", local_api.curl)
    assert "client_id" not in without_pair

    status, headers, body = run_curl(without_pair)

    assert status == 401
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["message"].startswith("Missing or invalid client credentials")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/sessions"), ("PATCH", "/sessions/a0S5g0000000001EAA"), ("GET", "/coach/x/allSessions")],
)
def test_a_method_or_path_the_api_does_not_define_is_api_gateways_403(
    local_api: LocalApi, method: str, path: str
) -> None:
    answer = requests.request(method, local_api.url.replace("/sessions", path), headers=local_api.headers, timeout=30)

    assert answer.status_code == 403
    assert answer.json() == {"message": "Missing Authentication Token"}
    assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def smoke_test(url: str, team_season_id: str, client: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SESSIONS_URL": url,
        "SMOKE_TEAM_SEASON_ID": team_season_id,
        "SMOKE_CLIENT_ID": client.get("client_id", ""),
        "SMOKE_CLIENT_SECRET": client.get("client_secret", ""),
    }
    return subprocess.run(
        ["bash", str(ROOT / ".ci" / "smoke-test")], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="the smoke test uses curl, as the pipeline's runner has it")
def test_the_pipelines_smoke_test_passes_against_a_working_api(local_api: LocalApi) -> None:
    team_season_id = json.loads(local_api.example_body)["TeamSeasonId"]

    done = smoke_test(local_api.url, team_season_id, local_api.headers)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "session without task -> 201" in done.stdout


class _Refusing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(403)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.mark.skipif(shutil.which("curl") is None, reason="the smoke test uses curl, as the pipeline's runner has it")
def test_the_pipelines_smoke_test_fails_when_the_api_refuses_everything() -> None:
    server = HTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = smoke_test(f"http://127.0.0.1:{server.server_address[1]}/sessions", "a0N5g0000000001EAA", {})
    finally:
        server.shutdown()
        server.server_close()

    assert done.returncode != 0
    assert "expected 400 for an invalid request, got 403" in done.stderr


# --- make run answers as API Gateway does --------------------------------------------------------------------
# Each request goes to `make run`'s server over HTTP, and, as API Gateway would deliver it, to the handler as a
# hand-built REST proxy event; the two answers must agree. Requests API Gateway answers itself (no resource, no
# method) are compared with API Gateway's own answer.


def over_http(
    api: LocalApi,
    method: str,
    path: str = "/sessions",
    body: bytes | list[bytes] | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Answer:
    """One raw request: repeated headers as sent, a list body sent chunked (Transfer-Encoding: chunked)."""
    host, port = api.url.removeprefix("http://").split("/")[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in [*api.headers.items(), *headers]:
            connection.putheader(name, value)
        if isinstance(body, list):
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            for chunk in body:
                connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            connection.send(b"0\r\n\r\n")
        else:
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
        answer = connection.getresponse()
        raw = answer.read().decode()
        return Answer(answer.status, json.loads(raw) if raw else None, dict(answer.getheaders()), raw)
    finally:
        connection.close()


def through_api_gateway(body: str | None, **event: Any) -> Answer:
    """The handler, given the event API Gateway builds for the same request."""
    return send(rest_event(raw_body=body, **event))


def invalid_body(api: LocalApi) -> bytes:
    """The example with an impossible date: a 400 that shows the body was read, and creates nothing."""
    return api.example_body.replace('"SessionDate": "2025-05-21"', '"SessionDate": "2025-02-30"').encode()


def test_a_blank_query_value_is_kept_and_refused_as_behind_api_gateway(
    org: LocalEnvironment, local_api: LocalApi
) -> None:
    local = over_http(local_api, "POST", "/sessions?createAttendanceTask=", local_api.example_body.encode())
    deployed = through_api_gateway(local_api.example_body, query={"createAttendanceTask": ""})

    assert (local.status, local.body) == (deployed.status, deployed.body)
    assert local.status == 400
    assert [problem["field"] for problem in local.body["errors"]] == ["createAttendanceTask"]


def test_a_header_sent_twice_reaches_the_handler_with_both_values_as_behind_api_gateway(
    org: LocalEnvironment, local_api: LocalApi
) -> None:
    keys = (("Idempotency-Key", "first-key"), ("Idempotency-Key", "second-key"))
    local = over_http(local_api, "POST", body=local_api.example_body.encode(), headers=keys)
    deployed = through_api_gateway(local_api.example_body, headers={"Idempotency-Key": ["first-key", "second-key"]})

    assert (local.status, local.body) == (deployed.status, deployed.body)
    assert local.body["errors"] == [
        {"field": "Idempotency-Key", "message": "was sent more than once with different values; send it once"}
    ]


def test_a_chunked_body_is_read_whole_as_behind_api_gateway(org: LocalEnvironment, local_api: LocalApi) -> None:
    body = invalid_body(local_api)
    local = over_http(local_api, "POST", body=[body[:20], body[20:41], body[41:]])
    deployed = through_api_gateway(body.decode())

    assert (local.status, local.body) == (deployed.status, deployed.body)
    assert [problem["field"] for problem in local.body["errors"]] == ["SessionDate"]

    created = over_http(
        local_api, "POST", body=[local_api.example_body[:30].encode(), local_api.example_body[30:].encode()]
    )
    assert created.status == send(rest_event(raw_body=local_api.example_body)).status == 201
    assert len(created.body["Attendances"]) == 3


def test_a_body_that_is_not_utf8_arrives_as_api_gateway_reads_it(org: LocalEnvironment, local_api: LocalApi) -> None:
    latin1 = local_api.example_body.replace("Dribbling", "Fútbol").encode("latin-1")
    local = over_http(local_api, "POST", body=latin1)
    deployed = through_api_gateway(latin1.decode("utf-8", errors="replace"))

    assert (local.status, local.body) == (deployed.status, deployed.body)
    assert "send the body as UTF-8" in local.body["errors"][0]["message"]


def test_one_trailing_slash_is_the_same_resource_as_behind_api_gateway(
    org: LocalEnvironment, local_api: LocalApi
) -> None:
    body = invalid_body(local_api)
    local = over_http(local_api, "POST", "/sessions/", body)
    deployed = through_api_gateway(body.decode(), path="/sessions/", resource="/sessions")

    assert (local.status, local.body) == (deployed.status, deployed.body)
    assert local.status == 400


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/sessions//"), ("POST", "/sessions/x"), ("HEAD", "/sessions"), ("GET", "/sessions")]
)
def test_what_the_api_does_not_define_gets_api_gateways_own_403(local_api: LocalApi, method: str, path: str) -> None:
    local = over_http(local_api, method, path, local_api.example_body.encode() if method == "POST" else None)

    assert local.status == 403
    assert local.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    if method == "HEAD":
        assert local.raw == "", "an answer to HEAD has no body"
    else:
        assert local.body == MISSING_TOKEN
