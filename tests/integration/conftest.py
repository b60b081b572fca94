"""Fixtures of the integration tests that run the handler in container processes."""

from collections.abc import Iterator

import pytest

from local.environment import LocalEnvironment, aws_endpoint

SETTLE_SECONDS = "3"


@pytest.fixture
def container_endpoint(org: LocalEnvironment, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The moto server the container processes share; a repeat's look gives a lost attempt's records 3 s."""
    monkeypatch.setenv("LOST_ANSWER_SETTLE_SECONDS", SETTLE_SECONDS)
    with aws_endpoint() as url:
        yield url
