"""What a fuzz run must show: no answer >= 500, no record made by a 4xx, one session per 2xx; and its figures."""

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.fuzz.requests import Draft

SOBJECTS = ("Session__c", "SCORES_Task__c", "Attendance__c")


@dataclass
class FuzzTally:
    started: float = field(default_factory=time.perf_counter)
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    five_hundreds: int = 0
    created_by_4xx: int = 0  # records
    created_sessions: int = 0
    replays: int = 0  # a 201 that answered an identical earlier request (the window) and created nothing
    failures: list[str] = field(default_factory=list)
    _sessions_answered: set[str] = field(default_factory=set)

    def record(self, draft: Draft, response: dict[str, Any] | Exception, created: dict[str, int]) -> None:
        self.requests += 1
        self.kinds[draft.kind] += 1
        if isinstance(response, Exception):  # the invocation failed: Lambda's error, API Gateway's 502
            self.statuses[502] += 1
            self.five_hundreds += 1
            self._fail(draft, f"invocation raised {response!r}")
            return
        status = response["statusCode"]
        self.statuses[status] += 1
        body = _json(response.get("body"))
        if status >= 500:
            self.five_hundreds += 1
            self._fail(draft, f"{status}: {body}")
        elif status >= 400:
            self._check_refusal(draft, status, body, created)
        else:
            self._check_creation(draft, status, body, created)

    def _check_refusal(self, draft: Draft, status: int, body: Any, created: dict[str, int]) -> None:
        if any(created.values()):
            self.created_by_4xx += sum(created.values())
            self._fail(draft, f"{status} created {created}")
        if not (isinstance(body, dict) and body.get("message")):
            self._fail(draft, f"{status} without a message: {body!r}")

    def _check_creation(self, draft: Draft, status: int, body: Any, created: dict[str, int]) -> None:
        if status != 201 or not isinstance(body, dict):
            self._fail(draft, f"{status}: {body!r}")
            return
        if not any(created.values()) and body["SessionId"] in self._sessions_answered:
            self.replays += 1
            return
        expected = {
            "Session__c": 1,
            "SCORES_Task__c": int(bool(body["TaskId"])),
            "Attendance__c": len(body["Attendances"]),
        }
        if created != expected:
            self._fail(draft, f"201 {body} created {created}")
        self.created_sessions += created["Session__c"]
        self._sessions_answered.add(body["SessionId"])

    def _fail(self, draft: Draft, what: str) -> None:
        self.failures.append(f"[{draft.kind}] {what[:300]} <- {repr(draft)[:600]}")

    def summary(self) -> str:
        seconds = time.perf_counter() - self.started
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(self.kinds.items()))
        return (
            f"fuzz: {self.requests} requests in {seconds:.1f} s ({self.requests / seconds:.0f}/s); "
            f"by status {{{statuses}}}; by confusion {{{kinds}}}; 5xx: {self.five_hundreds}; "
            f"records created by 4xx: {self.created_by_4xx}; 2xx that created one session: {self.created_sessions}, "
            f"replayed an identical earlier request: {self.replays}; failures: {len(self.failures)}"
        )


def records_created(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {sobject: after.get(sobject, 0) - before.get(sobject, 0) for sobject in SOBJECTS}


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text
