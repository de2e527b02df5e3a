"""LP redeem-code and attendance messages (online course verification)."""

from __future__ import annotations

from enum import IntEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract.types import AttendanceSequence, Code, Email, Url

REDEEM_SEQUENCE = 1
POST_TEST_SEQUENCE = 999
MAX_WEBINAR_SESSIONS = 10
TEST_CODE_PREFIX = "PRAT-"


class RedeemStatus(IntEnum):
    """``data.status`` of a redeem code."""

    NOT_REDEEMED = 0
    REDEEMED = 1
    COMPLETED = 2
    VOIDED = 3


class AttendanceStatus(IntEnum):
    """``data.attendance_status`` of one sequence."""

    NOT_VERIFIED = 0
    VERIFIED = 1


class CourseType(IntEnum):
    """``data.course_type``; the numbers follow the sandbox test cases (TC1, TC2)."""

    SELF_PACED = 1
    WEBINAR = 2


class Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RedeemStatusRequest(Request):
    redeem_code: Code = Field(examples=["PRAT-UJ0EEQ"])
    sequence: AttendanceSequence = 1


class RedeemCommitRequest(Request):
    """Legacy commit: the old samples send ``redeem_code``; one signing vector uses ``code``."""

    redeem_code: Code | None = None
    code: Code | None = None

    @model_validator(mode="after")
    def _one_code(self) -> RedeemCommitRequest:
        if not (self.redeem_code or self.code):
            raise ValueError("redeem_code is required")
        return self

    @property
    def the_code(self) -> str:
        """The redeem code, whichever key carried it."""
        return self.redeem_code or self.code or ""


class RedeemResetRequest(Request):
    redeem_code: Code = Field(examples=["PRAT-XXXXXX"])


class RedeemStatusData(BaseModel):
    redeem_code: str
    course_code: str
    invoice_code: str
    schedule_code: str
    status: RedeemStatus = Field(
        description="0 not redeemed, 1 redeemed, 2 completed (post-test verified), 3 voided."
    )
    attendance_status: AttendanceStatus = Field(
        description="For `sequence`: 0 not verified, 1 verified."
    )
    redeem_at: str | None = Field(description="When sequence 1 was verified (ISO-8601 UTC).")
    dp_platform: str
    schedule_start_end: str = Field(description="`<start> - <end>`, ISO-8601 UTC.")
    course_type: CourseType
    course_type_label: str
    course_learning_method: str
    is_online_attendance: bool = Field(
        description="True when sessions 2..n are verified online (webinar)."
    )
    sequence: int


class UrlGenerateRequest(Request):
    redeem_code: Code
    redirect_uri: Url = Field(description="Must be one of the LP's registered redirect URIs.")
    email: Email = Field(description="The participant's email at the LP; one email per course.")
    sequence: AttendanceSequence = 1


class UrlGenerateData(BaseModel):
    url: str = Field(
        description="The Prakerja-hosted verification page to send the participant to."
    )
    expired_at: str


class VerificationOutcome(BaseModel):
    """Query parameters appended to ``redirect_uri`` when the participant returns."""

    redeem_code: str
    sequence: int
    status: str = Field(description="`success` or `failed`.")
