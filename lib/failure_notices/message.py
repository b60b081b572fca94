"""The notice's text: Amazon Q Developer's custom-notification schema for Slack, plain text for e-mail.

Only what `FailedRequest` holds goes in: IDs, codes, the stage, the outcome, never a name or
Salesforce's free text (docs/privacy.md). The schema is "Custom notifications" of the Amazon Q Developer
in chat applications administrator guide (version "1.0", source "custom", content.textType
"client-markdown"); a message in any other shape is not posted to the channel.
"""

import json
from typing import Any

from failure_notices.burst_window import ToldTogether
from failure_notices.failed_request import FailedRequest

# What a staff member does next, per kind (docs/operations.md, "Failure notices" has the long form).
NEXT_STEPS = {
    "records need a person": "Decide in Salesforce which of the named records stands and delete the other (or "
    "recreate the task); the app's next repeat answers from what is left.",
    "Salesforce's answer was lost": "Nothing to do unless it repeats: the app's repeat finds the session or "
    "creates it. If the coach gave up, look for the team season's session on that date.",
    "a repeat could not read its records": "The session exists (its ID is in the answer); Salesforce refused or "
    "failed the repeat's one read. The app retries; if it repeats, the code says why (REQUEST_LIMIT_EXCEEDED: the "
    "org's daily API limit; HTTP_503: Salesforce status).",
    "retry memory unavailable": "This attempt sent nothing to Salesforce. Check the retry table's DynamoDB metrics "
    "(throttles, errors).",
    "Salesforce refused or failed": "Look the error code up in docs/operations.md (Common Salesforce errors). "
    "Nothing was created; when a retry cannot help, tell the coach what to fix.",
    "the service failed": "Find the request's `unexpected failure` or `allowed clients unavailable` line by its "
    "request ID (docs/operations.md).",
}
QUERY_HINT = 'Logs Insights: filter correlation_id = "<request ID>" on /aws/lambda/<stack>-sessions.'


def subject(told: ToldTogether, environment: str) -> str:
    """SNS takes a subject of ASCII text under 100 characters, on one line (the stage names are [a-z0-9])."""
    if told.count == 1:
        return f"POST /sessions ({environment}): a request failed, {told.failures[0].kind}"[:99]
    return f"POST /sessions ({environment}): {told.count} requests failed"[:99]


def retry_can_help(failure: FailedRequest) -> str:
    """As the answer told the app: `retryable` where the line has it; a 503 asks for a retry, a 409 for a person."""
    if failure.retryable is not None:
        return "yes" if failure.retryable else "no"
    return {503: "yes", 409: "not before a person decides"}.get(failure.outcome, "unknown")


def facts(failure: FailedRequest) -> list[str]:
    retry = retry_can_help(failure)
    lines = [
        f"When: {failure.at}",
        f"Request ID: {failure.request_id or 'none'}",
        f"Outcome: HTTP {failure.outcome}, {failure.kind}",
        f"Stage: {failure.stage or 'none'}; Salesforce error code: {failure.salesforce_error_code or 'none'}",
        f"A retry can help: {retry}",
        f"Team season: {failure.team_season_id or 'unknown'}; coach: {failure.coach_id or 'none'}",
    ]
    if failure.records:
        lines.append(f"Records to look at: {', '.join(failure.records)}")
    return lines


def one_line(failure: FailedRequest) -> str:
    code = " ".join(part for part in (failure.stage, failure.salesforce_error_code) if part) or "-"
    return (
        f"{failure.at} {failure.request_id or 'none'} HTTP {failure.outcome} {code} "
        f"team season {failure.team_season_id or 'unknown'} coach {failure.coach_id or 'none'}"
    )


def description(told: ToldTogether, environment: str) -> list[str]:
    if told.count == 1:
        return [f"Environment: {environment}", *facts(told.failures[0])]
    lines = [f"Environment: {environment}", f"{told.count} failed requests, grouped into this one message:"]
    lines += [f"- {kind}" for kind in told.kinds]
    lines.append("The first of them:" if told.count > len(told.failures) else "Each of them:")
    lines += [f"- {one_line(failure)}" for failure in told.failures]
    if told.count > len(told.failures):
        lines.append(f"... and {told.count - len(told.failures)} more: find them with docs/operations.md's query.")
    return lines


def chat_notification(told: ToldTogether, environment: str) -> dict[str, Any]:
    kinds = dict.fromkeys(failure.kind for failure in told.failures)
    return {
        "version": "1.0",
        "source": "custom",
        "id": told.failures[0].request_id or "",
        "content": {
            "textType": "client-markdown",
            "title": f":rotating_light: {subject(told, environment)}",
            "description": "\n".join(description(told, environment)),
            "nextSteps": [*(NEXT_STEPS[kind] for kind in kinds), QUERY_HINT],
            "keywords": [environment, *sorted(keywords(told))][:10],
        },
        "metadata": {"summary": subject(told, environment), "eventType": "FailedSessionRequest"},
    }


def keywords(told: ToldTogether) -> set[str]:
    """Short tags for the channel: each outcome, stage and error code among the detailed failures."""
    tags = {f"HTTP {failure.outcome}" for failure in told.failures}
    tags |= {part for failure in told.failures for part in (failure.stage, failure.salesforce_error_code) if part}
    return tags


def email_text(told: ToldTogether, environment: str) -> str:
    kinds = dict.fromkeys(failure.kind for failure in told.failures)
    steps = [f"- {NEXT_STEPS[kind]}" for kind in kinds]
    return "\n".join([*description(told, environment), "", "What to do:", *steps, f"- {QUERY_HINT}", ""])


def sns_message(told: ToldTogether, environment: str) -> dict[str, str]:
    """Publish arguments: Slack (through the chat channel's subscription) gets the schema, e-mail the text."""
    structured = {"default": json.dumps(chat_notification(told, environment)), "email": email_text(told, environment)}
    return {"Subject": subject(told, environment), "Message": json.dumps(structured), "MessageStructure": "json"}
