"""One Lambda container's life, run as its own interpreter on the artifact (python -S, like the runtime).

    python -S bench/lambda_process.py ARTIFACT RUNTIME EVENT_JSON MODE

MODE plain: import the handler, then two requests. MODE primed: import, run the SnapStart
before-snapshot hooks (what a restored container has already done), then two requests. Prints JSON:
seconds for each phase, and for each request its wall time and the time spent in Salesforce calls
and in AWS calls (DynamoDB, Secrets Manager; the handler's own call log), so that the request's own time can be told apart.
Standalone on purpose: nothing from the project but the artifact is on sys.path.
"""

import json
import sys
import time

started = time.perf_counter()
started_at = time.monotonic()  # comparable with the parent's clock: the interpreter's own start-up
artifact, runtime, event_text, mode = sys.argv[1:5]
sys.path[:0] = [artifact, runtime]


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
    begun = time.perf_counter()
    response = app.lambda_handler(event, Context())
    wall = time.perf_counter() - begun
    if response["statusCode"] != 201:
        raise SystemExit(f"expected 201, got {response}")
    salesforce = sum(call.seconds for call in app.calls if call.service == "salesforce")
    token = sum(call.seconds for call in app.calls if call.service == "salesforce" and call.name == "token")
    aws = sum(call.seconds for call in app.calls if call.service != "salesforce")  # the service times them itself
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
