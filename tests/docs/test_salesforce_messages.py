"""docs/privacy.md, "Salesforce's error messages": the logs keep their wording without the values they
quote; the coach who asked gets them whole (the contract's `salesforceErrors`).

The table is every message the stand-in answers with (local/org_standin: its SOQL, record, composite
and OAuth refusals, phrased as Salesforce phrases them), plus what an org's own rules can say. Where
Salesforce quotes the refused value, a student's name is planted there.
"""

import io
import json

import pytest

from local.environment import LocalEnvironment
from session_scheduling.redaction import redacted
from tests.conftest import post_session, session_body

NAME = "Ana Diaz"
QUOTING = [  # (code, message with the name where Salesforce quotes a value)
    ("MALFORMED_QUERY", f"unexpected token in query: SELECT Id FROM Session__c WHERE Name = '{NAME}'"),
    ("INVALID_TYPE", f"sObject type '{NAME}' is not supported."),
    ("INVALID_FIELD", f"No such column '{NAME}' on entity 'Session__c'."),
    ("MALFORMED_QUERY", f"unexpected token: {NAME}"),
    ("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {NAME}"),
    (
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of date from VALUE_STRING value {NAME} or request may be missing a required "
        "field at [line:1, column:1]",
    ),
    ("NOT_FOUND", f"The requested resource does not exist: sObject type '{NAME}'"),
    ("INVALID_FIELD", f"No such column '{NAME}' on sobject of type Session__c"),
    ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"Session Topic: bad value for restricted picklist field: {NAME}"),
    ("MALFORMED_ID", f"Team Season: id value of incorrect type: {NAME}"),
    ("FIELD_INTEGRITY_EXCEPTION", f"Team Season: id value of incorrect type: {NAME}"),
    ("STRING_TOO_LONG", f"Session Topic: data value too large: {NAME} (max length=255)"),
    ("DUPLICATE_VALUE", f"duplicate value found: External_Id__c duplicates value on record with id: {NAME}"),
    ("INVALID_INPUT", f"Invalid or duplicate referenceId: {NAME}"),
    ("UNABLE_TO_LOCK_ROW", f"unable to obtain exclusive access to this record or 1 records: {NAME}"),
    ("FIELD_CUSTOM_VALIDATION_EXCEPTION", f"{NAME} is not enrolled on this date"),
    (
        "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
        f"AttendanceTrigger: execution of BeforeInsert caused by: System.DmlException: {NAME} already has a row",
    ),
    ("STRING_TOO_LONG", "Session Topic: data value too large: a topic about ana diaz (max length=255)"),
]
FIXED = [  # messages that quote nothing: their wording is what an operator reads
    (
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing: [Session_Date__c]",
        "fields are missing: [Session_Date__c]",
    ),
    ("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", "invalid cross reference id"),
    ("invalid_grant", "user hasn't approved this consumer", "user hasn't approved this consumer"),
    ("invalid_client", "invalid client credentials", "invalid client credentials"),
    (
        "PROCESSING_HALTED",
        "The transaction was rolled back since another operation in the same transaction failed.",
        "transaction was rolled back since another operation in the same transaction failed.",
    ),
]


@pytest.mark.parametrize(("code", "message"), QUOTING, ids=[f"{code}-{i}" for i, (code, _) in enumerate(QUOTING)])
def test_a_value_salesforce_quotes_is_not_kept(code: str, message: str) -> None:
    kept = redacted(message)

    assert "Ana" not in kept
    assert "Diaz" not in kept
    assert "diaz" not in kept


@pytest.mark.parametrize(("code", "message", "wording"), FIXED, ids=[code for code, _, _ in FIXED])
def test_salesforces_own_wording_is_kept(code: str, message: str, wording: str) -> None:
    assert wording in redacted(message)


def test_a_refusal_quoting_a_name_is_logged_without_it_and_answered_whole(
    org: LocalEnvironment, service_logs: io.StringIO
) -> None:
    name = next(iter(org.seed.student_names.values()))
    message = f"{name} is not enrolled on this date"
    org.standin.fail_next_insert("Session__c", "FIELD_CUSTOM_VALIDATION_EXCEPTION", message, ["Session_Date__c"])

    answer = post_session(session_body(org))

    assert answer.status == 500
    assert answer.body["salesforceErrors"][0]["message"] == message  # the coach who asked: the contract's body
    logged = [json.loads(line) for line in service_logs.getvalue().splitlines() if line.startswith("{")]
    [failed] = [line for line in logged if line["message"] == "Salesforce step failed"]
    assert failed["salesforce_errors"] == [
        {
            "code": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "fields": ["Session_Date__c"],
            "message": "… … is not enrolled on this date",
        }
    ]
    assert all(part not in service_logs.getvalue() for part in name.split())


def test_the_services_own_messages_are_logged_whole(org: LocalEnvironment, service_logs: io.StringIO) -> None:
    org.standin.inject_fault("query", status=503, body="<html>busy</html>")

    assert post_session(session_body(org)).status == 500

    [failed] = [json.loads(line) for line in service_logs.getvalue().splitlines() if '"Salesforce step failed"' in line]
    assert failed["salesforce_errors"][0]["message"] == "Salesforce answered HTTP 503"
