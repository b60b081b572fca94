"""The stand-in's HTTPS front: OAuth token endpoint, sObject REST, query and composite, in Salesforce's formats."""

import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from local.org_standin.composite import run_collection, run_composite
from local.org_standin.ids import INTEGRATION_USER_ID
from local.org_standin.oauth import issue_token
from local.org_standin.schema import SalesforceProblem

JSON = "application/json;charset=UTF-8"
# 401: "The session ID or OAuth token used has expired or is invalid. The response body contains the message and
# errorCode" (REST API Developer Guide, "Status Codes and Error Responses", .../api_rest/errorcodes.htm). The
# message is not documented; it is what orgs answer (salesforce.stackexchange.com/questions/18039).
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
# As "Status Codes and Error Responses" prints it for a resource that doesn't exist (404).
NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
# A second DELETE of a deleted record (REST API Developer Guide, "Status Codes and Error Responses": 404
# for a deleted record); the original integration's DELETE /sessions tolerates this code (sessions.xml).
ENTITY_IS_DELETED = [{"errorCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]


def kind_of(path: str) -> str:
    if path.startswith("/services/oauth2/token"):
        return "token"
    if "/composite/sobjects" in path:
        return "collection"
    if path.rstrip("/").endswith("/composite"):
        return "composite"
    if "/query" in path:
        return "query"
    if "/sobjects/" in path:
        return "sobject"
    return "other"


class SalesforceHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SalesforceStandin/1.0"
    # Headers and body leave in separate writes; without TCP_NODELAY, Nagle and delayed ACKs add 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        standin = self.server.standin  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        kind = kind_of(url.path)
        org = standin.org  # a slow request still lands in the org it arrived at, even after a reset
        self._generation = standin.generation
        if standin.latency:
            time.sleep(standin.latency)
        text = unquote_plus(self.path) + raw.decode("utf-8", errors="replace")
        fault = standin.take_fault(kind, text)
        done = None
        if fault is not None and fault.after_commit:
            done = self._route(standin, org, method, url.path, url.query, raw)  # carried out; its answer is lost
        if fault is not None:
            if fault.notify is not None:
                fault.notify(text)
            time.sleep(fault.delay)
            if fault.drop_connection:
                standin.record_call(method, url.path, 0, kind, self._generation)
                self.close_connection = True
                self.connection.close()
                return
            if fault.status is not None:
                self._answer(fault.status, fault.body, method, url.path, kind)
                return
        status, body = done or self._route(standin, org, method, url.path, url.query, raw)
        self._answer(status, body, method, url.path, kind)

    def _route(self, standin: Any, org: Any, method: str, path: str, query: str, raw: bytes) -> tuple[int, Any]:
        if path.rstrip("/") == "/services/oauth2/token":
            # Not documented: what Salesforce answers a GET of the token endpoint. 405 is the REST guide's "method
            # ... isn't allowed" ("Status Codes and Error Responses"); the body is the stand-in's choice.
            if method != "POST":
                return 405, NOT_FOUND
            form = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
            return issue_token(standin, form)
        if not path.startswith("/services/data/v"):
            return 404, NOT_FOUND
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in standin.live_tokens:
            return 401, INVALID_SESSION
        parts = path.rstrip("/").split("/")[4:]  # after /services/data/vNN.N
        try:
            return self._data_api(standin, org, method, parts, query, raw)
        except SalesforceProblem as problem:
            return problem.status, [problem.as_error()]

    def _data_api(
        self, standin: Any, org: Any, method: str, parts: list[str], query: str, raw: bytes
    ) -> tuple[int, Any]:
        body = _json(raw) if raw else None
        if parts == ["query"] and method == "GET":
            soql = parse_qs(query).get("q", [""])[0]
            records = org.query(soql)
            return 200, {"totalSize": len(records), "done": True, "records": records}
        if parts == ["composite"] and method == "POST":
            return 200, run_composite(org, body, reverse_answers=standin.reverse_composite_answers)
        if parts == ["composite", "sobjects"] and method == "POST":
            return 200, run_collection(org, body, outer_all_or_none=None)[1]
        if len(parts) == 2 and parts[0] == "sobjects" and method == "POST":
            if not isinstance(body, dict):
                raise SalesforceProblem("JSON_PARSER_ERROR", "The request body must be a JSON object")
            record_id = org.insert(parts[1], body, created_by=INTEGRATION_USER_ID)
            return 201, {"id": record_id, "success": True, "errors": []}
        if len(parts) == 3 and parts[0] == "sobjects" and method == "GET":
            record = org.get(parts[1], parts[2])
            if record is None:
                return 404, NOT_FOUND
            return 200, {"attributes": {"type": parts[1]}, **record}
        if len(parts) == 3 and parts[0] == "sobjects" and method in ("PATCH", "DELETE"):
            return self._change(org, method, parts[1], parts[2], body)
        return 404, NOT_FOUND

    def _change(self, org: Any, method: str, sobject: str, record_id: str, body: Any) -> tuple[int, Any]:
        """sObject Rows PATCH (update) and DELETE: 204 without a body, as Salesforce answers both.

        What the coach apps do through the original integration's other endpoints: its PATCH /sessions/{id}
        updates Session__c's date, times, topic, team season and headcounts; its DELETE /sessions/{id}
        deletes the session's tasks, attendance rows and the session in one call (salesforce-data-api
        sessions.xml at 4b38bcf, flows patch:/sessions and delete:/sessions). A DELETE here removes that one
        record only: whether the org cascades (master-detail) is not in the evidence (docs/salesforce-fields.md).
        """
        if method == "DELETE":
            if org.was_deleted(record_id):
                return 404, ENTITY_IS_DELETED
            return (204, None) if org.delete_record(sobject, record_id) else (404, NOT_FOUND)
        if not isinstance(body, dict):
            raise SalesforceProblem("JSON_PARSER_ERROR", "The request body must be a JSON object")
        return (204, None) if org.update(sobject, record_id, body) else (404, NOT_FOUND)

    def _answer(self, status: int, body: Any, method: str, path: str, kind: str) -> None:
        standin = self.server.standin  # type: ignore[attr-defined]
        standin.record_call(method, path, status, kind, self._generation)
        if status == 204:  # No Content: no body and no Content-Type
            self.send_response(status)
            self.end_headers()
            return
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON if not isinstance(body, str) else "text/html")
        self.send_header("Content-Length", str(len(payload)))
        # "Limit Info Header" (REST API Developer Guide, headers_api_usage.htm): api-usage=used/limit on each REST
        # response. The 15000 limit is made up, and the count includes every call the stand-in saw.
        if path.startswith("/services/data"):
            self.send_header("Sforce-Limit-Info", f"api-usage={len(standin.calls)}/15000")
        self.end_headers()
        self.wfile.write(payload)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError as error:
        raise SalesforceProblem("JSON_PARSER_ERROR", f"Unexpected character: {error}") from None
