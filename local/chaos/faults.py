"""What goes wrong in one invocation: Salesforce faults, DynamoDB trouble and a kill, drawn at random.

Salesforce faults are aimed at this request's own calls by texts only it has: its SessionTopic (in the
create's composite body) and its SessionDate (in its enrollment and reconciling queries). Error bodies
are Salesforce's REST shape, `[{"errorCode": ..., "message": ...}]` (REST API Developer Guide, "Status
Codes and Error Responses": "403 ... If the error code is REQUEST_LIMIT_EXCEEDED, you've exceeded API
request limits in your org"; UNABLE_TO_LOCK_ROW and UNKNOWN_EXCEPTION are StatusCode values of the
API), the same shapes tests/integration/test_fault_matrix.py sends. A kill holds the request at the
stand-in (or fires on a timer) and SIGKILLs the container serving it.
"""

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.chaos.dynamodb_proxy import OUTAGE_ANSWERS, DynamoDBTrouble
from local.chaos.fleet import KillableFleet
from local.org_standin import Fault, SalesforceStandin

SERVER_ERROR = [
    {"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred. Please include this ErrorId"}
]
LIMIT = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
LOCKED = [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access to this record"}]
UNAVAILABLE = "<html><body>Service Unavailable</body></html>"
PROXY_504 = "<html><body>504 Gateway Time-out</body></html>"
ANSWERED: dict[str, dict[str, Any]] = {  # kind -> the stand-in's answer instead of the real one
    "salesforce_500": {"status": 500, "body": SERVER_ERROR},
    "salesforce_503": {"status": 503, "body": UNAVAILABLE},
    "unable_to_lock_row": {"status": 400, "body": LOCKED},
    "request_limit_exceeded": {"status": 403, "body": LIMIT},
}
LOST: dict[str, dict[str, Any]] = {  # kind -> the create commits and its answer is lost
    "lost_answer_504": {"after_commit": True, "status": 504, "body": PROXY_504},
    "lost_answer_cut": {"after_commit": True, "drop_connection": True},
}
FAULT_KINDS = (*ANSWERED, "slow_answer", *LOST, "expired_token", "dynamodb_throttled", "dynamodb_outage")
KILL_POINTS = ("kill_early", "kill_during_query", "kill_in_flight", "kill_after_commit", "kill_reconciling")
HOLD_SECONDS = 1.0  # how long the stand-in holds a request whose sender is being killed
FAULT_CHANCE = 0.45  # an invocation has one or two faults
KILL_CHANCE = 0.12  # an invocation is killed at one of the KILL_POINTS
FORCED_FOR = 100  # invocations that go through the kinds not seen yet first (a soak with quotas: all of them)


@dataclass(frozen=True)
class SoakRequest:
    number: int
    topic: str
    day: str  # SessionDate, unique too
    with_task: bool
    keyed: bool
    body: dict[str, Any]
    query: dict[str, Any] | None
    headers: dict[str, Any]


class Chaos:
    """Arms an invocation's faults; counts those that took hold and the kills that landed."""

    def __init__(
        self,
        rng: random.Random,
        standin: SalesforceStandin,
        trouble: DynamoDBTrouble,
        fleet: KillableFleet,
        read_timeout: float,
        forced_for: int = FORCED_FOR,
    ) -> None:
        self._rng, self._standin, self._trouble, self._fleet = rng, standin, trouble, fleet
        self._forced_for = forced_for
        self._slow = read_timeout + 1.0
        self._lock = threading.Lock()
        self.faults: Counter[str] = Counter()
        self.kills: Counter[str] = Counter()
        self.took: dict[str, list[str]] = {}  # invocation -> the faults that took hold and the kill that landed
        self._invocations = 0

    def arm(self, request: SoakRequest, invocation_id: str, lost_before: bool) -> list[Fault]:
        """Faults and a kill for this invocation; the caller withdraws the ones left after it."""
        with self._lock:
            draw = self._rng.random
            self._invocations += 1
            self.took[invocation_id] = []
            # Until every kind has happened once (within the first invocations), each invocation gets the
            # next missing one alone, so that no run passes without them.
            missing = [kind for kind in (*FAULT_KINDS, *KILL_POINTS) if not (self.faults[kind] or self.kills[kind])]
            if missing and self._invocations <= self._forced_for:
                chosen = [missing[self._invocations % len(missing)]]
            else:
                chosen = self._rng.sample(FAULT_KINDS, 2 if draw() < 0.3 else 1) if draw() < FAULT_CHANCE else []
                chosen += [self._rng.choice(KILL_POINTS)] if draw() < KILL_CHANCE else []
            plan = [(kind, self._rng.random()) for kind in chosen]
        armed: list[Fault] = []
        steps_taken: set[str] = set()
        for kind, luck in plan:
            armed += self._arm_one(kind, luck, request, invocation_id, lost_before, steps_taken)
        return armed

    def _arm_one(
        self, kind: str, luck: float, request: SoakRequest, invocation: str, lost_before: bool, taken: set[str]
    ) -> list[Fault]:
        enrollment = ("Enrollment__c", request.day)
        reconciling = ("CreatedDate >=", request.day)
        if kind in ANSWERED or kind == "slow_answer":
            steps: dict[str, tuple[str, str | tuple[str, ...]]] = {
                "create": ("composite", request.topic),
                "query": ("query", enrollment),
                "look": ("query", reconciling),
            }
            usable = [
                s
                for s in steps
                if s not in taken and (s != "query" or request.with_task) and (s != "look" or lost_before)
            ]
            if not usable:
                return []
            step = usable[int(luck * len(usable))]
            taken.add(step)
            where, when = steps[step]
            shape = ANSWERED.get(kind) or {"delay": self._slow}
            return [self._standin.inject_fault(where, when=when, notify=self._counted(kind, invocation), **shape)]
        if kind in LOST:
            taken.add("create")
            return [
                self._standin.inject_fault(
                    "composite", when=request.topic, notify=self._counted(kind, invocation), **LOST[kind]
                )
            ]
        if kind == "expired_token":
            self._standin.expire_tokens()
        elif kind == "dynamodb_throttled":
            self._trouble.throttle(1 + int(luck * 6))  # 1-6 calls: botocore gives up after 3 attempts
        elif kind == "dynamodb_outage":
            self._trouble.outage(0.5 + luck * 2.0, int(luck * 100) % (len(OUTAGE_ANSWERS) + 1))
        if kind in ("expired_token", "dynamodb_throttled", "dynamodb_outage"):
            self._count(self.faults, kind, invocation)
            return []
        return self._arm_kill(kind, luck, request, invocation, lost_before, enrollment, reconciling)

    def _arm_kill(
        self,
        kind: str,
        luck: float,
        request: SoakRequest,
        invocation: str,
        lost_before: bool,
        enrollment: tuple[str, ...],
        reconciling: tuple[str, ...],
    ) -> list[Fault]:
        if kind == "kill_during_query" and not request.with_task:
            kind = "kill_early"  # no enrollment query to hold
        kill = self._killer(kind, invocation)
        if kind == "kill_during_query":
            return [self._standin.inject_fault("query", when=enrollment, delay=HOLD_SECONDS, notify=kill)]
        if kind == "kill_in_flight":  # Salesforce carries on after the client died: it commits, or it fails
            failing = ANSWERED["salesforce_503"] if luck < 0.3 else {}
            return [
                self._standin.inject_fault("composite", when=request.topic, delay=HOLD_SECONDS, notify=kill, **failing)
            ]
        if kind == "kill_after_commit":
            return [
                self._standin.inject_fault(
                    "composite", when=request.topic, after_commit=True, delay=HOLD_SECONDS, notify=kill
                )
            ]
        if kind == "kill_reconciling":
            lose = (
                []
                if lost_before
                else [
                    self._standin.inject_fault(
                        "composite",
                        when=request.topic,
                        notify=self._counted("lost_answer_504", invocation),
                        **LOST["lost_answer_504"],
                    )
                ]
            )
            return [*lose, self._standin.inject_fault("query", when=reconciling, delay=HOLD_SECONDS, notify=kill)]
        timer = threading.Timer(luck * 0.5, kill, args=("",))  # kill_early: before or during anything
        timer.daemon = True
        timer.start()
        return []

    def _killer(self, kind: str, invocation: str) -> Callable[[str], None]:
        def kill(_: str) -> None:
            if self._fleet.kill_serving(invocation):
                self._count(self.kills, kind, invocation)

        return kill

    def _counted(self, kind: str, invocation: str) -> Callable[[str], None]:
        return lambda _: self._count(self.faults, kind, invocation)

    def _count(self, counter: Counter[str], kind: str, invocation: str) -> None:
        with self._lock:
            counter[kind] += 1
            self.took.setdefault(invocation, []).append(kind)
