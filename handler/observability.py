"""The service's logger and metrics (Powertools), shared by the entry and its failure answers.

No tracer: Lambda's active tracing records each invocation's segment without an SDK, and each outside
call's name, duration and outcome goes to the request's log line, which carries the X-Ray trace ID
(Powertools' `xray_trace_id`), so a trace and its calls are joined (docs/operations.md).
"""

import logging
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from session_scheduling.outside_calls import CallRecord

METRICS_NAMESPACE = "CoachingPlatform"
# botocore logs whole request and response bodies at DEBUG, the Secrets Manager answer included:
# whatever the log level, its records stop at INFO.
logging.getLogger("botocore").setLevel(logging.INFO)

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def count(name: str, value: float = 1) -> None:
    """A metric on the service's one series (what alarms watch)."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_by(name: str, **dimensions: str) -> None:
    """A metric of its own with dimensions (what to look at when an alarm fires)."""
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE) as metric:
        for dimension, value in dimensions.items():
            metric.add_dimension(name=dimension, value=value)


def request_id() -> str | None:
    """API Gateway's request id, which is the logs' correlation id; an event without one still gets an answer."""
    correlation_id = logger.get_correlation_id()
    return correlation_id if isinstance(correlation_id, str) else None


def count_call_durations(calls: Sequence[CallRecord]) -> None:
    """Each Salesforce call to the SalesforceCallDuration metric by kind (the dashboard's p50/p99, the alarms)."""
    for call in calls:
        if call.service == "salesforce":
            with single_metric(
                name="SalesforceCallDuration",
                unit=MetricUnit.Milliseconds,
                value=round(call.seconds * 1000, 1),
                namespace=METRICS_NAMESPACE,
            ) as metric:
                metric.add_dimension(name="call", value=call.name)


def call_log(calls: Sequence[CallRecord]) -> list[dict[str, Any]]:
    """The request's outside calls for its log line, in order (no URL, parameter or body)."""
    return [
        {"service": call.service, "call": call.name, "ms": round(call.seconds * 1000, 1), "outcome": call.outcome}
        for call in calls
    ]
