"""The tables of the reference server. Money columns are integer rupiah (BIGINT)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Id = BigInteger().with_variant(Integer, "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, in UTC, aware."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Partner(Base):
    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    client_code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(8))
    sign_key_enc: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PartnerRedirectUri(Base):
    __tablename__ = "partner_redirect_uris"
    __table_args__ = (UniqueConstraint("partner_id", "uri"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    uri: Mapped[str] = mapped_column(String(2048))


class Beneficiary(Base):
    __tablename__ = "beneficiaries"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), unique=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    education: Mapped[int] = mapped_column(Integer)
    phone_number: Mapped[str] = mapped_column(String(20), index=True)
    email: Mapped[str] = mapped_column(String(254))
    fixture_of: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    fixture_slot: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Card(Base):
    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), unique=True)
    card_number: Mapped[str] = mapped_column(String(16), unique=True)
    scheme: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    balance: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LedgerEntry(Base):
    """One movement of a card's balance; the card's balance is the sum of its entries."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # credit > 0, debit < 0
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    course_code: Mapped[str] = mapped_column(String(64), unique=True)
    lp_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(12))  # self_paced | webinar
    sessions: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(BigInteger)
    min_age: Mapped[int] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    min_education: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Schedule(Base):
    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    schedule_code: Mapped[str] = mapped_column(String(64), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    quota: Mapped[int] = mapped_column(Integer)  # seats left


class PaymentRequest(Base):
    """A send-otp: the pending purchase its payment token and OTP are bound to."""

    __tablename__ = "payment_requests"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    dp_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    user_platform_id: Mapped[str] = mapped_column(String(64))
    otp_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10))  # pending | used | locked
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("dp_id", "invoice_code"),
        # A card holds one live purchase of a course; a voided one may be bought again.
        Index(
            "uq_transactions_card_course_live",
            "card_id",
            "course_id",
            unique=True,
            sqlite_where=text("status = 'SUCCESS'"),
            postgresql_where=text("status = 'SUCCESS'"),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    transaction_code: Mapped[str] = mapped_column(String(32), unique=True)
    dp_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    invoice_code: Mapped[str] = mapped_column(String(64))
    invoice_url: Mapped[str] = mapped_column(String(2048))
    user_platform_id: Mapped[str] = mapped_column(String(64))
    payment_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_requests.id"), unique=True
    )
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RedeemCode(Base):
    __tablename__ = "redeem_codes"
    __table_args__ = (UniqueConstraint("course_id", "email"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transactions.id"), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[int] = mapped_column(Integer)
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    test_case: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Attendance(Base):
    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("redeem_code_id", "sequence"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    redeem_code_id: Mapped[int] = mapped_column(ForeignKey("redeem_codes.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    via: Mapped[str] = mapped_column(String(12))  # page | commit | fixture
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class VerificationLink(Base):
    __tablename__ = "verification_links"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    redeem_code_id: Mapped[int] = mapped_column(ForeignKey("redeem_codes.id"), index=True)
    lp_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    email: Mapped[str] = mapped_column(String(254))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("redeem_code_id", "scope", "sequence"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    redeem_code_id: Mapped[int] = mapped_column(ForeignKey("redeem_codes.id"))
    scope: Mapped[str] = mapped_column(String(3))
    sequence: Mapped[int] = mapped_column(Integer)
    url_file: Mapped[str] = mapped_column(String(2048))
    notes: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    feedback_notes: Mapped[str | None] = mapped_column(Text)
    feedback_url_file: Mapped[str | None] = mapped_column(String(2048))
    feedback_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SmsMessage(Base):
    """The sandbox's SMS gateway: what would have been texted to a phone."""

    __tablename__ = "sms_messages"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    phone_number: Mapped[str] = mapped_column(String(20), index=True)
    prakerja_id: Mapped[str | None] = mapped_column(String(16), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    otp: Mapped[str | None] = mapped_column(String(12))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditEvent(Base):
    """Every state change, with time and actor."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SeenSignature(Base):
    """Accepted (client_code, signature) pairs inside the tolerance window: replay protection."""

    __tablename__ = "seen_signatures"
    client_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class OAuthCode(Base):
    __tablename__ = "oauth_codes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    lp_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"))
    scope: Mapped[str] = mapped_column(String(200))
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OAuthToken(Base):
    __tablename__ = "oauth_tokens"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    lp_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"))
    scope: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    refresh_expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
