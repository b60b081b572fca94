"""The real clients' requests, sent over HTTP to the local API (API Gateway's event in, its answer out)."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from local.api import ApiGatewayProxy, LocalServer
from local.environment import LocalEnvironment

# The organisation's own IDs, as the existing API's Postman collection and the new app send them.
ORG_TEAM_SEASON_ID = "a0qcX000000GEggQAG"
ORG_COACH_ID = "003UQ00000EiAy9YAF"


@dataclass
class RealOrg:
    env: LocalEnvironment
    base_url: str
    team_season_id: str
    coach_id: str


@pytest.fixture
def real_org(org: LocalEnvironment) -> Iterator[RealOrg]:
    """The seeded stand-in, plus the team season and coach of the Postman request under their real IDs,
    with the seeded students enrolled from August 2024 to the end of 2025; and the local API in front."""
    standin = org.standin
    team = standin.insert("Team_Season__c", {"Name": "Postman team season"}, record_id=ORG_TEAM_SEASON_ID)
    coach = standin.insert("Contact", {"FirstName": "Postman", "LastName": "Coach"}, record_id=ORG_COACH_ID)
    for student in org.seed.student_ids:
        standin.insert(
            "Enrollment__c",
            {"Contact__c": student, "Team_Season__c": team, "Start_Date__c": "2024-08-01", "End_Date__c": "2025-12-31"},
        )
    server = LocalServer(("127.0.0.1", 0), ApiGatewayProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield RealOrg(org, f"http://127.0.0.1:{server.server_address[1]}", team, coach)
    finally:
        server.shutdown()
        server.server_close()
