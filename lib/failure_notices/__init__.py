"""Failure notices: each failed POST /sessions request, read from the function's logs, told to people.

A CloudWatch Logs subscription hands the notifier Lambda the failed requests' `request finished`
lines; the notifier groups them into one message per window (docs/operations.md, "Failure
notices") and publishes it to the stack's SNS topic, which Amazon Q Developer in chat applications
posts to Slack and which mails its e-mail subscribers. Its own small artifact: no Salesforce code,
no pydantic; boto3 comes with the Lambda runtime.
"""
