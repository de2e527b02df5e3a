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
    false,
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


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC with a ``Z``, to the second, as the portal shows times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    # Prakerja -> partner: the key Prakerja signs its calls and webhooks to the partner with (a
    # second key, so one leaked direction cannot forge the other), the partner-hosted API (payment
    # partners, job portals) and where webhooks go. Partners made before these existed have none.
    webhook_key_enc: Mapped[str | None] = mapped_column(Text)
    base_url: Mapped[str | None] = mapped_column(String(2048))
    webhook_url: Mapped[str | None] = mapped_column(String(2048))


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
    # Issued by a wave's draw (null for fixtures and for the loaded history of earlier years).
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("waves.id"), index=True)
    purchase_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


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
    # The catalogue (migration 0004). A curated course is sold only by the DP that submitted it
    # (seller_dp_id); null: any DP (the fixtures). ``listed``: in the public catalogue while
    # active; ``suspended``: failed a monitoring assessment, no new sales.
    category: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    duration_hours: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    seller_dp_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


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


# --- the beneficiary journey: accounts, applicants, verification, waves (migration 0002) -------


class Account(Base):
    """An applicant's login: e-mail, phone and password (hashed), each contact verified by OTP."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    email_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    phone_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AccountSession(Base):
    """A bearer token (its SHA-256) of an account."""

    __tablename__ = "account_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ContactOtp(Base):
    """An OTP sent to an account's e-mail or phone; a newer one of the channel supersedes it."""

    __tablename__ = "contact_otps"
    __table_args__ = (Index("ix_contact_otps_account_channel", "account_id", "channel"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    channel: Mapped[str] = mapped_column(String(8))  # email | phone
    otp_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10))  # pending | used | locked | replaced
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MailMessage(Base):
    """The sandbox's mail gateway: what would have been e-mailed."""

    __tablename__ = "mail_messages"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    otp: Mapped[str | None] = mapped_column(String(12))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RateHit(Base):
    """Requests counted per limit bucket (``kind:subject``) and fixed window: works across
    processes because the count lives in the database."""

    __tablename__ = "rate_hits"
    bucket: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Unix seconds
    hits: Mapped[int] = mapped_column(Integer)


class Applicant(Base):
    """One account's application: identity as declared, what the sources said, where it stands."""

    __tablename__ = "applicants"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    stage: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str | None] = mapped_column(String(20))
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    kk: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
    birth_place: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str | None] = mapped_column(String(8))
    education: Mapped[str | None] = mapped_column(String(3))
    employment_status: Mapped[str | None] = mapped_column(String(16))
    is_official: Mapped[bool | None] = mapped_column(Boolean)
    identity_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    selfie_token: Mapped[str | None] = mapped_column(String(128))
    selfie_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What the sources answered (kept so the rules can be re-applied under another scheme).
    registry_kk: Mapped[str | None] = mapped_column(String(16))
    registry_occupation: Mapped[str | None] = mapped_column(String(40))
    face_id: Mapped[str | None] = mapped_column(String(64))
    dtks: Mapped[bool | None] = mapped_column(Boolean)
    scheme: Mapped[str | None] = mapped_column(
        String(20)
    )  # the scheme the rules were applied under
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("waves.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class NikClaim(Base):
    """A NIK belongs to one verified applicant: the primary key keeps a second one out."""

    __tablename__ = "nik_claims"
    nik: Mapped[str] = mapped_column(String(16), primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), unique=True)


class FaceClaim(Base):
    """A face (the biometrics service's face id) belongs to one applicant."""

    __tablename__ = "face_claims"
    face_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), unique=True)


class KkSlot(Base):
    """At most two eligible applicants per family card: slots 1 and 2 of a KK."""

    __tablename__ = "kk_slots"
    kk: Mapped[str] = mapped_column(String(16), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), unique=True)


class OutboxJob(Base):
    """Work for the worker: slow or external steps, retried with backoff until done.

    One job per (kind, ref): enqueueing twice is a no-op. A claimed job carries a lease
    (``locked_until``); a worker that dies leaves it to be claimed again when the lease ends.
    """

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        UniqueConstraint("kind", "ref"),
        Index("ix_outbox_jobs_due", "status", "run_after"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # pending | running | done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Wave(Base):
    """A registration wave: quota, times, scheme and the commit-reveal lottery."""

    __tablename__ = "waves"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    wave_code: Mapped[str] = mapped_column(String(32), unique=True)
    quota: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(20))
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # closed early
    seed_enc: Mapped[str | None] = mapped_column(Text)  # Fernet, until revealed
    seed_commitment: Mapped[str | None] = mapped_column(String(64))
    seed: Mapped[str | None] = mapped_column(String(64))  # revealed at the draw
    drawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    eligible_joiners: Mapped[int | None] = mapped_column(Integer)
    winners: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WaveJoiner(Base):
    """An applicant in a wave's draw, having joined it or rolled into it."""

    __tablename__ = "wave_joiners"
    __table_args__ = (
        UniqueConstraint("wave_id", "applicant_id"),
        UniqueConstraint("wave_id", "nik"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    nik: Mapped[str] = mapped_column(String(16))
    carried: Mapped[bool] = mapped_column(Boolean, default=False)  # rolled in, not joined
    outcome: Mapped[str | None] = mapped_column(String(12))  # SELECTED | NOT_SELECTED
    draw_rank: Mapped[int | None] = mapped_column(Integer)  # 1 = smallest key, winners only
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- jobs: job portals' vacancies, search words, feed cursors (migration 0005) ------------------

# Search words compare in byte order on PostgreSQL, whatever the database's collation, so that a
# prefix is a range (``term >= 'kas' AND term < 'kat'``) an index answers.
SearchTerm = String(40).with_variant(String(40, collation="C"), "postgresql")
_OPEN = "status = 'open'"


def _open_index(name: str, *columns: str) -> Index:
    """An index over open vacancies only: withdrawn and expired rows never weigh on search."""
    return Index(name, *columns, sqlite_where=text(_OPEN), postgresql_where=text(_OPEN))


class Vacancy(Base):
    """A job portal's vacancy, one row per (portal, the portal's vacancy_id)."""

    __tablename__ = "vacancies"
    __table_args__ = (
        UniqueConstraint("portal_id", "vacancy_id"),
        _open_index("ix_vacancies_open_posted", "posted_at", "id"),
        _open_index("ix_vacancies_open_province", "province_code", "posted_at", "id"),
        _open_index("ix_vacancies_open_regency", "regency_code", "posted_at", "id"),
        _open_index("ix_vacancies_open_industry", "industry", "posted_at", "id"),
        _open_index("ix_vacancies_open_expires", "expires_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    vacancy_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # open | withdrawn | expired
    title: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    location_code: Mapped[str] = mapped_column(String(8))  # PP.RR or PP.RR.DD
    regency_code: Mapped[str] = mapped_column(String(5))
    province_code: Mapped[str] = mapped_column(String(2))
    min_education: Mapped[int] = mapped_column(Integer)  # domain.people.Education rank
    industry: Mapped[str] = mapped_column(String(32))
    job_type: Mapped[str] = mapped_column(String(16))
    salary_min: Mapped[int] = mapped_column(BigInteger)  # rupiah per month
    salary_max: Mapped[int] = mapped_column(BigInteger)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    apply_url: Mapped[str] = mapped_column(String(2048))
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(8))  # push | feed: how the last change came
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class VacancyTerm(Base):
    """A word of a vacancy's title or company: what text search looks up."""

    __tablename__ = "vacancy_terms"
    term: Mapped[str] = mapped_column(SearchTerm, primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PortalFeed(Base):
    """Where Prakerja is in a job portal's feed, and how the last pulls went."""

    __tablename__ = "portal_feeds"
    portal_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(200))
    pulls: Mapped[int] = mapped_column(Integer, default=0)  # completed pulls
    taken: Mapped[int] = mapped_column(Integer, default=0)  # items accepted or updated, ever
    rejected: Mapped[int] = mapped_column(Integer, default=0)  # items refused, ever
    last_pulled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# --- certification: runs, the office's signing key, client-mode sessions (migration 0007) ------


class CertificationRun(Base):
    """A submitted certification run: its report as sent, its certificate, the office's decision."""

    __tablename__ = "certification_runs"
    __table_args__ = (Index("ix_certification_runs_partner", "partner_id", "submitted_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(32), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    role: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    contract_version: Mapped[str] = mapped_column(String(40))
    catalogue_version: Mapped[str] = mapped_column(String(40))
    passed: Mapped[bool] = mapped_column(Boolean)
    must_failures: Mapped[int] = mapped_column(Integer)
    should_failures: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    report: Mapped[str] = mapped_column(Text)  # the report's canonical JSON
    certificate: Mapped[str | None] = mapped_column(Text)  # JSON, when the run passed
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(10))  # accepted | rejected
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))


class SigningKey(Base):
    """The programme office's Ed25519 certificate key (the private half Fernet-sealed)."""

    __tablename__ = "signing_keys"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), unique=True)  # one key per purpose
    key_id: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of 32 bytes
    private_key_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CertificationSession(Base):
    """A client-mode session: while open, the partner's calls are recorded under its scenario."""

    __tablename__ = "certification_sessions"
    __table_args__ = (Index("ix_certification_sessions_open", "client_code", "closed_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(32), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    client_code: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(8))
    salt: Mapped[str] = mapped_column(String(64))  # keys the fingerprints of the session's secrets
    scenarios: Mapped[str] = mapped_column(Text)  # JSON: the scenarios with their fixtures
    scenario: Mapped[str | None] = mapped_column(String(64))  # being recorded now
    injected: Mapped[int] = mapped_column(Integer, default=0)  # faults injected in it so far
    calls: Mapped[int] = mapped_column(Integer, default=0)  # calls recorded so far
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CertificationCall(Base):
    """One call a partner made during its session; secrets kept only as fingerprints."""

    __tablename__ = "certification_calls"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("certification_sessions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    scenario: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2048))
    timestamp: Mapped[str | None] = mapped_column(String(40))
    signature_fingerprint: Mapped[str | None] = mapped_column(String(16))
    authorization_fingerprint: Mapped[str | None] = mapped_column(String(16))
    request_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(20))
    response_body: Mapped[str | None] = mapped_column(Text)
    retry_after: Mapped[int | None] = mapped_column(Integer)
    injected: Mapped[str | None] = mapped_column(String(20))
    elapsed_ms: Mapped[int] = mapped_column(Integer)


# --- catalogue and curation: submissions, assessments, reviews, training results (0004) --------


class CourseSubmission(Base):
    """One version of a course a DP submitted for one of its LPs; approved, it becomes a course."""

    __tablename__ = "course_submissions"
    __table_args__ = (UniqueConstraint("course_code", "version"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    course_code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    dp_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    lp_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    status: Mapped[str] = mapped_column(String(10), index=True)  # PENDING | APPROVED | REJECTED
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(12))
    sessions: Mapped[int] = mapped_column(Integer)
    duration_hours: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(BigInteger)
    min_age: Mapped[int] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    min_education: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))


class SubmissionSchedule(Base):
    """A schedule as submitted. While its submission is pending (``live``) its code is reserved:
    no other pending submission may propose it."""

    __tablename__ = "submission_schedules"
    __table_args__ = (
        Index(
            "uq_submission_schedules_live_code",
            "schedule_code",
            unique=True,
            sqlite_where=text("live"),
            postgresql_where=text("live"),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("course_submissions.id"), index=True)
    schedule_code: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    live: Mapped[bool] = mapped_column(Boolean)


class CourseAssessment(Base):
    """An entry (of a submission version) or monitoring (of a course) assessment, as decided:
    scores, the rule's numbers then, and the reasons (JSON), so history never changes."""

    __tablename__ = "course_assessments"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    course_code: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # entry | monitoring
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("course_submissions.id"))
    passed: Mapped[bool] = mapped_column(Boolean)
    weighted_mean: Mapped[str] = mapped_column(String(8))
    pass_mean: Mapped[str] = mapped_column(String(8))
    critical_minimum: Mapped[int] = mapped_column(Integer)
    scores: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    assessor: Mapped[str] = mapped_column(String(80))
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Review(Base):
    """A beneficiary's rating and review of one finished purchase (one per purchase)."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transactions.id"), unique=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    review: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TrainingResult(Base):
    """What the LP reported for one finished redeem code: scores and the certificate it issued."""

    __tablename__ = "training_results"
    __table_args__ = (UniqueConstraint("lp_id", "certificate_number"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    redeem_code_id: Mapped[int] = mapped_column(ForeignKey("redeem_codes.id"), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    lp_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    pre_test: Mapped[int] = mapped_column(Integer)
    post_test: Mapped[int] = mapped_column(Integer)
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    certificate_url: Mapped[str | None] = mapped_column(String(2048))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- incentives through payment partners (migration 0006) -----------------------------------


class PayoutLink(Base):
    """A card holder's bank account or e-wallet for incentives: one ACTIVE per card at most."""

    __tablename__ = "payout_links"
    __table_args__ = (
        Index(
            "uq_payout_links_card_active",
            "card_id",
            unique=True,
            sqlite_where=text("status = 'ACTIVE'"),
            postgresql_where=text("status = 'ACTIVE'"),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    link_id: Mapped[str] = mapped_column(String(40), unique=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    account_type: Mapped[str] = mapped_column(String(8))  # BANK | EWALLET
    account_number: Mapped[str] = mapped_column(String(20))
    holder_name: Mapped[str] = mapped_column(String(100))  # as the partner holds it
    kyc_level: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))  # contract.incentives.LinkStatus
    otp_hash: Mapped[str | None] = mapped_column(String(64))
    otp_attempts: Mapped[int] = mapped_column(Integer, default=0)
    otp_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    linked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class IncentiveEnrolment(Base):
    """When a card holder met every incentive condition: the schedule starts then, once."""

    __tablename__ = "incentive_enrolments"
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(20))
    eligible_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IncentiveStep(Base):
    """One payment a card holder is owed: (card, kind, step) is unique, so it is owed once."""

    __tablename__ = "incentive_steps"
    __table_args__ = (
        UniqueConstraint("card_id", "kind", "step"),
        Index("ix_incentive_steps_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    kind: Mapped[str] = mapped_column(String(10))  # incentive | survey
    step: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12))  # scheduled | processing | paid | failed
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Disbursement(Base):
    """One payment instruction to a partner; ``disbursement_id`` is its idempotency key.

    At most one live (not FAILED) disbursement per step: a failed one may be followed by a new
    one (to a newly linked account), never accompanied by a second.
    """

    __tablename__ = "disbursements"
    __table_args__ = (
        Index(
            "uq_disbursements_step_live",
            "step_id",
            unique=True,
            sqlite_where=text("state != 'FAILED'"),
            postgresql_where=text("state != 'FAILED'"),
        ),
        Index("ix_disbursements_partner_final", "partner_id", "partner_final_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    disbursement_id: Mapped[str] = mapped_column(String(40), unique=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("incentive_steps.id"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    link_id: Mapped[int] = mapped_column(ForeignKey("payout_links.id"))
    # What the request says, fixed at creation: every retry sends the very same body.
    account_type: Mapped[str] = mapped_column(String(8))
    account_number: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(10))  # contract.incentives.PayoutState
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # disburse calls sent
    partner_reference: Mapped[str | None] = mapped_column(String(64))
    failure_code: Mapped[str | None] = mapped_column(String(16))
    partner_final_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    final_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class IncentiveLedgerEntry(Base):
    """Every rupiah of incentive paid: one entry per PAID disbursement, never two."""

    __tablename__ = "incentive_ledger"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    disbursement_id: Mapped[int] = mapped_column(ForeignKey("disbursements.id"), unique=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(BigInteger)  # > 0
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PayoutAnomaly(Base):
    """A partner's answer or callback that contradicted the record: kept, never applied."""

    __tablename__ = "payout_anomalies"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    disbursement_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # conflict | amount | contract
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PayoutSlot(Base):
    """One of a partner's concurrent-call slots, leased by a worker thread across processes."""

    __tablename__ = "payout_slots"
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_by: Mapped[str | None] = mapped_column(String(80))
    held_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Reconciliation(Base):
    """The latest reconciliation of a partner's statement of one day with the record."""

    __tablename__ = "reconciliations"
    __table_args__ = (UniqueConstraint("partner_id", "day"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    day: Mapped[date] = mapped_column(Date)
    run_at: Mapped[datetime] = mapped_column(UtcDateTime)
    statement_entries: Mapped[int] = mapped_column(Integer)
    ledger_entries: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer)
    partner_success_amount: Mapped[int] = mapped_column(BigInteger)
    ledger_paid_amount: Mapped[int] = mapped_column(BigInteger)
    mismatch_count: Mapped[int] = mapped_column(Integer)


class ReconciliationMismatch(Base):
    """One difference a reconciliation found."""

    __tablename__ = "reconciliation_mismatches"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(ForeignKey("reconciliations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    disbursement_id: Mapped[str] = mapped_column(String(64))
    prakerja_amount: Mapped[int | None] = mapped_column(BigInteger)
    partner_amount: Mapped[int | None] = mapped_column(BigInteger)
    prakerja_status: Mapped[str | None] = mapped_column(String(12))
    partner_status: Mapped[str | None] = mapped_column(String(12))


class SurveyAnswer(Base):
    """A card holder's answers to one evaluation survey: once per survey."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("card_id", "survey_code"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    survey_code: Mapped[str] = mapped_column(String(32))
    answers: Mapped[str] = mapped_column(Text)  # JSON
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
