"""The stand-in's data: committed records, all-or-none transactions, and the queries the service sends."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.org_standin.ids import ADMIN_USER_ID, IdFactory, normalise
from local.org_standin.schema import SCHEMA, SYSTEM_FIELDS, UNIQUE_FIELDS, SalesforceProblem, check_record
from local.org_standin.soql import select


@dataclass
class Transaction:
    """Inserts staged until commit; a failure anywhere discards them all."""

    org: "Org"
    created_by: str = ADMIN_USER_ID
    staged: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def insert(self, sobject: str, fields: dict[str, Any], record_id: str | None = None) -> str:
        """record_id: seed data with an ID the organisation's records really have (the stand-in's own otherwise)."""
        planned = self.org.take_planned_failure(sobject)
        if planned is not None:
            raise planned
        record = check_record(sobject, fields, self.exists)
        for unique in UNIQUE_FIELDS.get(sobject, ()):
            value = record.get(unique)
            clash = value is not None and self._holder_of(sobject, unique, value)
            # DUPLICATE_VALUE: "You can't supply a duplicate value for a field that must be unique" (SOAP API,
            # StatusCode); the wording is what orgs answer (not documented).
            if clash:
                raise SalesforceProblem(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {unique} duplicates value on record with id: {clash}",
                    [unique],
                )
        record_id = record_id or self.org.ids.next_id(sobject)
        if sobject == "Contact":
            record["Name"] = f"{record.get('FirstName') or ''} {record['LastName']}".strip()
        audit = {"CreatedById": self.created_by}
        self.staged.append((sobject, record_id, {"Id": record_id, **record, **audit}))
        return record_id

    def exists(self, sobject: str, record_id: str) -> bool:
        return record_id in self.org.committed.get(sobject, {}) or any(
            rid == record_id for t, rid, _ in self.staged if t == sobject
        )

    def _holder_of(self, sobject: str, unique: str, value: Any) -> str | None:
        committed = self.org.unique_index.get((sobject, unique), {}).get(value)
        staged = (rid for t, rid, r in self.staged if t == sobject and r.get(unique) == value)
        return committed or next(staged, None)


class Org:
    def __init__(self) -> None:
        self.ids = IdFactory()
        self.committed: dict[str, dict[str, dict[str, Any]]] = {}
        self.planned_failures: list[tuple[str, SalesforceProblem]] = []
        self.unique_index: dict[tuple[str, str], dict[Any, str]] = {}
        self.deleted: set[str] = set()
        self.lock = threading.RLock()

    @contextmanager
    def transaction(self, created_by: str = ADMIN_USER_ID) -> Iterator[Transaction]:
        with self.lock:
            work = Transaction(self, created_by)
            yield work  # an exception here discards work.staged: nothing is committed
            self.commit(work)

    def commit(self, work: Transaction) -> None:
        with self.lock:
            # Salesforce's dateTime form in REST answers, e.g. "CreatedDate" : "2013-05-20T20:49:32.000+0000" in the
            # REST API Developer Guide's "Limit Info Header" example.
            now = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "+0000"
            for sobject, record_id, record in work.staged:
                self.committed.setdefault(sobject, {})[record_id] = {**record, "CreatedDate": now}
                for unique in UNIQUE_FIELDS.get(sobject, ()):
                    self.unique_index.setdefault((sobject, unique), {})[record.get(unique)] = record_id
            work.staged.clear()

    def insert(
        self, sobject: str, fields: dict[str, Any], record_id: str | None = None, created_by: str = ADMIN_USER_ID
    ) -> str:
        with self.transaction(created_by) as work:
            return work.insert(sobject, fields, record_id)

    def delete(self, sobject: str, record_id: str) -> None:
        with self.lock:
            record = self.committed.get(sobject, {}).pop(record_id)
            for unique in UNIQUE_FIELDS.get(sobject, ()):
                self.unique_index.get((sobject, unique), {}).pop(record.get(unique), None)

    def delete_record(self, sobject: str, record_id: str) -> bool:
        """False when there is no such record; a deleted record's GET is then a 404 NOT_FOUND."""
        full = normalise(record_id) or ""
        with self.lock:
            if full not in self.committed.get(sobject, {}):
                return False
            self.delete(sobject, full)
            self.deleted.add(full)
            return True

    def was_deleted(self, record_id: str) -> bool:
        return (normalise(record_id) or "") in self.deleted

    def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> bool:
        """Validated as an insert is, against the record as it would be; False when there is no such record."""
        full = normalise(record_id) or ""
        with self.lock:
            record = self.committed.get(sobject, {}).get(full)
            if record is None:
                return False
            schema = SCHEMA.get(sobject, {})
            writable = {
                name: value
                for name, value in record.items()
                if name not in SYSTEM_FIELDS and not (name in schema and schema[name].system)
            }
            exists = lambda kind, rid: rid in self.committed.get(kind, {})  # noqa: E731
            checked = check_record(sobject, {**writable, **fields}, exists)
            record.update(checked)
            return True

    def take_planned_failure(self, sobject: str) -> SalesforceProblem | None:
        for index, (target, problem) in enumerate(self.planned_failures):
            if target == sobject:
                del self.planned_failures[index]
                return problem
        return None

    def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        full = normalise(record_id)
        return self.committed.get(sobject, {}).get(full or "")

    def query(self, soql: str) -> list[dict[str, Any]]:
        with self.lock:
            return select(self.committed, soql)
