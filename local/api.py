"""Serve the API on http://127.0.0.1:3000 like `sam local start-api`, against the embedded defaults.

python -m local.api [--port 3000] [--legacy-url https://existing-api.example.org/api]

Like the deployed REST API: POST /sessions runs the function (which checks the client_id/client_secret
headers); with a legacy URL every other method and path is forwarded to the existing API unchanged;
without one they are API Gateway's 403 "Missing Authentication Token" (without a body for HEAD).

The event is built as API Gateway's REST proxy integration builds it (api_gateway_events.from_http_request):
blank query values kept, a repeated header or parameter in multiValueHeaders / multiValueQueryStringParameters
(its last value in headers / queryStringParameters), a chunked body de-chunked, and the body as UTF-8 text.
"""

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from local.api_gateway_events import from_http_request, resource_of
from local.environment import APP_CLIENT_ID, APP_CLIENT_SECRET, local_environment
from local.lambda_runtime import invoke

SERVED_HERE = ("POST", "/sessions")
# Hop-by-hop headers (RFC 9110 section 7.6.1) and what the forwarding sets itself.
_NOT_FORWARDED = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"})
# API Gateway's answer to a method or path the REST API does not define.
MISSING_TOKEN = {"message": "Missing Authentication Token"}


class LocalServer(ThreadingHTTPServer):
    """socketserver's listen backlog of 5 drops connections in a burst; their SYN retries then wait 1-15 s."""

    request_queue_size = 128
    daemon_threads = True


class ApiGatewayProxy(BaseHTTPRequestHandler):
    """Turns each HTTP request into an API Gateway REST proxy event and the handler's answer back."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stall between headers and body
    legacy_url: ClassVar[str | None] = os.environ.get("LEGACY_API_BASE_URL") or None

    def _route(self) -> None:
        url = urlsplit(self.path)
        raw = self._body()
        if (self.command, resource_of(url.path)) == SERVED_HERE:
            event = from_http_request(self.command, url.path, url.query, self.headers.items(), raw, SERVED_HERE[1])
            response = self.answer(event)
            self._reply(response["statusCode"], _response_headers(response), (response.get("body") or "").encode())
        elif self.legacy_url:
            self._forward(self.legacy_url, raw)
        else:
            payload = json.dumps(MISSING_TOKEN).encode()
            headers = [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
            ]
            self._reply(403, headers, payload)

    def _body(self) -> bytes:
        """The body as sent: Content-Length bytes, or the chunks of a chunked body joined (RFC 9112, 7.1)."""
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""
        chunks = []
        while size := int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline().strip():  # trailer fields, up to the blank line
            pass
        return b"".join(chunks)

    def _forward(self, base_url: str, raw: bytes) -> None:
        """API Gateway's HTTP proxy integration: method, path, query, headers and body, unchanged."""
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _NOT_FORWARDED}
        headers["X-Forwarded-For"] = self.client_address[0]
        try:
            upstream = requests.request(
                self.command,
                base_url.rstrip("/") + self.path,
                headers=headers,
                data=raw or None,
                timeout=29,
                allow_redirects=False,
            )
        except requests.RequestException:
            self._reply(504, [("Content-Type", "application/json")], b'{"message": "Endpoint request timed out"}')
            return
        kept = [(name, value) for name, value in upstream.headers.items() if name.lower() not in _NOT_FORWARDED]
        self._reply(upstream.status_code, kept, upstream.content)

    def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "content-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":  # a HEAD answer has the headers of the answer to GET, never a body
            self.wfile.write(payload)

    def answer(self, event: dict[str, Any]) -> dict[str, Any]:
        """One container, one request at a time, like `sam local start-api`."""
        return invoke(event)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _route

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"local api: {format % args}\n")


def _response_headers(response: dict[str, Any]) -> list[tuple[str, str]]:
    """API Gateway merges the proxy answer's headers and multiValueHeaders; a name in both keeps its values."""
    merged = {name: list(values) for name, values in (response.get("multiValueHeaders") or {}).items()}
    for name, value in (response.get("headers") or {}).items():
        merged.setdefault(name, [value])
    return [(name, str(value)) for name, values in merged.items() for value in values]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--standin-port", type=int, default=0)
    parser.add_argument("--legacy-url", default=ApiGatewayProxy.legacy_url, help="forward other paths here")
    options = parser.parse_args()
    ApiGatewayProxy.legacy_url = options.legacy_url or None
    with local_environment(options.standin_port) as env:
        server = LocalServer(("127.0.0.1", options.port), ApiGatewayProxy)
        example = env.example_session()
        print(f"Salesforce stand-in: {env.standin.url} (seeded: 1 team season, 1 coach, students)")
        print(f"Allowed client (demo): client_id={APP_CLIENT_ID}; other paths: {options.legacy_url or '403'}")
        print(f"Local API ready on http://127.0.0.1:{options.port}  (Ctrl-C to stop)\n")
        print("Try:")
        print(
            f"  curl -s -X POST 'http://127.0.0.1:{options.port}/sessions' -H 'Content-Type: application/json' "
            f"-H 'client_id: {APP_CLIENT_ID}' -H 'client_secret: {APP_CLIENT_SECRET}' -d '{json.dumps(example)}'\n",
            flush=True,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


if __name__ == "__main__":
    main()
