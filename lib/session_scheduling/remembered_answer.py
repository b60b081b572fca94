"""What the retry memory keeps of a 201: record IDs and flags, never a student's name (docs/privacy.md).

The students are children. Their names go to the coach who asked, in the answer, and stay in
Salesforce; the DynamoDB table keeps only what a repeat needs to answer again: the session, task and
attendance row IDs, each row's student (Contact) ID and its Attended flag. A repeat reads the records
back from Salesforce with their names (one call, repeats.py) and rebuilds the first answer in the
first answer's order.
"""

from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools.utilities.idempotency.serialization.base import BaseIdempotencySerializer
from pydantic import BaseModel, RootModel

from session_scheduling.response import SessionCreated


class OutcomeUnknown(BaseModel):
    """What the retry memory keeps after a lost answer or a dead attempt: enough for a repeat to find the records."""

    outcome: Literal["unknown"] = "unknown"
    attempt_started: datetime  # the first attempt's start: a look covers every attempt since
    integration_user: str | None  # None: an attempt that died before it knew; the looking one's user then
    latest_attempt_started: datetime | None = None  # the last attempt that may have created: settle from it

    @property
    def settling_since(self) -> datetime:
        return self.latest_attempt_started or self.attempt_started


class RememberedAttendance(BaseModel):
    AttendanceId: str
    StudentId: str
    Attended: bool


class RememberedSession(BaseModel):
    """A 201 without names."""

    SessionId: str
    TaskId: str | None
    Attendances: list[RememberedAttendance]

    @classmethod
    def of(cls, created: SessionCreated) -> "RememberedSession":
        return cls.model_validate(created.model_dump(exclude={"Attendances": {"__all__": {"StudentName"}}}))


class _Remembered(RootModel[RememberedSession | OutcomeUnknown]):
    pass


class NamesFreeSerializer(BaseIdempotencySerializer):
    """Powertools' documented serializer door: what the idempotent function returns, as the table keeps it."""

    def to_dict(self, data: Any) -> dict[str, Any]:
        kept = RememberedSession.of(data) if isinstance(data, SessionCreated) else data
        return _Remembered(kept).model_dump(mode="json")  # type: ignore[no-any-return] # pydantic's dump is Any

    def from_dict(self, data: dict[str, Any]) -> RememberedSession | OutcomeUnknown:
        return _Remembered.model_validate(data).root
