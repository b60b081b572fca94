"""Salesforce record IDs: 15-character case-sensitive form and 18-character case-safe form."""

import re

_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def checksum_suffix(id15: str) -> str:
    """The three characters Salesforce appends to make a 15-character ID case-insensitive."""
    suffix = ""
    for chunk_start in (0, 5, 10):
        chunk = id15[chunk_start : chunk_start + 5]
        bits = sum(1 << position for position, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _CHECKSUM_ALPHABET[bits]
    return suffix


def to_case_safe_id(record_id: str) -> str:
    """Return the 18-character form of a valid 15- or 18-character ID.

    Raises ValueError naming the problem when the ID is malformed or its checksum is wrong.
    """
    if not _ID_PATTERN.match(record_id):
        raise ValueError("must be a Salesforce record ID of 15 or 18 letters and digits")
    expected = checksum_suffix(record_id[:15])
    if len(record_id) == 18 and record_id[15:] != expected:
        raise ValueError("is not a valid Salesforce ID: its last 3 characters do not match the checksum")
    return record_id[:15] + expected
