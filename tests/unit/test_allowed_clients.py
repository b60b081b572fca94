"""The allowed-clients secret: its shape, and how a pair is recognised."""

import pytest

from session_scheduling.api_clients import parse_allowed_clients
from session_scheduling.errors import ClientCheckUnavailable

CLIENTS = {"clients": {"coach-app": ["s3cret-one"], "coach-app-ios": ["old-secret", "new-secret"]}}


@pytest.mark.parametrize(
    ("client_id", "client_secret", "identified"),
    [
        ("coach-app", "s3cret-one", "coach-app"),
        ("coach-app-ios", "old-secret", "coach-app-ios"),
        ("coach-app-ios", "new-secret", "coach-app-ios"),
        ("coach-app", "new-secret", None),  # another client's secret
        ("coach-app", "s3cret-on", None),
        ("coach-app", "s3cret-one ", None),
        ("unknown", "s3cret-one", None),
        ("unknown", "\x00" * 32, None),  # the comparison stand-in for unknown ids lets nobody in
        (None, "s3cret-one", None),
        ("coach-app", None, None),
        ("", "", None),
    ],
)
def test_only_an_allowed_pair_identifies_its_client(
    client_id: str | None, client_secret: str | None, identified: str | None
) -> None:
    assert parse_allowed_clients(CLIENTS).identify(client_id, client_secret) == identified


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({}, "clients: Field required"),
        ({"clients": {"coach-app": []}}, "clients.coach-app: List should have at least 1 item"),
        (
            {"clients": {"coach-app": ["value-a", "value-b", "value-c"]}},
            "clients.coach-app: List should have at most 2 items",
        ),
        ("[]", "secret: Input should be a valid dictionary"),
    ],
)
def test_a_malformed_secret_names_the_key_never_a_value(document: object, named: str) -> None:
    with pytest.raises(ClientCheckUnavailable) as raised:
        parse_allowed_clients(document)  # type: ignore[arg-type] # malformed on purpose

    assert named in raised.value.reason
    assert "value-" not in raised.value.reason
