"""One Lambda container's life, run as its own interpreter on the artifact (python -S, like the runtime).

    python -S bench/lambda_process.py ARTIFACT RUNTIME EVENT_JSON MODE

MODE plain: import the handler, then two requests. MODE primed: import, run the SnapStart
before-snapshot hooks (what a restored container has already done), then two requests. Prints JSON:
seconds for each phase, and for each request its wall time and the time spent in Salesforce calls
and in AWS calls (DynamoDB, Secrets Manager), so that the request's own time can be told apart.
Standalone on purpose: nothing from the project but the artifact is on sys.path.
"""

import importlib.abc
import importlib.util
import json
import sys
import time
from typing import Any

started = time.perf_counter()
started_at = time.monotonic()  # comparable with the parent's clock: the interpreter's own start-up
artifact, runtime, event_text, mode = sys.argv[1:5]
sys.path[:0] = [artifact, runtime]
aws_seconds: list[float] = []


class _TimeAwsCalls(importlib.abc.MetaPathFinder):
    """Once boto3 is imported (wherever the handler first needs it), time each AWS call it makes."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "boto3":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module  # type: ignore[union-attr]

        def exec_module(module: Any) -> None:
            load(module)
            pending: list[float] = []
            events = module._get_default_session().events
            events.register("before-call", lambda **_: pending.append(time.perf_counter()))
            events.register("after-call", lambda **_: aws_seconds.append(time.perf_counter() - pending.pop()))

        spec.loader.exec_module = exec_module  # type: ignore[union-attr]
        return spec


sys.meta_path.insert(0, _TimeAwsCalls())


class Context:
    function_name = "sessions"
    memory_limit_in_mb = 512
    aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:sessions"

    def get_remaining_time_in_millis(self) -> int:
        return 20000


from handler import app

imported = time.perf_counter()
if mode == "primed":
    from snapshot_restore_py import get_after_restore, get_before_snapshot

    for function, args, kwargs in get_before_snapshot():
        function(*args, **kwargs)
    for function, args, kwargs in get_after_restore():
        function(*args, **kwargs)
primed = time.perf_counter()


def request(topic: str) -> dict[str, float]:
    event = json.loads(event_text)
    body = json.loads(event["body"])
    event["body"] = json.dumps(dict(body, SessionTopic=topic))
    aws_before = len(aws_seconds)
    begun = time.perf_counter()
    response = app.lambda_handler(event, Context())
    wall = time.perf_counter() - begun
    if response["statusCode"] != 201:
        raise SystemExit(f"expected 201, got {response}")
    salesforce = sum(call.seconds for call in app.salesforce_calls)
    token = sum(call.seconds for call in app.salesforce_calls if call.name == "token")
    aws = sum(aws_seconds[aws_before:])
    return {"wall": wall, "salesforce": salesforce, "token": token, "aws": aws, "own": wall - salesforce - aws}


first = request(f"{mode}-first-{time.time_ns()}")
warm = request(f"{mode}-warm-{time.time_ns()}")
print(
    json.dumps(
        {
            "started_at": started_at,
            "import": imported - started,
            "prime": primed - imported,
            "first": first,
            "warm": warm,
        }
    )
)
