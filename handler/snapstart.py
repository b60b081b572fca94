"""SnapStart: what runs before Lambda takes the snapshot and after it restores one (template: SnapStart).

Before the snapshot, everything a first request would otherwise pay for and that holds no secret is
loaded and warmed: simple-salesforce, the resolver (one dry validation, answered 400), pydantic's
validators and serializers, the boto3 clients with their service models. The Salesforce secret, the
allowed clients and the access token are never fetched here, so none of them is in the snapshot;
the first request after a restore fetches them (tests/integration/test_snapstart.py checks it).
After a restore, what must differ between containers is made anew (AWS's SnapStart guidance on
uniqueness: random seeds), and no connection is inherited: none was opened before the snapshot.
"""

import json
import random
from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from session_scheduling.idempotency import RetryGuard
from session_scheduling.request import SessionRequest
from session_scheduling.response import AttendanceCreated, SessionCreated
from session_scheduling.secrets_manager import secrets_client, secrets_provider

# A request the resolver refuses before any route code runs (no Salesforce, no secret, no DynamoDB).
_DRY_REQUEST = {
    "resource": "/sessions",
    "path": "/sessions",
    "httpMethod": "POST",
    "headers": {"Content-Type": "application/json"},
    "multiValueHeaders": {"Content-Type": ["application/json"]},
    "queryStringParameters": {"createAttendanceTask": "true"},
    "multiValueQueryStringParameters": {"createAttendanceTask": ["true"]},
    "requestContext": {"requestId": "snapstart-priming", "resourcePath": "/sessions", "httpMethod": "POST"},
    "body": json.dumps({"SessionDate": "2025-05-21", "SessionStart": "16:00:00.000Z", "CoachId": "not an id"}),
    "isBase64Encoded": False,
}
_EXAMPLE = {
    "TeamSeasonId": "a0qcX000000GEggQAG",
    "SessionDate": "2025-11-19",
    "SessionStart": "16:00:00.000Z",
    "SessionEnd": "18:00",
    "SessionTopic": "Game_Day",
    "CoachId": "003UQ00000EiAy9YAF",
}
# The AWS operations the service calls, each with parameters that botocore refuses before anything is
# signed or sent: the call path up to validation is warmed, and no request leaves.
_INVALID_CALLS: dict[str, dict[str, dict[str, Any]]] = {
    "secretsmanager": {"get_secret_value": {"SecretId": ""}},
    "dynamodb": {"put_item": {"TableName": "", "Item": {}}, "update_item": {"TableName": "", "Key": {}}},
}


class _PrimingContext:
    function_name = "snapstart-priming"
    memory_limit_in_mb = 0
    invoked_function_arn = ""
    aws_request_id = "snapstart-priming"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def prime_before_snapshot(
    app: APIGatewayRestResolver, retry_guard: Callable[[], RetryGuard], salesforce_gateway: Callable[[], object]
) -> None:
    """Registered by handler.app with its resolver and its per-container builders (this module imports no app)."""
    import netrc  # noqa: F401, PLC0415 - requests looks for ~/.netrc on its first request

    import boto3.dynamodb.conditions  # noqa: F401, PLC0415 - Powertools' DynamoDB layer, on its first write
    import simple_salesforce.api  # noqa: F401, PLC0415 - the gateway imports it with the first token
    from botocore.exceptions import ParamValidationError  # noqa: PLC0415

    answer = app.resolve(_DRY_REQUEST, cast("LambdaContext", _PrimingContext()))
    if answer["statusCode"] != 400:  # the dry request must stop at validation, before any route code
        raise RuntimeError(f"SnapStart priming expected a 400, got {answer['statusCode']}")
    SessionRequest.model_validate(_EXAMPLE).model_dump(mode="json")
    created = SessionCreated(
        SessionId="a0pcX0000008y3pQAA",
        TaskId=None,
        Attendances=[AttendanceCreated(AttendanceId="a0A", StudentId="003", StudentName="Priming Placeholder")],
    )
    created.model_dump_json()
    salesforce_gateway()  # the gateway and its HTTPS session object: no connection, no token
    secrets_provider()  # Powertools' provider object, empty: no value is fetched
    clients: dict[str, Any] = {"secretsmanager": secrets_client()}
    guard = retry_guard()
    if guard.dynamodb_client is not None:
        clients["dynamodb"] = guard.dynamodb_client
    for service, client in clients.items():
        for operation, parameters in _INVALID_CALLS[service].items():
            try:
                getattr(client, operation)(**parameters)
            except ParamValidationError:
                continue
            raise RuntimeError(f"SnapStart priming: {service}.{operation} was not refused before sending")


def refresh_after_restore() -> None:
    random.seed()  # every restored container would otherwise draw the same numbers
