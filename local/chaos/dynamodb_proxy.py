"""DynamoDB trouble on demand: an HTTP proxy on 127.0.0.1 in front of moto's server.

The containers' AWS_ENDPOINT_URL points here. Everything is forwarded unchanged (Secrets Manager too)
except DynamoDB calls while a fault is armed:
- throttling: the next N DynamoDB calls get DynamoDB's 400 ProvisionedThroughputExceededException;
- outage: for a few seconds every DynamoDB call gets a 500 InternalServerError, a 503 ServiceUnavailable
  or a closed connection.
The error bodies are DynamoDB's wire format ("Error handling with DynamoDB", Amazon DynamoDB Developer
Guide: "Error components" shows `{"__type":"com.amazonaws.dynamodb.v20120810#...","message":...}`;
"Error messages and codes" lists ProvisionedThroughputExceededException as 400, InternalServerError as
500 and ServiceUnavailable as 503). botocore retries all three itself (its standard retry mode, the
default of the pinned botocore: 3 attempts), so a short fault is absorbed and a longer one reaches
the service.
"""

import json
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

DYNAMODB_TARGET = "DynamoDB_20120810."
_ERROR_TYPE = "com.amazonaws.dynamodb.v20120810#"
THROTTLED = (
    400,
    "ProvisionedThroughputExceededException",
    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
)
OUTAGE_ANSWERS = (
    (500, "InternalServerError", "Internal server error"),
    (503, "ServiceUnavailable", "The service is currently unavailable or busy."),
)
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})


class DynamoDBTrouble:
    """What the proxy does to the next DynamoDB calls; counts what it did."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._throttle_left = 0
        self._outage_until = 0.0
        self._outage_kind = 0  # an index into OUTAGE_ANSWERS, or len(OUTAGE_ANSWERS) for a cut connection
        self.answered: Counter[str] = Counter()  # DynamoDB calls answered with a fault, by kind

    def throttle(self, calls: int) -> None:
        with self._lock:
            self._throttle_left = max(self._throttle_left, calls)

    def outage(self, seconds: float, kind: int) -> None:
        with self._lock:
            self._outage_until = max(self._outage_until, time.monotonic() + seconds)
            self._outage_kind = kind

    def end_outage(self) -> None:
        with self._lock:
            self._outage_until = 0.0

    def next_answer(self) -> tuple[int, str, str] | str | None:
        """A fault's (status, type, message), "cut", or None to forward the call."""
        with self._lock:
            if time.monotonic() < self._outage_until:
                if self._outage_kind >= len(OUTAGE_ANSWERS):
                    self.answered["outage_cut"] += 1
                    return "cut"
                answer = OUTAGE_ANSWERS[self._outage_kind]
                self.answered[f"outage_{answer[0]}"] += 1
                return answer
            if self._throttle_left > 0:
                self._throttle_left -= 1
                self.answered["throttled"] += 1
                return THROTTLED
        return None


class _Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    upstream: str
    trouble: DynamoDBTrouble
    http: requests.Session

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if (self.headers.get("X-Amz-Target") or "").startswith(DYNAMODB_TARGET):
            fault = self.trouble.next_answer()
            if isinstance(fault, str):  # "cut"
                self.close_connection = True
                self.connection.close()
                return
            if fault is not None:
                status, kind, message = fault
                body = json.dumps({"__type": _ERROR_TYPE + kind, "message": message}).encode()
                self._reply(status, [("Content-Type", "application/x-amz-json-1.0")], body)
                return
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP}
        answer = self.http.post(self.upstream + self.path, data=raw, headers=headers, timeout=30)
        kept = [(name, value) for name, value in answer.headers.items() if name.lower() not in _HOP_BY_HOP]
        self._reply(answer.status_code, kept, answer.content)  # x-amz-crc32 and the body pass unchanged

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ProxyServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A container killed mid-call hangs up: not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class DynamoDBProxy:
    """with DynamoDBProxy(moto_url) as proxy: containers use proxy.url; proxy.trouble arms the faults."""

    def __init__(self, upstream: str) -> None:
        self.trouble = DynamoDBTrouble()
        session = requests.Session()
        session.trust_env = False
        handler = type("Proxy", (_Proxy,), {"upstream": upstream.rstrip("/"), "trouble": self.trouble, "http": session})
        self._server = _ProxyServer(("127.0.0.1", 0), handler, bind_and_activate=False)
        self._server.daemon_threads = True
        self._server.request_queue_size = 128

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "DynamoDBProxy":
        self._server.server_bind()
        self._server.server_activate()
        threading.Thread(target=self._server.serve_forever, name="dynamodb-proxy", daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
