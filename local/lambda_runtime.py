"""Invoke the Lambda handler in-process the way the Lambda runtime would: one invocation at a time."""

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

FUNCTION_NAME = "sessions-local"


@dataclass
class LocalContext:
    """The attributes of the Lambda context object that the handler and Powertools read."""

    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1769
    invoked_function_arn: str = f"arn:aws:lambda:us-west-2:123456789012:function:{FUNCTION_NAME}"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = f"/aws/lambda/{FUNCTION_NAME}"
    log_stream_name: str = "local"
    timeout_seconds: float = 30.0  # the function's timeout; the clock starts with the invocation
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.timeout_seconds - (time.monotonic() - self.started)) * 1000)


_one_at_a_time = threading.Lock()


def cold_start() -> None:
    """Forget what a warm container keeps: settings, the secret cache, the token and connection."""
    from handler.app import retry_guard, salesforce_gateway
    from session_scheduling.secrets_manager import forget_secrets
    from session_scheduling.settings import load_settings

    with _one_at_a_time:
        load_settings.cache_clear()
        forget_secrets()
        salesforce_gateway.cache_clear()
        retry_guard.cache_clear()


def invoke(
    event: dict[str, Any], *, timeout_seconds: float = 30.0, context: LocalContext | None = None
) -> dict[str, Any]:
    """A container serves one event at a time; so does this. context: one of the caller's (its own clock)."""
    from handler.app import lambda_handler

    with _one_at_a_time:
        response: dict[str, Any] = lambda_handler(event, context or LocalContext(timeout_seconds=timeout_seconds))
    return response
