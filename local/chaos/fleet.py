"""Lambda containers that die: each a fresh interpreter importing the handler, SIGKILLed from outside.

A slot holds one container process at a time. invoke() sends the event to an idle slot and waits for
the answer; when the container dies before answering (killed by the soak, or past its Lambda timeout,
as Lambda would end it), the client gets what API Gateway answers for a function that crashed, a 502
{"message": "Internal server error"}, and a fresh container takes the slot's place (a cold start).
"""

import itertools
import json
import multiprocessing
import os
import queue
import signal
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

READY = "ready"
GATEWAY_502 = {
    "statusCode": 502,
    "headers": {"Content-Type": "application/json"},
    "body": json.dumps({"message": "Internal server error"}),
}
_LAMBDA_TIMEOUT_GRACE = 0.5


def _container(environment: dict[str, str], connection: Connection, log_path: str) -> None:
    """One container: its log lines go to a file, and it serves one invocation at a time."""
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.update(environment)
    from handler.app import lambda_handler
    from local.lambda_runtime import LocalContext

    connection.send(READY)
    while (work := connection.recv()) is not None:
        event, timeout_seconds = work
        connection.send(lambda_handler(event, LocalContext(timeout_seconds=timeout_seconds)))


@dataclass
class _Slot:
    number: int
    process: Any = None
    connection: Connection | None = None
    serving: str | None = None  # the soak's request id of the invocation in progress
    doomed: bool = False  # killed: even if its answer got out first, the process is gone
    lock: threading.Lock = field(default_factory=threading.Lock)


class KillableFleet:
    def __init__(self, size: int, environment: dict[str, str], log_folder: Path) -> None:
        self._spawn = multiprocessing.get_context("spawn")
        self._environment = environment
        self._logs = log_folder
        self._starts = itertools.count()
        self._slots = [_Slot(number) for number in range(size)]
        self._idle: queue.Queue[_Slot] = queue.Queue()
        self.cold_starts = 0
        self.lambda_timeouts = 0
        self.broken: list[str] = []  # containers that could not be replaced: the soak fails

    def start(self) -> None:
        for slot in self._slots:
            self._start(slot)
            self._idle.put(slot)

    def stop(self) -> None:
        for slot in self._slots:
            with suppress(OSError):
                if slot.connection is not None:
                    slot.connection.send(None)
        for slot in self._slots:
            if slot.process is not None:
                slot.process.join(timeout=5)
                if slot.process.is_alive():
                    slot.process.kill()

    def _start(self, slot: _Slot) -> None:
        ours, theirs = self._spawn.Pipe()
        log = self._logs / f"container-{slot.number}-{next(self._starts)}.log"
        process = self._spawn.Process(target=_container, args=(self._environment, theirs, str(log)), daemon=True)
        process.start()
        theirs.close()
        if not ours.poll(120) or ours.recv() != READY:
            raise RuntimeError(f"a container did not start (see {log})")
        with slot.lock:
            slot.process, slot.connection = process, ours
        self.cold_starts += 1

    def invoke(self, request_id: str, event: dict[str, Any], timeout_seconds: float) -> dict[str, Any]:
        """The container's answer, or API Gateway's 502 when the container died first."""
        slot = self._idle.get(timeout=300)
        connection = slot.connection
        assert connection is not None
        with slot.lock:
            slot.serving = request_id
        answer: dict[str, Any] | None = None
        try:
            connection.send((event, timeout_seconds))
            if connection.poll(timeout_seconds + _LAMBDA_TIMEOUT_GRACE):
                answer = connection.recv()
            else:  # Lambda ends an invocation at its timeout: the runtime is gone, the container too
                self.lambda_timeouts += 1
        except (EOFError, OSError):  # killed mid-invocation
            answer = None
        with slot.lock:
            slot.serving, doomed, slot.doomed = None, slot.doomed, False
        if answer is not None and not doomed:
            self._idle.put(slot)
            return answer
        threading.Thread(target=self._replace, args=(slot,), daemon=True).start()
        return answer or GATEWAY_502  # an answer that left just before the kill still reached the client

    def _replace(self, slot: _Slot) -> None:
        with slot.lock:
            process, connection = slot.process, slot.connection
        process.kill()
        process.join(timeout=10)
        if connection is not None:
            connection.close()
        try:
            self._start(slot)
        except Exception as error:  # reported by the soak, which then fails
            self.broken.append(f"slot {slot.number}: {error!r}")
            return
        self._idle.put(slot)

    def kill_serving(self, request_id: str) -> bool:
        """SIGKILL the container serving this request right now, if any: no except, finally or atexit runs."""
        for slot in self._slots:
            with slot.lock:
                if slot.serving == request_id and not slot.doomed and slot.process is not None and slot.process.pid:
                    os.kill(slot.process.pid, signal.SIGKILL)
                    slot.doomed = True
                    return True
        return False
