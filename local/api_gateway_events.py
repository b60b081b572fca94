"""API Gateway REST (v1) proxy events, shaped as API Gateway sends them to Lambda (local runs and tests)."""

import json
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT = "123456789012"
# What every request of the coach apps carries (the existing API's client-ID enforcement): the demo
# client that the local run and the tests allow (a stand-in credential, never a real one).
DEMO_APP_HEADERS = {"client_id": "coach-app-demo", "client_secret": "coach-app-demo-secret-do-not-use"}


def rest_event(
    body: Any = None,
    *,
    raw_body: str | None = None,
    query: dict[str, str | list[str]] | None = None,
    headers: dict[str, str | list[str] | None] | None = None,
    method: str = "POST",
    path: str = "/sessions",
    base64_encoded: bool = False,
    request_id: str | None = None,
    exact_headers: bool = False,
    resource: str | None = None,
) -> dict[str, Any]:
    """exact_headers: only the given headers (a real client's request), not the demo app's defaults.

    A header given as a list was sent repeated: API Gateway passes its last value in headers, all in
    multiValueHeaders (as for query parameters). resource: the API's resource the path was routed to (the path
    itself unless given: `/sessions/` is routed to `/sessions`)."""
    request_id = request_id or str(uuid.uuid4())
    defaults = {
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.us-west-2.amazonaws.com",
        **DEMO_APP_HEADERS,
    }
    given: dict[str, str | list[str] | None] = {**({} if exact_headers else defaults), **(headers or {})}
    all_headers = {name: _values(value) for name, value in given.items() if value is not None and value != []}
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    resource = resource or path
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in all_headers.items()},
        "multiValueHeaders": all_headers,
        # API Gateway: the last value of a repeated parameter, and all of them
        "queryStringParameters": {name: _values(value)[-1] for name, value in query.items()} if query else None,
        "multiValueQueryStringParameters": {name: _values(value) for name, value in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/dev{path}",
            "stage": "dev",
            "accountId": ACCOUNT,
            "apiId": "abc123",
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": "21/May/2025:18:00:00 +0000",
            "requestTimeEpoch": 1747850400000,
            "protocol": "HTTP/1.1",
            "domainName": "abc123.execute-api.us-west-2.amazonaws.com",
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "ScoresCoachApp/3.2"},
        },
        "body": text,
        "isBase64Encoded": base64_encoded,
    }


def _values(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def resource_of(path: str) -> str:
    """The resource API Gateway's REST API routes a path to: one trailing slash is ignored (`/sessions/` is
    `/sessions`, shown by Powertools' end-to-end test against API Gateway, tests/e2e/event_handler/
    test_paths_ending_with_slash.py, and its resolver's `^{}/*$` routes), while `/sessions//` names an empty
    resource below /sessions, which the API does not define (its 403)."""
    return path[:-1] if path.endswith("/") and not path.endswith("//") and path != "/" else path


def from_http_request(
    method: str, path: str, query: str, headers: Iterable[tuple[str, str]], body: bytes, resource: str
) -> dict[str, Any]:
    """The event API Gateway's REST proxy integration sends for one HTTP request.

    Query values are kept when blank (`?createAttendanceTask=` is ""), a header or parameter sent more than
    once keeps every value in order (names of one header in different cases are one header), and the body,
    with no binaryMediaTypes in template.yaml, is text: its bytes read as UTF-8, bytes that are not UTF-8
    becoming U+FFFD ("Binary media types for REST APIs": without binaryMediaTypes the payload is handled as
    a UTF-8 encoded JSON string)."""
    grouped: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in headers:
        grouped.setdefault(spelling.setdefault(name.lower(), name), []).append(value)
    parameters: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        parameters.setdefault(name, []).append(value)
    return rest_event(
        raw_body=body.decode("utf-8", errors="replace") if body else None,
        query={name: values[0] if len(values) == 1 else values for name, values in parameters.items()} or None,
        headers={name: values[0] if len(values) == 1 else values for name, values in grouped.items()},
        method=method,
        path=path,
        exact_headers=True,
        resource=resource,
    )
