"""Salesforce-shaped record IDs: key prefix, deterministic counter, case-safe checksum."""

import itertools
import re
import threading

from session_scheduling.salesforce_ids import checksum_suffix

KEY_PREFIXES = {
    "Contact": "003",
    "User": "005",
    "Session__c": "a0S",
    "SCORES_Task__c": "a0T",
    "Attendance__c": "a0A",
    "Team_Season__c": "a0N",
    "Enrollment__c": "a0E",
}
# Key prefixes seen in the organisation's own records, so its IDs can be replayed as they are: the
# existing API's Postman collection names Team Season a0qcX000000GEggQAG and Session a0pcX0000008y3pQAA.
ORG_KEY_PREFIXES = {"Team_Season__c": "a0q", "Session__c": "a0p"}
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_WELL_FORMED = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")


class IdFactory:
    """IDs follow a counter per object, so a freshly seeded org always has the same IDs."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def next_id(self, sobject: str) -> str:
        with self._lock:
            number = next(self._counters.setdefault(sobject, itertools.count(1)))
        digits = ""
        for _ in range(8):
            number, remainder = divmod(number, 62)
            digits = _BASE62[remainder] + digits
        id15 = KEY_PREFIXES[sobject] + "5g000" + digits[1:].rjust(7, "0")
        return id15 + checksum_suffix(id15)


def normalise(record_id: str) -> str | None:
    """The 18-character form, or None when the value cannot be an ID (wrong length or checksum).

    IDs are 15 characters, case-sensitive, or 18 with a case-insensitive suffix (Object Reference, "Field Types",
    ID; SOAP API, StatusCode MALFORMED_ID). Salesforce does not document how the suffix is computed: checksum_suffix
    follows the community's account (salesforce.stackexchange.com/questions/1653).
    """
    if not _WELL_FORMED.match(record_id):
        return None
    full = record_id[:15] + checksum_suffix(record_id[:15])
    return full if len(record_id) == 15 or record_id.upper() == full.upper() else None


def object_of(record_id: str) -> str | None:
    prefixes = [*KEY_PREFIXES.items(), *ORG_KEY_PREFIXES.items()]
    return next((name for name, prefix in prefixes if record_id.startswith(prefix)), None)


def _user(id15: str) -> str:
    return id15 + checksum_suffix(id15)


# Who creates records: the integration user behind every access token (the token's identity URL
# names it), and an administrator for the seed data.
INTEGRATION_USER_ID = _user("0055g000001INTG")
ADMIN_USER_ID = _user("0055g000001ADMN")
