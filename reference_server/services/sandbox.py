"""Sandbox helpers: the SMS inbox where automated tests read the OTPs sent to test beneficiaries."""

from __future__ import annotations

from sqlalchemy import select

from contract import errors as err
from contract.errors import ApiError
from contract.sandbox import MailInboxData, SmsInboxData
from contract.sandbox import MailMessage as MailMessageData
from contract.sandbox import SmsMessage as SmsMessageData
from reference_server.runtime import Runtime
from reference_server.services.payments import iso_utc
from reference_server.storage.tables import Card, MailMessage, SmsMessage

INBOX_LIMIT = 20


def sms_inbox(runtime: Runtime, prakerja_id: str | None, phone_number: str | None) -> SmsInboxData:
    """The newest texts sent to a card holder or a phone number (both: texts matching both)."""
    if not runtime.settings.sandbox:
        raise ApiError(err.SANDBOX_ONLY)
    if not prakerja_id and not phone_number:
        raise ApiError(err.BAD_REQUEST, "(prakerja_id atau phone_number wajib diisi)")
    query = select(SmsMessage)
    with runtime.reads() as session:
        if prakerja_id:
            card = session.scalar(select(Card.id).where(Card.card_number == prakerja_id))
            if card is None:
                raise ApiError(err.CARD_NOT_FOUND)
            query = query.where(SmsMessage.prakerja_id == prakerja_id)
        if phone_number:
            query = query.where(SmsMessage.phone_number == phone_number)
        newest = query.order_by(SmsMessage.sent_at.desc(), SmsMessage.id.desc()).limit(INBOX_LIMIT)
        rows = session.scalars(newest).all()
    return SmsInboxData(
        messages=[
            SmsMessageData(
                phone_number=row.phone_number,
                prakerja_id=row.prakerja_id,
                purpose=row.purpose,
                text=row.text,
                otp=row.otp,
                sent_at=iso_utc(row.sent_at),
            )
            for row in rows
        ]
    )


def mail_inbox(runtime: Runtime, email: str) -> MailInboxData:
    """The newest e-mails sent to an address (registration OTPs)."""
    if not runtime.settings.sandbox:
        raise ApiError(err.SANDBOX_ONLY)
    address = email.strip().lower()
    if not address:
        raise ApiError(err.BAD_REQUEST, "(email wajib diisi)")
    with runtime.reads() as session:
        rows = session.scalars(
            select(MailMessage)
            .where(MailMessage.email == address)
            .order_by(MailMessage.sent_at.desc(), MailMessage.id.desc())
            .limit(INBOX_LIMIT)
        ).all()
    return MailInboxData(
        messages=[
            MailMessageData(
                email=row.email,
                purpose=row.purpose,
                text=row.text,
                otp=row.otp,
                sent_at=iso_utc(row.sent_at),
            )
            for row in rows
        ]
    )
