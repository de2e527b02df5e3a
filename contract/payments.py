"""DP payment messages: quota-schedule, send-otp, authorize, status, void."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contract.types import Code, InvoiceCode, Rupiah, Url


class Request(BaseModel):
    """Requests ignore unknown keys, as the real API does."""

    model_config = ConfigDict(extra="ignore")


class PaymentStatus(StrEnum):
    """Status of a Prakerja payment transaction."""

    SUCCESS = "SUCCESS"
    VOIDED = "VOIDED"


class QuotaScheduleRequest(Request):
    course_code: Code = Field(examples=["lkpis_1_9d680615-4048-11e"])
    schedule_code: Code = Field(examples=["9d683f80404811ed"])


class QuotaScheduleData(BaseModel):
    schedule_code: str
    course_code: str
    quota: int = Field(ge=0, description="Seats left on the schedule.")


class SendOtpRequest(Request):
    prakerja_id: Code = Field(description="The buyer's Kartu Prakerja number.")
    user_platform_id: Code = Field(description="The buyer's user id on the DP.")
    course_code: Code
    schedule_code: Code
    amount: Rupiah = Field(
        description="Training price in integer rupiah; must equal the course price."
    )


class SendOtpData(BaseModel):
    payment_token: str = Field(
        description="Send it back as `Authorization: Payment <token>` on authorize."
    )
    expired_at: str = Field(description="When the OTP and the token expire (ISO-8601 UTC).")
    phone_number: str = Field(description="The buyer's phone number the OTP was sent to, masked.")


class AuthorizeRequest(Request):
    otp: Code = Field(description="The OTP the buyer received by SMS.")
    invoice_url: Url = Field(description="URL of the DP's invoice.")
    invoice_code: InvoiceCode


class AuthorizeData(BaseModel):
    invoice_code: str
    transaction_code: str
    amount: int
    status: PaymentStatus
    prakerja_name: str
    redeem_code: str = Field(
        description="Sandbox addition: the redeem code the buyer takes to the LP."
    )


class PaymentStatusRequest(Request):
    invoice_code: InvoiceCode


class PaymentStatusData(BaseModel):
    created_at: str
    invoice_code: str
    transaction_code: str
    amount: int
    status: PaymentStatus
    prakerja_name: str
    redeem_code: str = Field(description="Sandbox addition: the redeem code of the purchase.")
    voided_at: str | None = Field(default=None, description="Sandbox addition: when it was voided.")


class VoidRequest(Request):
    invoice_code: InvoiceCode
    transaction_code: Code
