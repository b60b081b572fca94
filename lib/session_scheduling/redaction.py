"""Salesforce's error messages as the logs keep them: the wording, without the values (docs/privacy.md).

Salesforce's messages quote what they refuse: "Session Topic: data value too large: <the topic> (max
length=255)", "bad value for restricted picklist field: <value>", "id value of incorrect type: <id>", and
an org's validation rule or Apex trigger can write anything, a student's name included. The coach who
asked gets the message whole (the contract's `salesforceErrors`); the logs keep the code, the fields and
this redaction of it:
- a lowercase word (Salesforce's own wording: "invalid cross reference id") is kept;
- an API name (`Session_Date__c`, `REQUIRED_FIELD_MISSING`: it has an underscore) is kept;
- every other word becomes "…": a capitalised word (a name), a number, a date, a record ID;
- after a sentence's last colon, only API names are kept: that is where Salesforce quotes the value it
  refused ("<label>: <what is wrong>: <value>"), so a lowercase value ("my topic") goes too.
What it cannot catch: a name written in lowercase in an org's own sentence, outside a value.
"""

import re

_SENTENCES = re.compile(r"((?<=\.)\s+|\n)")  # split, keeping what separates them
_WORD = re.compile(r"\w+(?:['.\-]\w+)*")  # inner apostrophes, dots and hyphens: "hasn't", "2025-05-21"
_LOWERCASE_WORD = re.compile(r"[a-z]+(?:['\-][a-z]+)*")
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]*)+")
_SYSTEM_WORDS = frozenset({"Salesforce", "HTTP", "JSON", "SOQL", "REST", "API", "ID"})  # names of systems, not people
REDACTED = "…"


def redacted(message: str) -> str:
    """The message with every value and name replaced by "…"."""
    return "".join(_redacted_sentence(sentence) for sentence in _SENTENCES.split(message))


def _redacted_sentence(sentence: str) -> str:
    value_starts = sentence.rfind(":") + 1 if ":" in sentence else len(sentence)
    return _WORD.sub(lambda word: _kept(word.group(), in_value=word.start() >= value_starts), sentence)


def _kept(word: str, in_value: bool) -> str:
    if _API_NAME.fullmatch(word):
        return word
    if not in_value and (_LOWERCASE_WORD.fullmatch(word) or word in _SYSTEM_WORDS):
        return word
    return REDACTED
