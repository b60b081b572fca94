"""The service's logger, metrics and tracer (Powertools), shared by the entry and its failure answers."""

import logging

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit

METRICS_NAMESPACE = "CoachingPlatform"
# botocore logs whole request and response bodies at DEBUG, the Secrets Manager answer included:
# whatever the log level, its records stop at INFO.
logging.getLogger("botocore").setLevel(logging.INFO)

logger = Logger()
# Only what the service uses is patched: Secrets Manager and DynamoDB calls (botocore), Salesforce HTTP (requests).
tracer = Tracer(auto_patch=True, patch_modules=("botocore", "requests"))
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
