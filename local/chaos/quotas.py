"""What a soak with quotas (SOAK_MIN_ANSWERED) waits for before it stops sending: every fault kind and
kill point has taken hold at least once, DynamoDB has answered with a throttle and an outage, and at
least that many requests ended in a 2xx. SOAK_SECONDS is then only the cap: a busy machine takes
longer, it does not fail the soak; reaching the cap with a quota unmet does.
"""

from collections import Counter
from dataclasses import dataclass

from local.chaos.coaches import RequestLog
from local.chaos.faults import FAULT_KINDS, KILL_POINTS

DYNAMODB_OUTAGES = ("dynamodb_calls_outage_500", "dynamodb_calls_outage_503", "dynamodb_calls_outage_cut")


def answered_2xx(logs: list[RequestLog]) -> int:
    """Requests that ended in a 2xx (after as many tries as they took)."""
    return sum(any(200 <= status < 300 for status, _ in log.answers) for log in list(logs))


@dataclass(frozen=True)
class Quotas:
    answered_2xx: int

    def unmet(self, faults: Counter[str], kills: Counter[str], logs: list[RequestLog]) -> list[str]:
        """The quotas not met yet, by name; empty once the soak has seen enough."""
        unmet = [kind for kind in FAULT_KINDS if not faults[kind]]
        unmet += [point for point in KILL_POINTS if not kills[point]]
        unmet += [] if faults["dynamodb_calls_throttled"] else ["dynamodb_calls_throttled"]
        unmet += [] if any(faults[kind] for kind in DYNAMODB_OUTAGES) else ["dynamodb_calls_outage"]
        answered = answered_2xx(logs)
        return unmet + ([f"answered_2xx ({answered} of {self.answered_2xx})"] if answered < self.answered_2xx else [])
