"""SnapStart's runtime hooks: priming puts nothing secret in the snapshot; a restore makes containers unique."""

import random

from snapshot_restore_py import get_after_restore, get_before_snapshot

import handler.app  # noqa: F401 - registers the hooks, as the runtime's import of the handler does
from local.environment import LocalEnvironment
from tests.conftest import post_session, session_body


def run(hooks: list[tuple[object, tuple[object, ...], dict[str, object]]]) -> None:
    """What the Lambda runtime does with the registered hooks."""
    for function, args, kwargs in hooks:
        function(*args, **kwargs)  # type: ignore[operator]


def test_the_before_snapshot_hook_fetches_no_secret_no_allowed_clients_and_no_token(
    org: LocalEnvironment, aws_calls: list[str]
) -> None:
    issued = len(org.standin.issued_tokens)

    run(get_before_snapshot())

    assert aws_calls == []  # no GetSecretValue (Salesforce secret or allowed clients), no DynamoDB
    assert org.standin.calls == []
    assert len(org.standin.issued_tokens) == issued

    answer = post_session(session_body(org))  # the first request after a restore fetches them itself

    assert answer.status == 201
    assert aws_calls.count("GetSecretValue") == 2  # the allowed clients and the Salesforce secret
    assert [call.kind for call in org.standin.calls][:1] == ["token"]


def test_a_restored_container_draws_its_own_random_numbers() -> None:
    random.seed(1)
    in_the_snapshot = [random.random() for _ in range(3)]
    random.seed(1)  # as every container restored from that snapshot would be

    run(get_after_restore())

    assert [random.random() for _ in range(3)] != in_the_snapshot


def test_no_handler_module_imports_the_app_that_registers_it() -> None:
    """The hooks get the resolver and builders handed in: handler.app imports them, never the other way."""
    import ast
    from pathlib import Path

    for module in Path("handler").glob("*.py"):
        imported = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(ast.parse(module.read_text()))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert "handler.app" not in imported, f"{module} imports handler.app"
