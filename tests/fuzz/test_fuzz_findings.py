"""What fuzzing found, kept as the contract's rules: each was a 500 before."""

import pytest

from local.environment import LocalEnvironment
from tests.conftest import post_session, session_body

NOTHING = {"Session__c": 0, "SCORES_Task__c": 0, "Attendance__c": 0}


@pytest.mark.parametrize("content_type", [";", "; charset=utf-8"])
def test_a_content_type_the_resolver_cannot_read_as_json_is_a_415_not_a_500(
    org: LocalEnvironment, content_type: str
) -> None:
    """Found by fuzzing: an empty media type passed the check before routing and Powertools' body parsing
    refused it (a 500 then). `Application/JSON` was a 415 here too until issue 27: media types are
    case-insensitive (RFC 9110, 8.3.1), so it is JSON now (test below)."""
    answer = post_session(session_body(org), headers={"Content-Type": content_type})

    assert answer.status == 415
    assert answer.body["message"].startswith("Content-Type must be application/json")
    assert org.standin.record_count() == NOTHING
    assert org.standin.calls == []


@pytest.mark.parametrize("content_type", ["Application/JSON", "APPLICATION/JSON; charset=utf-8", " application/Json"])
def test_a_json_media_type_in_any_case_is_json(org: LocalEnvironment, content_type: str) -> None:
    answer = post_session(session_body(org), headers={"Content-Type": content_type})

    assert answer.status == 201
    assert len(org.standin.records("Session__c")) == 1


@pytest.mark.parametrize("topic", ["@{session.id}", "Passing @{task.Id} drills", "@{}"])
def test_a_topic_salesforce_would_read_as_a_composite_reference_is_a_400_naming_it(
    org: LocalEnvironment, topic: str
) -> None:
    answer = post_session(session_body(org, SessionTopic=topic))

    assert answer.status == 400
    assert [problem["field"] for problem in answer.body["errors"]] == ["SessionTopic"]
    assert "@{...}" in answer.body["errors"][0]["message"]
    assert org.standin.record_count() == NOTHING
    assert org.standin.calls == []


@pytest.mark.parametrize("topic", ["Shooting @ goal", "{warm-up}", "email@{", "50% @ {pace}"])
def test_a_topic_with_at_signs_or_braces_that_is_no_reference_is_created_as_written(
    org: LocalEnvironment, topic: str
) -> None:
    answer = post_session(session_body(org, SessionTopic=topic))

    assert answer.status == 201
    [session] = org.standin.records("Session__c")
    assert session["Session_Topic__c"] == topic
