"""Sandbox-only messages: the SMS inbox that lets automated tests read OTPs."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SmsMessage(BaseModel):
    phone_number: str
    prakerja_id: str | None
    purpose: str = Field(examples=["payment"])
    text: str
    otp: str | None = Field(description="The OTP the text carries, for scripts.")
    sent_at: str


class SmsInboxData(BaseModel):
    messages: list[SmsMessage] = Field(description="Newest first.")
