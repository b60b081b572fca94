"""Lambda entry of the notifier: a CloudWatch Logs delivery in, at most one SNS message per window out."""

import os
import time
from collections.abc import Callable
from typing import Any

import boto3

from failure_notices.burst_window import BurstWindow
from failure_notices.failed_request import failed_requests
from failure_notices.message import sns_message

# A window whose opener has not closed it this long after it began was left by a dead invocation.
STALE_MARGIN_SECONDS = 120


def deliver(
    subscription_event: dict[str, Any],
    window: BurstWindow,
    publish: Callable[..., Any],
    environment: str,
    wait: Callable[[float], None],
    stale_after: float,
) -> int:
    """Tells the delivery's failed requests; answers how many messages this invocation sent (0 or 1)."""
    failures = failed_requests(subscription_event)
    if not failures:
        return 0
    opened = window.add(failures, stale_after)
    if opened is None:
        return 0  # the invocation that opened the window tells these too
    wait(window.seconds_left(opened))
    told = window.take(opened)
    if told is None:
        return 0
    publish(**sns_message(told, environment))
    return 1


def lambda_handler(event: dict[str, Any], _context: Any) -> dict[str, int]:
    seconds = float(os.environ.get("NOTICE_WINDOW_SECONDS", "300"))
    window = BurstWindow(boto3.client("dynamodb"), os.environ["NOTICE_WINDOW_TABLE"], seconds, time.time)
    topic = os.environ["NOTICE_TOPIC_ARN"]

    def publish(**message: str) -> None:
        boto3.client("sns").publish(TopicArn=topic, **message)

    sent = deliver(
        event,
        window,
        publish,
        os.environ.get("ENVIRONMENT_NAME", "unknown"),
        time.sleep,
        seconds + STALE_MARGIN_SECONDS,
    )
    return {"messages": sent}
