"""Several Lambda containers answering at once, each in its own process.

Real containers share nothing but the services they call: here DynamoDB and Secrets Manager (a moto
server over HTTP) and Salesforce (the stand-in over HTTPS). Threads in one process would also share
the resolver, the retry guard and the metrics object, which no two real containers do, so a race
found with threads can be the harness's own.
"""

import multiprocessing
import os
import queue
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from typing import Any

READY = "ready"


def _container(environment: dict[str, str], connection: Connection, start: Barrier) -> None:
    """One warm container: answers each event it is sent, one at a time, like Lambda."""
    os.environ.update(environment)
    from handler.app import lambda_handler
    from local.lambda_runtime import LocalContext

    connection.send(READY)
    while (work := connection.recv()) is not None:
        event, together = work
        if together:
            start.wait()
        connection.send(lambda_handler(event, LocalContext()))


class ContainerFleet:
    def __init__(self, connections: list[Connection]) -> None:
        self._connections = connections
        self._idle: queue.Queue[Connection] = queue.Queue()
        for connection in connections:
            self._idle.put(connection)

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        """Like Lambda scaling out: the event goes to a container that is free (waits for one if none is)."""
        connection = self._idle.get()
        try:
            connection.send((event, False))
            response: dict[str, Any] = connection.recv()
            return response
        finally:
            self._idle.put(connection)

    def invoke_together(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One event per container, all released at the same moment; the answers in event order."""
        if len(events) != len(self._connections):
            raise ValueError(f"this fleet takes exactly {len(self._connections)} events at a time")
        for connection, event in zip(self._connections, events, strict=True):
            connection.send((event, True))
        return [connection.recv() for connection in self._connections]


@contextmanager
def container_fleet(size: int, aws_endpoint_url: str) -> Iterator[ContainerFleet]:
    """size containers with this process's environment, reaching AWS at aws_endpoint_url."""
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, like a new container
    start = spawn.Barrier(size)
    environment = {**os.environ, "AWS_ENDPOINT_URL": aws_endpoint_url}
    processes, connections = [], []
    try:
        for _ in range(size):
            ours, theirs = spawn.Pipe()
            process = spawn.Process(target=_container, args=(environment, theirs, start), daemon=True)
            process.start()
            processes.append(process)
            connections.append(ours)
        for connection in connections:
            if not connection.poll(120) or connection.recv() != READY:
                raise RuntimeError("a container did not start")
        yield ContainerFleet(connections)
    finally:
        for connection in connections:
            with suppress(OSError):  # a container that died has closed its end
                connection.send(None)
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


def _single_container(environment: dict[str, str], connection: Connection, timeout_seconds: float) -> None:
    """One container whose invocations have the given Lambda timeout; killed from outside, it dies as Lambda's do."""
    os.environ.update(environment)
    from handler.app import lambda_handler
    from local.lambda_runtime import LocalContext

    connection.send(READY)
    while (event := connection.recv()) is not None:
        connection.send(lambda_handler(event, LocalContext(timeout_seconds=timeout_seconds)))


class ContainerProcess:
    """A fresh interpreter that imports the handler as Lambda does, and can be SIGKILLed mid-invocation."""

    def __init__(self, aws_endpoint_url: str, timeout_seconds: float = 30.0, **environment: str) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._connection, theirs = spawn.Pipe()
        env = {**os.environ, "AWS_ENDPOINT_URL": aws_endpoint_url, **environment}
        self.process = spawn.Process(target=_single_container, args=(env, theirs, timeout_seconds), daemon=True)
        self.process.start()
        if not self._connection.poll(120) or self._connection.recv() != READY:
            raise RuntimeError("the container did not start")

    def send(self, event: dict[str, Any]) -> None:
        """Start an invocation without waiting for its answer."""
        self._connection.send(event)

    def answer(self, timeout: float = 60.0) -> dict[str, Any]:
        if not self._connection.poll(timeout):
            raise TimeoutError("the container did not answer")
        response: dict[str, Any] = self._connection.recv()
        return response

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.send(event)
        return self.answer()

    def kill(self) -> None:
        """SIGKILL: no except, finally or atexit runs, like a Lambda timeout or an out-of-memory kill."""
        self.process.kill()
        self.process.join(timeout=10)

    def stop(self) -> None:
        if self.process.is_alive():
            with suppress(OSError):
                self._connection.send(None)
            self.process.join(timeout=10)
        if self.process.is_alive():
            self.kill()
