"""Serve the handler on http://127.0.0.1:3000 like `sam local start-api`, against the embedded defaults.

python -m local.api [--port 3000]
"""

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.api_gateway_events import rest_event
from local.environment import local_environment
from local.lambda_runtime import invoke


class LocalServer(ThreadingHTTPServer):
    """socketserver's listen backlog of 5 drops connections in a burst; their SYN retries then wait 1-15 s."""

    request_queue_size = 128
    daemon_threads = True


class ApiGatewayProxy(BaseHTTPRequestHandler):
    """Turns each HTTP request into an API Gateway REST proxy event and the handler's answer back."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stall between headers and body

    def _proxy(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else None
        event = rest_event(
            raw_body=body,
            query=_query(url.query),
            headers=dict(self.headers.items()),
            method=self.command,
            path=url.path,
        )
        if "Content-Type" not in self.headers:
            event["headers"].pop("Content-Type", None)
        response = self.answer(event)
        payload = (response.get("body") or "").encode()
        self.send_response(response["statusCode"])
        for name, value in _response_headers(response):
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def answer(self, event: dict[str, Any]) -> dict[str, Any]:
        """One container, one request at a time, like `sam local start-api`."""
        return invoke(event)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _proxy

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"local api: {format % args}\n")


def _response_headers(response: dict[str, Any]) -> list[tuple[str, str]]:
    """API Gateway merges the proxy answer's headers and multiValueHeaders; a name in both keeps its values."""
    merged = {name: list(values) for name, values in (response.get("multiValueHeaders") or {}).items()}
    for name, value in (response.get("headers") or {}).items():
        merged.setdefault(name, [value])
    return [(name, str(value)) for name, values in merged.items() for value in values]


def _query(text: str) -> dict[str, str | list[str]] | None:
    """A parameter given more than once keeps all its values, as API Gateway does."""
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(text):
        values.setdefault(name, []).append(value)
    return {name: given[0] if len(given) == 1 else given for name, given in values.items()} or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--standin-port", type=int, default=0)
    options = parser.parse_args()
    with local_environment(options.standin_port) as env:
        server = LocalServer(("127.0.0.1", options.port), ApiGatewayProxy)
        example = env.example_session()
        print(f"Salesforce stand-in: {env.standin.url} (seeded: 1 team season, 1 coach, students)")
        print(f"Local API ready on http://127.0.0.1:{options.port}  (Ctrl-C to stop)\n")
        print("Try:")
        print(
            f"  curl -s -X POST 'http://127.0.0.1:{options.port}/sessions' "
            f"-H 'Content-Type: application/json' -d '{json.dumps(example)}'\n",
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
