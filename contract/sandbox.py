"""Sandbox-only messages: the SMS and mail inboxes that let automated tests read OTPs."""

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


class MailMessage(BaseModel):
    email: str
    purpose: str = Field(examples=["registration"])
    text: str
    otp: str | None = Field(description="The OTP the e-mail carries, for scripts.")
    sent_at: str


class MailInboxData(BaseModel):
    messages: list[MailMessage] = Field(description="Newest first.")
