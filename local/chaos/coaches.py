"""Coach apps sending a stream of distinct requests and retrying each one as the apps would.

A request is keyed (Idempotency-Key) or keyless (the same body is its identity), and asks for a task
(CoachId), for none (createAttendanceTask=false) or has no coach. Its SessionTopic and SessionDate are
its own, so the stand-in can aim faults at it and the checker can find its records. A retry sends the
same key or the same body, after the Retry-After seconds when the answer has them, else a short
backoff; 2xx ends it, so does a 4xx other than 409; the client gives up after a bound.
"""

import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.api_gateway_events import rest_event
from local.chaos.faults import Chaos, SoakRequest
from local.chaos.fleet import KillableFleet
from local.org_standin import SalesforceStandin

MAX_RETRY_AFTER = 30.0
LATE_COMMITS = {"slow_answer", "kill_in_flight"}  # Salesforce may commit the create after the answer


@dataclass
class RequestLog:
    request: SoakRequest
    answers: list[tuple[int, Any]] = field(default_factory=list)  # (status, body) of each try
    story: list[str] = field(default_factory=list)  # each try: its invocation, answer, and what went wrong
    # each try: when it was sent and answered (time.time()), and whether Salesforce may commit it later
    windows: list[tuple[float, float, bool]] = field(default_factory=list)
    gave_up: bool = False


def day_of(number: int) -> str:
    """A valid date per request number, 2031-01-01 onwards, never the same twice (28 days a month)."""
    month, day = divmod(number, 28)
    year, month = divmod(month, 12)
    return f"{2031 + year:04d}-{month + 1:02d}-{day + 1:02d}"


@dataclass
class CoachApps:
    seed: int
    team_season_id: str
    coach_id: str
    fleet: KillableFleet
    chaos: Chaos
    standin: SalesforceStandin
    lambda_timeout: float
    give_up_seconds: float
    max_tries: int = 40
    logs: list[RequestLog] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)  # a client that stopped on an error: the soak fails
    _numbers: Any = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, clients: int, keep_sending: Callable[[], bool]) -> list[RequestLog]:
        """Each client sends one request after another while keep_sending() says so."""
        threads = [
            threading.Thread(target=self._client, args=(n, keep_sending), name=f"coach-{n}") for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.logs

    def _client(self, client: int, keep_sending: Callable[[], bool]) -> None:
        rng = random.Random(f"{self.seed}-{client}")  # noqa: S311 - reproducible draws, not secrets
        while keep_sending():
            log = RequestLog(self._new_request(next(self._numbers), rng))
            with self._lock:
                self.logs.append(log)
            try:
                self._send_until_answered(log, rng)
            except Exception as error:  # reported by the soak, which then fails
                self.crashes.append(f"coach {client}, request {log.request.number}: {error!r}")
                return

    def _new_request(self, number: int, rng: random.Random) -> SoakRequest:
        topic = f"soak-{self.seed}-{number:07d}"
        shape = rng.random()
        with_coach, with_task = (True, True) if shape < 0.5 else ((True, False) if shape < 0.75 else (False, False))
        keyed = rng.random() < 0.5
        body = {
            "TeamSeasonId": self.team_season_id,
            "SessionDate": day_of(number),
            "SessionStart": "18:00",
            "SessionEnd": "19:30",
            "SessionTopic": topic,
            **({"CoachId": self.coach_id} if with_coach else {}),
        }
        query = {"createAttendanceTask": "false"} if with_coach and not with_task else None
        headers = {"Idempotency-Key": f"soak-key-{self.seed}-{number}"} if keyed else {}
        return SoakRequest(number, topic, day_of(number), with_task, keyed, body, query, headers)

    def _send_until_answered(self, log: RequestLog, rng: random.Random) -> None:
        request, started, lost_before = log.request, time.monotonic(), False
        for tries in itertools.count(1):
            invocation = f"{request.number}-{tries}"
            armed = self.chaos.arm(request, invocation, lost_before)
            request_id = f"soak-{self.seed}-{invocation}"  # the containers' logs name it as correlation_id
            event = rest_event(request.body, query=request.query, headers=request.headers, request_id=request_id)
            sent = time.time()
            response = self.fleet.invoke(invocation, event, self.lambda_timeout)
            for fault in armed:
                self.standin.withdraw_fault(fault)
            status = response["statusCode"]
            log.answers.append((status, json.loads(response.get("body") or "null")))
            took = self.chaos.took.get(invocation) or []
            log.story.append(f"{request_id}:{status}{took or ''}")
            log.windows.append((sent, time.time(), bool(LATE_COMMITS.intersection(took))))
            if 200 <= status < 300 or (400 <= status < 500 and status != 409):
                return
            lost_before = lost_before or status in (502, 504)
            waited = time.monotonic() - started
            if waited >= self.give_up_seconds or tries >= self.max_tries:
                log.gave_up = True
                return
            pause = _retry_after(response) or min(0.5 * 2 ** (tries - 1), 8.0) * rng.uniform(0.5, 1.5)
            time.sleep(min(pause, self.give_up_seconds - waited))


def _retry_after(response: dict[str, Any]) -> float | None:
    """The Retry-After seconds of an answer (RFC 9110 section 10.2.3), if it has them."""
    for name, value in (response.get("headers") or {}).items():
        if name.lower() == "retry-after" and str(value).strip().isdigit():
            return min(float(value), MAX_RETRY_AFTER)
    return None
