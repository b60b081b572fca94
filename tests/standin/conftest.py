"""The stand-in alone, reached over HTTPS with a token of its own, as the service would reach it."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.org_standin import SalesforceStandin, StandinSeed

API = "/services/data/v62.0"


@pytest.fixture(scope="module")
def standin() -> Iterator[SalesforceStandin]:
    with SalesforceStandin() as running:
        running.register_client("app", client_secret="s3cret")
        yield running


@pytest.fixture
def org(standin: SalesforceStandin) -> tuple[SalesforceStandin, StandinSeed, requests.Session]:
    standin.reset()
    seed = standin.seed_demo()
    http = requests.Session()
    http.trust_env = False  # REQUESTS_CA_BUNDLE from the environment would override verify
    http.verify = standin.ca_bundle_path
    token = http.post(
        f"{standin.url}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "app", "client_secret": "s3cret"},
        timeout=60,
    ).json()
    http.headers["Authorization"] = f"Bearer {token['access_token']}"
    return standin, seed, http


def create(org: Any, sobject: str, body: dict[str, Any]) -> requests.Response:
    standin, _, http = org
    return http.post(f"{standin.url}{API}/sobjects/{sobject}", json=body, timeout=60)
