"""Every path, with logging at DEBUG: no credential, token or private key in logs, answers or errors; no student name in logs."""

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from local.environment import LocalEnvironment
from local.lambda_runtime import cold_start
from tests.conftest import Answer, post_session, session_body
from tests.keys import rsa_key_pair

CLIENT_SECRET = "cc-secret-Zq8vX2-never-printed"


@pytest.fixture
def everything_logged(service_logs: io.StringIO, caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], str]]:
    """The service's JSON log lines plus every library's log records, all at DEBUG."""
    from handler.app import logger

    previous = logger.log_level
    logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield lambda: service_logs.getvalue() + caplog.text
    logger.setLevel(previous)


def test_no_path_leaks_a_secret(org: LocalEnvironment, everything_logged: Callable[[], str]) -> None:
    private_pem, public_pem = rsa_key_pair()
    org.standin.register_client("cc-app", client_secret=CLIENT_SECRET)
    org.standin.register_client("jwt-app", public_key_pem=public_pem, username="integration@owls.example.org")
    client_credentials = org.client_credentials_secret(client_id="cc-app", client_secret=CLIENT_SECRET)
    jwt_bearer = {
        "auth_flow": "jwt_bearer",
        "login_url": org.standin.url,
        "client_id": "jwt-app",
        "username": "integration@owls.example.org",
        "private_key": private_pem,
    }
    answers: list[Answer] = []
    day = iter(f"2025-06-{n:02d}" for n in range(1, 29))

    def attempt(secret: object, **fields: object) -> None:
        org.store_secret(secret if isinstance(secret, str) else dict(secret))  # type: ignore[arg-type]
        cold_start()
        answers.append(post_session(session_body(org, SessionDate=next(day), **fields)))

    attempt(client_credentials)  # success with task
    attempt(jwt_bearer, CoachId=...)  # success without task, JWT flow
    attempt(jwt_bearer | {"username": "nobody@else.org"})  # refused grant
    attempt(jwt_bearer | {"private_key": private_pem.replace("A", "B", 5)})  # unusable key
    attempt(client_credentials | {"client_secret": CLIENT_SECRET + "-old"})  # refused client
    attempt({k: v for k, v in client_credentials.items() if k != "client_id"})  # missing key
    attempt(json.dumps(client_credentials)[:-3])  # not JSON
    org.standin.fail_next_insert("Attendance__c", "UNABLE_TO_LOCK_ROW", "locked")
    attempt(client_credentials)  # Salesforce refusal
    org.standin.inject_fault("composite", drop_connection=True)
    attempt(client_credentials)  # lost answer
    org.standin.inject_fault("query", status=401, body=[{"errorCode": "INVALID_SESSION_ID", "message": "expired"}])
    attempt(client_credentials)  # token renewal

    statuses = [answer.status for answer in answers]
    assert statuses == [201, 201, 500, 500, 500, 500, 500, 500, 504, 201]
    key_body = "".join(private_pem.splitlines()[1:-1])
    secrets_seen = [CLIENT_SECRET, key_body[:40], key_body[-40:], *org.standin.issued_tokens]
    logged = everything_logged()
    assert "Salesforce step failed" in logged
    assert '"level":"DEBUG"' in logged or "DEBUG" in logged
    for text in [logged, *(json.dumps(answer.body) for answer in answers)]:
        for secret in secrets_seen:
            assert secret not in text
    for student_name in org.seed.student_names.values():  # children's names belong in the answer only
        assert student_name not in logged
    assert any(student_name in json.dumps(answers[0].body) for student_name in org.seed.student_names.values())
