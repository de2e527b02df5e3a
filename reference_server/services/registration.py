"""The applicant's side of registration: account, contacts, identity, selfie, wave, status.

One transaction per request. An account and everything that comes with it (applicant row,
session, both OTPs and their messages) is written together or not at all; a second account on
one e-mail or phone is kept out by the unique constraints even when two sign-ups race. Secrets
are stored hashed: passwords with scrypt and a salt of their own, session tokens and OTPs with
SHA-256 (they are random and short-lived). Limits are counted in the database before the work
(``reference_server.ratelimit``), so they hold across processes and count failed attempts too.

The bearer calls are the hot path (a registration is about nine HTTP calls, and status is
polled): the session lookup and the account's count share one transaction, a limit checked by a
call whose transaction commits either way (OTP send and verify) is counted in that transaction,
and what the lookup read (contacts verified, which never reverts) spares re-reading the account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import errors as err
from contract.errors import ApiError
from contract.population import Case
from contract.registration import (
    Channel,
    ContactData,
    CreateAccountRequest,
    IdentityRequest,
    JoinData,
    LoginRequest,
    OtpSentData,
    SelfieRequest,
    SessionData,
    Stage,
    StatusData,
)
from reference_server import audit, outbox, ratelimit
from reference_server.domain import eligibility, nik, otp, schemes, stages
from reference_server.domain.people import mask_phone
from reference_server.domain.ratelimit import Limit
from reference_server.domain.waves import wave_status
from reference_server.runtime import Runtime
from reference_server.services.payments import iso_utc
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Account,
    AccountSession,
    Applicant,
    ContactOtp,
    KkSlot,
    MailMessage,
    SmsMessage,
    Wave,
    WaveJoiner,
    utcnow,
)

PURPOSE = "registration"
VERIFY_JOB = "verify"
ACTOR = "applicant"
BEARER = "bearer"

# scrypt at Percival's interactive-login cost (N=2^14, r=8, p=1: 16 MiB, tens of ms): a leaked
# table stays expensive to crack while sign-up bursts of a wave opening remain affordable.
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**14, 8, 1, 32
SCRYPT_MAXMEM = 64 * 1024 * 1024
SALT_BYTES = 16


class OtpStatus:
    PENDING = "pending"
    USED = "used"
    LOCKED = "locked"
    REPLACED = "replaced"


@dataclass(frozen=True, slots=True)
class AccountRef:
    """The account a bearer token belongs to."""

    id: int
    account_id: str
    email: str
    phone: str
    # Both contacts were verified when the session was looked up. Verification never reverts,
    # so True stays true for the rest of the request; False must be re-read where it matters.
    contacts_verified: bool = False


# --- secrets ---------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hash_password(password: str, n: int = SCRYPT_N) -> str:
    """``scrypt$N$r$p$salt$hash`` with a fresh random salt (parameters kept for later upgrades)."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=n,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=SCRYPT_MAXMEM,
        dklen=SCRYPT_LEN,
    )
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=SCRYPT_MAXMEM,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


# A hash to check against when the e-mail is unknown, so a login takes as long either way.
_DECOY = hash_password(secrets.token_urlsafe(16))


def _new_account_id() -> str:
    return f"acc-{secrets.token_hex(12)}"


def _normal_email(email: str) -> str:
    return email.strip().lower()


def mask_email(email: str) -> str:
    """``a***@example.com``: enough to recognise, not to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _changed(session: Session, statement: Executable) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


# --- accounts and sessions ---------------------------------------------------------------------


def _new_session(session: Session, runtime: Runtime, account: Account, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        AccountSession(
            token_hash=otp.digest(token),
            account_id=account.id,
            expires_at=now + timedelta(seconds=runtime.settings.session_ttl_seconds),
            created_at=now,
        )
    )
    return token


def _session_data(account: Account, token: str, expires_at: datetime) -> SessionData:
    return SessionData(
        account_id=account.account_id,
        access_token=token,
        expires_at=iso_utc(expires_at),
        email_verified=account.email_verified_at is not None,
        phone_verified=account.phone_verified_at is not None,
    )


def create_account(runtime: Runtime, request: CreateAccountRequest, address: str) -> SessionData:
    """A new account with its applicant, a session, and an OTP sent to each contact."""
    settings = runtime.settings
    ratelimit.hit(
        runtime,
        (Limit.PHONE, request.phone, settings.rate_per_phone),
        (Limit.ADDRESS, address, settings.rate_per_address),
    )
    email = _normal_email(request.email)
    # Slow by design: outside the transaction.
    password_hash = hash_password(request.password, 2**settings.password_hash_cost)
    now = utcnow()
    try:
        with transaction(runtime.sessions) as session:
            taken = session.scalar(
                select(Account.id).where(
                    (Account.email == email) | (Account.phone == request.phone)
                )
            )
            if taken is not None:
                raise ApiError(err.ACCOUNT_EXISTS)
            account = Account(
                account_id=_new_account_id(),
                email=email,
                phone=request.phone,
                password_hash=password_hash,
                created_at=now,
            )
            session.add(account)
            session.flush()  # the unique constraints speak here when two sign-ups race
            applicant = Applicant(
                account_id=account.id, stage=Stage.REGISTERED, updated_at=now, created_at=now
            )
            session.add(applicant)
            token = _new_session(session, runtime, account, now)
            for channel in Channel:
                _send_otp(session, runtime, account, channel, now, replace=False)
            session.flush()
            audit.record(session, "account", account.account_id, "created", ACTOR)
    except IntegrityError:
        raise ApiError(err.ACCOUNT_EXISTS) from None
    return _session_data(account, token, now + timedelta(seconds=settings.session_ttl_seconds))


def login(runtime: Runtime, request: LoginRequest, address: str) -> SessionData:
    """A new session for the right e-mail and password."""
    settings = runtime.settings
    email = _normal_email(request.email)
    ratelimit.hit(
        runtime,
        (Limit.ADDRESS, address, settings.rate_per_address),
        (Limit.LOGIN, email, settings.rate_per_account),
    )
    with runtime.reads() as session:
        account = session.scalar(select(Account).where(Account.email == email))
    if account is None:
        check_password(request.password, _DECOY)
        raise ApiError(err.LOGIN_FAILED)
    if not check_password(request.password, account.password_hash):
        raise ApiError(err.LOGIN_FAILED)
    now = utcnow()
    with transaction(runtime.sessions) as session:
        token = _new_session(session, runtime, account, now)
        audit.record(session, "account", account.account_id, "login", ACTOR)
    return _session_data(account, token, now + timedelta(seconds=settings.session_ttl_seconds))


def authenticate(runtime: Runtime, authorization: str | None) -> AccountRef:
    """The account of ``Authorization: Bearer <token>``, counted against its request limit.

    One transaction: the lookup, then the count (committed, then refused when over the limit).
    """
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != BEARER or not 16 <= len(token) <= 128:
        raise ApiError(err.SESSION_INVALID)
    now = utcnow()
    settings = runtime.settings
    with transaction(runtime.sessions) as session:
        row = session.execute(_SESSION_LOOKUP, {"token_hash": otp.digest(token)}).first()
        if row is None or row.expires_at <= now:
            raise ApiError(err.SESSION_INVALID)  # nothing written: the rollback is a no-op
        limit = (Limit.ACCOUNT, row.account_id, settings.rate_per_account)
        refused = ratelimit.count_in(session, limit, window=settings.rate_window_seconds)
    if refused is not None:
        raise refused
    return AccountRef(
        row.id,
        row.account_id,
        row.email,
        row.phone,
        contacts_verified=row.email_verified_at is not None and row.phone_verified_at is not None,
    )


_SESSION_LOOKUP = (
    select(
        Account.id,
        Account.account_id,
        Account.email,
        Account.phone,
        Account.email_verified_at,
        Account.phone_verified_at,
        AccountSession.expires_at,
    )
    .join(AccountSession, AccountSession.account_id == Account.id)
    .where(AccountSession.token_hash == bindparam("token_hash"))
)


# --- contact OTPs ------------------------------------------------------------------------------


def _otp_text(code: str, ttl_seconds: int) -> str:
    minutes = max(1, ttl_seconds // 60)
    return (
        f"Kode verifikasi Kartu Prakerja Anda: {code}. Berlaku {minutes} menit. "
        "JANGAN berikan kode ini kepada siapa pun."
    )


def _send_otp(
    session: Session,
    runtime: Runtime,
    account: Account | AccountRef,
    channel: Channel,
    now: datetime,
    replace: bool = True,
) -> datetime:
    """Replace the channel's live OTP with a new one and deliver it; its expiry. ``replace`` is
    False only for an account created in this transaction, which has no OTP to replace."""
    ttl = runtime.settings.otp_ttl_seconds
    if replace:
        session.execute(
            update(ContactOtp)
            .where(
                ContactOtp.account_id == account.id,
                ContactOtp.channel == channel.value,
                ContactOtp.status == OtpStatus.PENDING,
            )
            .values(status=OtpStatus.REPLACED)
        )
    code = otp.new_otp()
    expires_at = otp.expiry(now, ttl)
    session.add(
        ContactOtp(
            account_id=account.id,
            channel=channel.value,
            otp_hash=otp.digest(code),
            attempts=0,
            status=OtpStatus.PENDING,
            expires_at=expires_at,
            created_at=now,
        )
    )
    text = _otp_text(code, ttl)
    if channel is Channel.EMAIL:
        session.add(
            MailMessage(email=account.email, purpose=PURPOSE, text=text, otp=code, sent_at=now)
        )
    else:
        session.add(
            SmsMessage(
                phone_number=account.phone,
                prakerja_id=None,
                purpose=PURPOSE,
                text=text,
                otp=code,
                sent_at=now,
            )
        )
    return expires_at


def send_contact_otp(runtime: Runtime, account: AccountRef, channel: Channel) -> OtpSentData:
    """A new OTP to the e-mail or the phone, replacing the channel's earlier one."""
    settings = runtime.settings
    now = utcnow()
    with transaction(runtime.sessions) as session:
        limit = (Limit.PHONE, account.phone, settings.rate_per_phone)
        refused = ratelimit.count_in(session, limit, window=settings.rate_window_seconds)
        if refused is None:
            expires_at = _send_otp(session, runtime, account, channel, now)
            audit.record(session, "account", account.account_id, "otp_sent", ACTOR, channel=channel)
    if refused is not None:
        raise refused  # counted above, nothing sent
    destination = (
        mask_email(account.email) if channel is Channel.EMAIL else mask_phone(account.phone)
    )
    return OtpSentData(channel=channel, destination=destination, expired_at=iso_utc(expires_at))


def verify_contact(
    runtime: Runtime, account: AccountRef, channel: Channel, code: str
) -> ContactData:
    """Check the channel's OTP: single use, until it expires, a few wrong tries and it is dead."""
    settings = runtime.settings
    now = utcnow()
    with transaction(runtime.sessions) as session:
        # Counted in the transaction that checks: it commits whether the OTP is right, wrong or
        # expired, and a refusal past the limit commits the count and checks nothing.
        limit = (Limit.OTP_VERIFY, account.account_id, settings.otp_attempts_per_window)
        refused = ratelimit.count_in(session, limit, window=settings.rate_window_seconds)
        if refused is None:
            outcome = _check_contact_otp(session, runtime, account, channel, code, now)
    if refused is not None:
        raise refused
    if isinstance(outcome, err.ErrorCode):
        raise ApiError(outcome)  # a wrong try was stored and committed above
    return outcome


def _check_contact_otp(
    session: Session,
    runtime: Runtime,
    account: AccountRef,
    channel: Channel,
    code: str,
    now: datetime,
) -> ContactData | err.ErrorCode:
    """The OTP check of ``verify_contact`` in its transaction: the contacts' state, or the
    failure to raise once the transaction has committed (a wrong try is stored)."""
    settings = runtime.settings
    challenge = session.scalar(
        select(ContactOtp)
        .where(
            ContactOtp.account_id == account.id,
            ContactOtp.channel == channel.value,
            ContactOtp.status == OtpStatus.PENDING,
        )
        .order_by(ContactOtp.id.desc())
        .limit(1)
        .with_for_update()
    )
    if challenge is None or now >= challenge.expires_at:
        return err.REG_OTP_EXPIRED
    if hmac.compare_digest(otp.digest(code), challenge.otp_hash):
        challenge.status = OtpStatus.USED
        row = session.get_one(Account, account.id, with_for_update=True)
        if channel is Channel.EMAIL and row.email_verified_at is None:
            row.email_verified_at = now
        if channel is Channel.PHONE and row.phone_verified_at is None:
            row.phone_verified_at = now
        audit.record(session, "account", account.account_id, "verified", ACTOR, channel=channel)
        if row.email_verified_at and row.phone_verified_at:
            applicant = _applicant(session, account)
            if applicant.stage == Stage.REGISTERED:
                _advance(session, applicant, Stage.CONTACT_VERIFIED, now, ACTOR)
        return ContactData(
            email_verified=row.email_verified_at is not None,
            phone_verified=row.phone_verified_at is not None,
        )
    # A wrong OTP counts even though the call fails: store it, commit, then refuse.
    challenge.attempts += 1
    if challenge.attempts >= settings.otp_max_attempts:
        challenge.status = OtpStatus.LOCKED
    return err.REG_OTP_WRONG


# --- the applicant ---------------------------------------------------------------------------


def _applicant(session: Session, account: AccountRef | Account) -> Applicant:
    """The account's applicant row, locked for this transaction (PostgreSQL; SQLite holds the
    write lock already)."""
    return session.execute(
        select(Applicant).where(Applicant.account_id == account.id).with_for_update()
    ).scalar_one()


def _advance(
    session: Session, applicant: Applicant, target: Stage, now: datetime, actor: str, **detail: Any
) -> None:
    """Move the applicant to ``target`` if the journey allows it (else a bug: IllegalTransition)."""
    before = applicant.stage
    applicant.stage = stages.move(before, target)
    applicant.updated_at = now
    audit.record(
        session, "applicant", applicant.id, "stage", actor, before=before, after=target, **detail
    )


def _contacts_verified(session: Session, account: AccountRef) -> bool:
    """Both contacts verified: known from the session lookup once true, else read again."""
    if account.contacts_verified:
        return True
    row = session.get_one(Account, account.id)
    return row.email_verified_at is not None and row.phone_verified_at is not None


def _identity_checks(request: IdentityRequest, today: date) -> None:
    if not date(1900, 1, 1) <= request.birth_date <= today:
        raise ApiError(err.BAD_REQUEST, "(birth_date must be a real past date)")
    problem = nik.nik_problem(request.nik, request.birth_date, request.sex)
    if problem is not None:
        raise ApiError(err.NIK_INVALID, f"({problem})")
    if not nik.kk_valid(request.kk):
        raise ApiError(err.KK_INVALID)
    if not nik.region_known(request.region_code):
        raise ApiError(err.REGION_UNKNOWN)


def _start_verification_if_complete(session: Session, applicant: Applicant, now: datetime) -> None:
    """Both identity and selfie in: VERIFYING, and the job that verifies, in this transaction."""
    if applicant.identity_at is not None and applicant.selfie_at is not None:
        _advance(session, applicant, Stage.VERIFYING, now, ACTOR)
        outbox.enqueue(session, VERIFY_JOB, str(applicant.id))
    elif applicant.stage == Stage.CONTACT_VERIFIED:
        _advance(session, applicant, Stage.IDENTITY_SUBMITTED, now, ACTOR)


def submit_identity(runtime: Runtime, account: AccountRef, request: IdentityRequest) -> StatusData:
    """Store the declared identity once; starts verification when the selfie is in too."""
    now = utcnow()
    _identity_checks(request, eligibility.programme_day(now))
    with transaction(runtime.sessions) as session:
        applicant = _applicant(session, account)
        if not _contacts_verified(session, account):
            raise ApiError(err.CONTACT_NOT_VERIFIED)
        if applicant.identity_at is not None:
            raise ApiError(err.IDENTITY_EXISTS)
        applicant.nik, applicant.kk, applicant.name = request.nik, request.kk, request.name
        applicant.birth_place, applicant.birth_date = request.birth_place, request.birth_date
        applicant.sex, applicant.address = request.sex, request.address
        applicant.region_code, applicant.education = request.region_code, request.education
        applicant.employment_status = request.employment_status
        applicant.is_official = request.is_official
        applicant.identity_at = now
        audit.record(session, "applicant", applicant.id, "identity", ACTOR)
        _start_verification_if_complete(session, applicant, now)
        return _status(session, account, applicant)


def submit_selfie(runtime: Runtime, account: AccountRef, request: SelfieRequest) -> StatusData:
    """Store the selfie's liveness token once; starts verification when the identity is in too."""
    now = utcnow()
    with transaction(runtime.sessions) as session:
        applicant = _applicant(session, account)
        if not _contacts_verified(session, account):
            raise ApiError(err.CONTACT_NOT_VERIFIED)
        if applicant.selfie_at is not None:
            raise ApiError(err.SELFIE_EXISTS)
        applicant.selfie_token, applicant.selfie_at = request.liveness_token, now
        audit.record(session, "applicant", applicant.id, "selfie", ACTOR)
        _start_verification_if_complete(session, applicant, now)
        return _status(session, account, applicant)


# --- waves -------------------------------------------------------------------------------------


def open_wave(session: Session, now: datetime) -> Wave | None:
    """The wave open for joining at ``now``, if any (waves never overlap)."""
    candidates = session.scalars(
        select(Wave)
        .where(
            Wave.opens_at <= now,
            Wave.closes_at > now,
            Wave.closed_at.is_(None),
            Wave.drawn_at.is_(None),
        )
        .order_by(Wave.opens_at)
    ).all()
    for wave in candidates:
        if wave_status(wave.opens_at, wave.closes_at, wave.closed_at, wave.drawn_at, now) == "OPEN":
            return wave
    return None


def _in_undrawn_wave(session: Session, applicant: Applicant) -> bool:
    return (
        session.scalar(
            select(WaveJoiner.id)
            .join(Wave, Wave.id == WaveJoiner.wave_id)
            .where(WaveJoiner.applicant_id == applicant.id, Wave.drawn_at.is_(None))
            .limit(1)
        )
        is not None
    )


def facts_of(applicant: Applicant) -> eligibility.Facts:
    """The stored facts the rules of steps 7-8 read."""
    assert applicant.birth_date is not None  # verified applicants have an identity
    return eligibility.Facts(
        birth_date=applicant.birth_date,
        registry_occupation=applicant.registry_occupation,
        employment_status=applicant.employment_status,
        is_official=applicant.is_official,
        dtks=applicant.dtks,
    )


def join_wave(runtime: Runtime, account: AccountRef) -> JoinData:
    """Join the open wave: eligible applicants only, once per undrawn wave."""
    now = utcnow()
    refused: tuple[err.ErrorCode, str | None] | None = None
    with transaction(runtime.sessions) as session:
        applicant = _applicant(session, account)
        if applicant.stage in (Stage.JOINED, Stage.BENEFICIARY) or _in_undrawn_wave(
            session, applicant
        ):
            raise ApiError(err.ALREADY_JOINED)
        if applicant.stage not in (Stage.ELIGIBLE, Stage.NOT_SELECTED):
            raise ApiError(err.NOT_ELIGIBLE)
        wave = open_wave(session, now)
        if wave is None:
            raise ApiError(err.NO_OPEN_WAVE)
        if wave.scheme != applicant.scheme:
            refused = _reapply_rules(session, applicant, wave, now)
        if refused is None:
            added = _insert_joiner(session, wave, applicant, now)
            if not added:
                raise ApiError(err.ALREADY_JOINED)
            applicant.wave_id = wave.id
            _advance(session, applicant, Stage.JOINED, now, ACTOR, wave_code=wave.wave_code)
            return JoinData(
                wave_code=wave.wave_code, joined_at=iso_utc(now), closes_at=iso_utc(wave.closes_at)
            )
    # The new reason was committed above; now refuse.
    raise ApiError(*refused)


def _reapply_rules(
    session: Session, applicant: Applicant, wave: Wave, now: datetime
) -> tuple[err.ErrorCode, str | None] | None:
    """The wave's scheme differs from the one verified under: re-apply steps 7-8 to the stored
    facts. A failure is recorded (INELIGIBLE with its reason, the family-card slot freed) and
    returned as the refusal; a pass records the scheme."""
    try:
        scheme = schemes.scheme(wave.scheme)
    except KeyError:
        return None  # a wave of an unknown scheme cannot be created; keep the verdict
    reason = eligibility.rules_reason(facts_of(applicant), scheme, eligibility.programme_day(now))
    if reason is None:
        applicant.scheme = scheme.name
        return None
    session.execute(delete(KkSlot).where(KkSlot.applicant_id == applicant.id))
    applicant.reason, applicant.scheme = reason.value, scheme.name
    _advance(session, applicant, Stage.INELIGIBLE, now, ACTOR, reason=reason, scheme=scheme.name)
    return err.NOT_ELIGIBLE, f"({reason.value})"


def _insert_joiner(session: Session, wave: Wave, applicant: Applicant, now: datetime) -> bool:
    postgres = session.get_bind().dialect.name == "postgresql"
    insert: Any = postgresql.insert if postgres else sqlite.insert
    statement = (
        insert(WaveJoiner)
        .values(
            wave_id=wave.id,
            applicant_id=applicant.id,
            nik=applicant.nik,
            carried=False,
            joined_at=now,
        )
        .on_conflict_do_nothing()
        .returning(WaveJoiner.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


# --- status ----------------------------------------------------------------------------------


def _status(session: Session, account: AccountRef, applicant: Applicant) -> StatusData:
    if account.contacts_verified:  # never reverts: no need to read the account again
        email_verified = phone_verified = True
    else:
        row = session.get_one(Account, account.id)
        email_verified = row.email_verified_at is not None
        phone_verified = row.phone_verified_at is not None
    wave_code = (
        session.scalar(select(Wave.wave_code).where(Wave.id == applicant.wave_id))
        if applicant.wave_id is not None
        else None
    )
    reason = Case(applicant.reason) if applicant.reason else None
    return StatusData(
        account_id=account.account_id,
        stage=Stage(applicant.stage),
        reason=reason,
        reason_message=eligibility.REASON_MESSAGES.get(reason) if reason else None,
        email_verified=email_verified,
        phone_verified=phone_verified,
        identity_submitted=applicant.identity_at is not None,
        selfie_submitted=applicant.selfie_at is not None,
        wave_code=wave_code,
        updated_at=iso_utc(applicant.updated_at),
    )


def status(runtime: Runtime, account: AccountRef) -> StatusData:
    """Where the applicant stands and, when ineligible, why."""
    with runtime.reads() as session:
        applicant = session.execute(
            select(Applicant).where(Applicant.account_id == account.id)
        ).scalar_one()
        return _status(session, account, applicant)
