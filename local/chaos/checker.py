"""What the org holds after the soak, against what each coach was told.

- duplicates: a request with more than one session (whatever it was answered);
- mismatches: a 2xx whose SessionId, TaskId and attendance IDs are not exactly the request's one bundle
  in the org (or two 2xx answers that differ), or a 4xx other than 409 for a request that has records;
- orphans: a task or attendance row whose session does not exist, a session no request asked for, or
  a session without the task and rows its request asked for (one row per enrolled student) or with
  ones it did not ask for.
A request given up may have one bundle (an attempt committed and its every answer was lost) or none.
Also failed: a 500 or 503 (both say nothing was created) for the one try during which the request's
session was committed ("nothing_claimed_but_committed"), and the service's answer to a bug of its
own, a 500 "The service failed unexpectedly." ("unexpected_failures"). Both were seen, and fixed
(5282b59, 49b1006); none in the one-hour run since.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from local.chaos.coaches import RequestLog

UNEXPECTED = "The service failed unexpectedly."


class OrgRecords(Protocol):
    """What the checker reads of the org (the stand-in's records)."""

    def records(self, sobject: str) -> list[dict[str, Any]]: ...


@dataclass
class Findings:
    duplicates: int = 0
    orphans: int = 0
    mismatches: int = 0
    given_up: int = 0
    given_up_with_bundle: int = 0
    nothing_claimed_but_committed: int = 0
    unexpected_failures: int = 0  # 500 "The service failed unexpectedly.": a bug's answer
    problems: list[str] = field(default_factory=list)
    harness_errors: list[str] = field(default_factory=list)  # the soak itself broke: its figures prove nothing

    def failed(self) -> bool:
        return bool(
            self.duplicates
            or self.orphans
            or self.mismatches
            or self.nothing_claimed_but_committed
            or self.unexpected_failures
            or self.harness_errors
        )


def check_org(logs: list[RequestLog], standin: OrgRecords, students: set[str]) -> Findings:
    found = Findings()
    sessions = {record["Id"]: record for record in standin.records("Session__c")}
    by_topic: dict[str, list[str]] = defaultdict(list)
    for session_id, record in sessions.items():
        by_topic[record.get("Session_Topic__c") or ""].append(session_id)
    tasks: dict[str, list[str]] = defaultdict(list)
    rows: dict[str, dict[str, str]] = defaultdict(dict)  # session -> attendance id -> student
    for task in standin.records("SCORES_Task__c"):
        tasks[task.get("Session__c") or ""].append(task["Id"])
    for row in standin.records("Attendance__c"):
        rows[row.get("Session__c") or ""][row["Id"]] = row.get("Contact__c") or ""
    for parent in set(tasks) | set(rows):
        if parent not in sessions:
            found.orphans += len(tasks[parent]) + len(rows[parent])
            found.problems.append(
                f"orphan: task(s) {tasks[parent]} and row(s) {sorted(rows[parent])} of missing session {parent!r}"
            )
    wanted = {log.request.topic: log for log in logs}
    for topic, ids in by_topic.items():
        if topic not in wanted:
            found.orphans += len(ids)
            found.problems.append(f"orphan: session(s) {ids} with topic {topic!r} that no request sent")
    for log in logs:
        _check_request(log, by_topic.get(log.request.topic, []), tasks, rows, students, found)
        for number, (status, body) in enumerate(log.answers, start=1):
            if status == 500 and isinstance(body, dict) and body.get("message") == UNEXPECTED:
                found.unexpected_failures += 1
                found.problems.append(
                    f"unexpected failure (reported): request {log.request.number}, try {number}: " + " ".join(log.story)
                )
        if len(by_topic.get(log.request.topic, [])) == 1:
            [session_id] = by_topic[log.request.topic]
            _check_claims(log, session_id, sessions[session_id]["CreatedDate"], found)
    return found


def _check_claims(log: RequestLog, session_id: str, created_date: str, found: Findings) -> None:
    """A 500 or 503 for the only try that can have committed the request's session."""
    committed = datetime.strptime(created_date, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    late = 4.0  # the slowest late commit the soak makes, after the answer: a slow answer's
    tries = [
        n
        for n, (sent, answered, may_commit_late) in enumerate(log.windows)
        if sent <= committed <= answered + (late if may_commit_late else 0.05)
    ]
    if len(tries) == 1 and log.answers[tries[0]][0] in (500, 503):
        found.nothing_claimed_but_committed += 1
        found.problems.append(
            f"nothing claimed but committed (reported): request {log.request.number}, try {tries[0] + 1} "
            f"answered {log.answers[tries[0]][0]}, its session {session_id} was committed during it: "
            + " ".join(log.story)
        )


def _check_request(
    log: RequestLog,
    session_ids: list[str],
    tasks: dict[str, list[str]],
    rows: dict[str, dict[str, str]],
    students: set[str],
    found: Findings,
) -> None:
    request = log.request
    said = f"request {request.number} ({'keyed' if request.keyed else 'keyless'}, {'with' if request.with_task else 'no'} task, tries {' '.join(log.story)})"
    if len(session_ids) > 1:
        found.duplicates += len(session_ids) - 1
        found.problems.append(f"duplicate: {said} has {len(session_ids)} sessions {sorted(session_ids)}")
    for session_id in session_ids:
        bundle_rows = rows.get(session_id, {})
        want_tasks, want_students = (1, students) if request.with_task else (0, set())
        if len(tasks.get(session_id, [])) != want_tasks or sorted(bundle_rows.values()) != sorted(want_students):
            found.orphans += 1
            found.problems.append(
                f"orphan: {said}: session {session_id} has tasks {tasks.get(session_id)} and rows {bundle_rows}"
            )
    successes = [body for status, body in log.answers if 200 <= status < 300]
    refused = [status for status, _ in log.answers if 400 <= status < 500 and status != 409]
    if log.gave_up:
        found.given_up += 1
        found.given_up_with_bundle += bool(session_ids)
        found.problems.append(f"given up (allowed): {said} has session(s) {session_ids}")
    if refused and session_ids:
        found.mismatches += 1
        found.problems.append(f"mismatch: {said} was refused ({refused}) yet has session(s) {session_ids}")
    if not successes:
        return
    described = {_described(body) for body in successes}
    org_bundles = {(sid, tuple(sorted(tasks.get(sid, []))), tuple(sorted(rows.get(sid, {})))) for sid in session_ids}
    if len(described) != 1 or not described <= org_bundles:  # a duplicate is counted once, above
        found.mismatches += 1
        found.problems.append(f"mismatch: {said} was answered {sorted(described)}; the org has {sorted(org_bundles)}")


def _described(body: Any) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    task = body.get("TaskId")
    rows = tuple(sorted(row["AttendanceId"] for row in body.get("Attendances") or []))
    return (body.get("SessionId"), (task,) if task else (), rows)
