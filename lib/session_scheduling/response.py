"""What POST /sessions answers: the existing MuleSoft endpoint's success body, key for key."""

from pydantic import BaseModel, Field


class AttendanceCreated(BaseModel):
    AttendanceId: str = Field(description="Attendance__c record ID (18 characters)")
    StudentId: str = Field(description="Student Contact ID (18 characters)")
    StudentName: str | None = Field(description="Student's name as Salesforce holds it")
    Attended: bool = Field(default=False)


class SessionCreated(BaseModel):
    SessionId: str = Field(description="Session__c record ID (18 characters)")
    TaskId: str | None = Field(description="SCORES_Task__c record ID, null when no task was created")
    Attendances: list[AttendanceCreated] = Field(description="One row per enrolled student; [] without task")


class FieldProblem(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error answer has a human-readable message; the rest depends on the status."""

    message: str
    errors: list[FieldProblem] | None = None
    records: list[str] | None = Field(default=None, description="Salesforce records a person must look at (409)")
    requestId: str | None = None


class SalesforceErrorItem(BaseModel):
    errorCode: str
    message: str
    fields: list[str] = Field(default_factory=list)


class SalesforceErrorBody(ErrorBody):
    stage: str
    errorType: str
    retryable: bool
    salesforceErrors: list[SalesforceErrorItem]


class RepeatUnconfirmedBody(ErrorBody):
    """503: the retry memory is unavailable (message only), or a repeat's records exist but could not be read."""

    SessionId: str | None = Field(default=None, description="The session this request created before")
    stage: str | None = None
    errorType: str | None = Field(
        default=None, description="e.g. CUSTOM:SALESFORCE_SESSION_READ:REQUEST_LIMIT_EXCEEDED"
    )
    retryable: bool | None = None
    salesforceErrors: list[SalesforceErrorItem] | None = None
