"""Faults a harness can aim and watch: at one request by several texts, told when they take hold, withdrawn."""

import threading
import time
from typing import Any

from tests.standin.conftest import API

SESSION_QUERY = "SELECT Id FROM Session__c WHERE Session_Topic__c = 'Kill me'"


def query(org: Any, soql: str) -> Any:
    standin, _, http = org
    return http.get(f"{standin.url}{API}/query", params={"q": soql}, timeout=60)


def composite_creating(org: Any, topic: str) -> dict[str, Any]:
    _, seed, _ = org
    return {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Session__c",
                "referenceId": "session",
                "body": {"Team_Season__c": seed.team_season_id, "Session_Topic__c": topic},
            }
        ],
    }


def test_a_fault_aimed_by_several_texts_takes_only_a_request_that_has_all_of_them(org: Any) -> None:
    standin, _, _ = org
    standin.inject_fault("query", status=503, body="<html>down</html>", when=("Session__c", "Kill me"))

    other = query(org, "SELECT Id FROM Session__c WHERE Session_Topic__c = 'Spare me'")
    aimed = query(org, SESSION_QUERY)

    assert (other.status_code, aimed.status_code) == (200, 503)


def test_a_held_commit_tells_who_sent_it_while_its_answer_waits(org: Any) -> None:
    standin, _, http = org
    told: list[tuple[str, dict[str, int]]] = []
    standin.inject_fault(
        "composite",
        after_commit=True,
        delay=0.5,
        when="Held topic",
        notify=lambda text: told.append((text, standin.record_count())),
    )
    started = time.monotonic()

    answer = http.post(f"{standin.url}{API}/composite", json=composite_creating(org, "Held topic"), timeout=60)

    assert answer.status_code == 200
    assert time.monotonic() - started >= 0.5
    [(text, counted_then)] = told
    assert "Held topic" in text
    assert counted_then["Session__c"] == 1  # committed before the hold


def test_a_request_held_before_it_commits_is_told_with_nothing_created_yet(org: Any) -> None:
    standin, _, http = org
    created_when_told = threading.Event()
    standin.inject_fault(
        "composite",
        delay=0.3,
        notify=lambda _: created_when_told.set() if standin.record_count()["Session__c"] else None,
    )

    answer = http.post(f"{standin.url}{API}/composite", json=composite_creating(org, "In flight"), timeout=60)

    assert answer.status_code == 200
    assert not created_when_told.is_set()
    assert standin.record_count()["Session__c"] == 1


def test_a_withdrawn_fault_no_longer_fires(org: Any) -> None:
    standin, _, _ = org
    fault = standin.inject_fault("query", status=503, body="<html>down</html>", times=3)
    assert query(org, SESSION_QUERY).status_code == 503

    standin.withdraw_fault(fault)

    assert query(org, SESSION_QUERY).status_code == 200
