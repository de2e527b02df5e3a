"""DP payment use cases: quota, send-otp, authorize, status and void, one transaction each.

Money moves only through conditional UPDATEs (``... WHERE balance >= amount``, ``... WHERE
quota > 0``), never read-then-write, so concurrent purchases on one card or one schedule cannot
overspend or oversell: SQLite runs one writer at a time (BEGIN IMMEDIATE) and PostgreSQL re-checks
the condition on the locked row. Every debit and credit is a ledger entry in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import errors as err
from contract.attendance import RedeemStatus
from contract.errors import ApiError
from contract.payments import (
    AuthorizeData,
    AuthorizeRequest,
    PaymentStatus,
    PaymentStatusData,
    QuotaScheduleData,
    SendOtpData,
    SendOtpRequest,
    VoidRequest,
)
from reference_server import audit
from reference_server.domain import otp, purchase
from reference_server.domain.curation import SUSPENDED
from reference_server.domain.people import mask_phone
from reference_server.refunds import undo_purchase
from reference_server.runtime import PartnerIdentity, Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Attendance,
    Beneficiary,
    Card,
    Course,
    LedgerEntry,
    PaymentRequest,
    RedeemCode,
    Schedule,
    SmsMessage,
    Transaction,
    utcnow,
)
from reference_server.storage.tables import iso_utc as iso_utc  # the services import it from here

SMS_PURPOSE = "payment"


def _changed(session: Session, statement: Executable) -> int:
    """Rows a conditional UPDATE touched (0: its condition did not hold)."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def _schedule_terms(
    session: Session, schedule_code: str
) -> tuple[Schedule, purchase.ScheduleTerms] | None:
    row = session.execute(
        select(Schedule, Course.course_code)
        .join(Course, Course.id == Schedule.course_id)
        .where(Schedule.schedule_code == schedule_code)
    ).first()
    if row is None:
        return None
    schedule, course_code = row
    terms = purchase.ScheduleTerms(
        schedule.schedule_code, course_code, schedule.start_at, schedule.quota
    )
    return schedule, terms


def quota_schedule(runtime: Runtime, course_code: str, schedule_code: str) -> QuotaScheduleData:
    """Seats left on a schedule of a course."""
    purchase.require_codes(course_code, schedule_code)
    with runtime.reads() as session:
        found = _schedule_terms(session, schedule_code)
    terms = purchase.schedule_of(course_code, found[1] if found else None)
    return QuotaScheduleData(
        schedule_code=terms.schedule_code, course_code=terms.course_code, quota=terms.quota
    )


def _otp_text(otp_code: str, course: Course, ttl_seconds: int) -> str:
    minutes = max(1, ttl_seconds // 60)
    price = f"{course.price:,}".replace(",", ".")
    return (
        f"Kode OTP Kartu Prakerja Anda: {otp_code}. Gunakan untuk membeli pelatihan "
        f"{course.title} seharga Rp{price}. Berlaku {minutes} menit. "
        "JANGAN berikan kode ini kepada siapa pun."
    )


def _holder(session: Session, prakerja_id: str) -> tuple[Card, Beneficiary] | None:
    row = session.execute(
        select(Card, Beneficiary)
        .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
        .where(Card.card_number == prakerja_id)
    ).first()
    return (row[0], row[1]) if row else None


def _owns(session: Session, card_id: int, course_id: int) -> bool:
    held = exists().where(
        Transaction.card_id == card_id,
        Transaction.course_id == course_id,
        Transaction.status == PaymentStatus.SUCCESS,
    )
    return bool(session.scalar(select(held)))


def _course_terms(course: Course | None) -> purchase.CourseTerms | None:
    if course is None:
        return None
    return purchase.CourseTerms(
        course.course_code,
        course.price,
        course.min_age,
        course.max_age,
        course.min_education,
        seller_dp_id=course.seller_dp_id,
        suspended=course.status == SUSPENDED,
    )


def _buyer(holder: tuple[Card, Beneficiary] | None) -> purchase.Buyer | None:
    if holder is None:
        return None
    card, person = holder
    return purchase.Buyer(person.birth_date, person.education, card.status, card.balance)


def send_otp(runtime: Runtime, partner: PartnerIdentity, request: SendOtpRequest) -> SendOtpData:
    """Validate an order, keep it as a pending payment request and text the buyer an OTP."""
    now = utcnow()
    settings = runtime.settings
    with transaction(runtime.sessions) as session:
        course = session.scalar(select(Course).where(Course.course_code == request.course_code))
        found = _schedule_terms(session, request.schedule_code)
        holder = _holder(session, request.prakerja_id)
        owned = bool(course and holder and _owns(session, holder[0].id, course.id))
        purchase.check_order(
            _course_terms(course),
            found[1] if found else None,
            _buyer(holder),
            request.amount,
            owned,
            now,
            dp_id=partner.id,
        )
        # check_order refused every missing piece; these narrow the types for what follows.
        assert course is not None and found is not None and holder is not None
        card, person = holder
        otp_code, token = otp.new_otp(), otp.new_token()
        pending = PaymentRequest(
            token_hash=otp.digest(token),
            dp_id=partner.id,
            card_id=card.id,
            course_id=course.id,
            schedule_id=found[0].id,
            amount=request.amount,
            user_platform_id=request.user_platform_id,
            otp_hash=otp.digest(otp_code),
            attempts=0,
            status=otp.ChallengeStatus.PENDING,
            expires_at=otp.expiry(now, settings.otp_ttl_seconds),
            created_at=now,
        )
        session.add(pending)
        session.add(
            SmsMessage(
                phone_number=person.phone_number,
                prakerja_id=card.card_number,
                purpose=SMS_PURPOSE,
                text=_otp_text(otp_code, course, settings.otp_ttl_seconds),
                otp=otp_code,
                sent_at=now,
            )
        )
        session.flush()
        audit.record(
            session,
            "payment_request",
            pending.id,
            "otp_sent",
            partner.client_code,
            course_code=course.course_code,
            schedule_code=request.schedule_code,
            amount=request.amount,
        )
    return SendOtpData(
        payment_token=token,
        expired_at=iso_utc(pending.expires_at),
        phone_number=mask_phone(person.phone_number),
    )


def _challenge(pending: PaymentRequest) -> otp.Challenge:
    return otp.Challenge(pending.status, pending.attempts, pending.expires_at, pending.otp_hash)


def authorize(
    runtime: Runtime, partner: PartnerIdentity, authorization: str | None, request: AuthorizeRequest
) -> AuthorizeData:
    """Check the OTP of a payment token and, when it matches, complete the purchase."""
    token = otp.token_from_header(authorization)
    now = utcnow()
    with transaction(runtime.sessions) as session:
        # The row lock (PostgreSQL) keeps two authorizations of one token from both counting or
        # both spending it; on SQLite the whole transaction already holds the write lock.
        pending = session.scalar(
            select(PaymentRequest)
            .where(PaymentRequest.token_hash == otp.digest(token))
            .with_for_update()
        )
        if pending is None or pending.dp_id != partner.id:
            raise ApiError(err.PAYMENT_TOKEN_INVALID)
        otp.ensure_usable(_challenge(pending), now)
        outcome = otp.attempt(_challenge(pending), request.otp, runtime.settings.otp_max_attempts)
        if outcome.error is None:
            return _purchase(session, partner, pending, request, now)
        # A wrong OTP must count even though the call fails: store it, commit, then refuse.
        pending.attempts, pending.status = outcome.attempts, outcome.status
        audit.record(
            session,
            "payment_request",
            pending.id,
            "locked" if outcome.status == otp.ChallengeStatus.LOCKED else "otp_wrong",
            partner.client_code,
            attempts=outcome.attempts,
        )
        failure = outcome.error
    raise ApiError(failure)


def _purchase(
    session: Session,
    partner: PartnerIdentity,
    pending: PaymentRequest,
    request: AuthorizeRequest,
    now: datetime,
) -> AuthorizeData:
    """Take a seat, debit the card, record the transaction and its redeem code; all or nothing."""
    taken = select(Transaction.id).where(
        Transaction.dp_id == partner.id, Transaction.invoice_code == request.invoice_code
    )
    if session.scalar(taken) is not None:
        raise ApiError(err.INVOICE_DUPLICATE)
    if _owns(session, pending.card_id, pending.course_id):
        raise ApiError(err.ALREADY_OWNED)
    if session.scalar(select(Course.status).where(Course.id == pending.course_id)) == SUSPENDED:
        raise ApiError(err.COURSE_SUSPENDED)  # suspended since send-otp: no new sales
    schedule = session.get_one(Schedule, pending.schedule_id)
    purchase.check_not_started(schedule.start_at, now)
    seat = update(Schedule).where(Schedule.id == schedule.id, Schedule.quota > 0)
    if not _changed(session, seat.values(quota=Schedule.quota - 1)):
        raise ApiError(err.QUOTA_FULL)
    debit = update(Card).where(
        Card.id == pending.card_id,
        Card.status == purchase.ACTIVE_CARD,
        Card.balance >= pending.amount,
    )
    if not _changed(session, debit.values(balance=Card.balance - pending.amount)):
        status = session.scalar(select(Card.status).where(Card.id == pending.card_id))
        raise ApiError(purchase.debit_refusal(status or ""))
    txn = Transaction(
        transaction_code=purchase.new_transaction_code(),
        dp_id=partner.id,
        invoice_code=request.invoice_code,
        invoice_url=request.invoice_url,
        user_platform_id=pending.user_platform_id,
        payment_request_id=pending.id,
        card_id=pending.card_id,
        course_id=pending.course_id,
        schedule_id=pending.schedule_id,
        amount=pending.amount,
        status=PaymentStatus.SUCCESS,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(txn)
    except IntegrityError:
        # A concurrent authorization committed between the checks above and this insert: it took
        # the invoice code, or bought this course with this card (the unique index decides).
        owned = _owns(session, pending.card_id, pending.course_id)
        raise ApiError(err.ALREADY_OWNED if owned else err.INVOICE_DUPLICATE) from None
    session.add(
        LedgerEntry(
            card_id=pending.card_id,
            amount=-pending.amount,
            kind="purchase",
            reference=txn.transaction_code,
            actor=partner.client_code,
            created_at=now,
        )
    )
    redeem = RedeemCode(
        code=purchase.new_redeem_code(),
        transaction_id=txn.id,
        course_id=pending.course_id,
        status=RedeemStatus.NOT_REDEEMED,
        created_at=now,
    )
    session.add(redeem)
    pending.status = otp.ChallengeStatus.USED
    audit.record(session, "payment_request", pending.id, "used", partner.client_code)
    audit.record(
        session,
        "transaction",
        txn.transaction_code,
        "purchased",
        partner.client_code,
        invoice_code=txn.invoice_code,
        amount=txn.amount,
        schedule_id=txn.schedule_id,
    )
    name = session.scalar(
        select(Beneficiary.name)
        .join(Card, Card.beneficiary_id == Beneficiary.id)
        .where(Card.id == txn.card_id)
    )
    return AuthorizeData(
        invoice_code=txn.invoice_code,
        transaction_code=txn.transaction_code,
        amount=txn.amount,
        status=PaymentStatus.SUCCESS,
        prakerja_name=name or "",
        redeem_code=redeem.code,
    )


def payment_status(
    runtime: Runtime, partner: PartnerIdentity, invoice_code: str
) -> PaymentStatusData:
    """The DP's own transaction with this invoice code."""
    with runtime.reads() as session:
        row = session.execute(
            select(Transaction, Beneficiary.name, RedeemCode.code)
            .join(Card, Card.id == Transaction.card_id)
            .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
            .outerjoin(RedeemCode, RedeemCode.transaction_id == Transaction.id)
            .where(Transaction.dp_id == partner.id, Transaction.invoice_code == invoice_code)
        ).first()
    if row is None:
        raise ApiError(err.INVOICE_NOT_FOUND)
    txn, name, code = row
    return PaymentStatusData(
        created_at=iso_utc(txn.created_at),
        invoice_code=txn.invoice_code,
        transaction_code=txn.transaction_code,
        amount=txn.amount,
        status=PaymentStatus(txn.status),
        prakerja_name=name,
        redeem_code=code or "",
        voided_at=iso_utc(txn.voided_at) if txn.voided_at else None,
    )


def void(runtime: Runtime, partner: PartnerIdentity, request: VoidRequest) -> None:
    """Cancel the DP's purchase: credit the card, free the seat, void the redeem code."""
    now = utcnow()
    with transaction(runtime.sessions) as session:
        txn = session.scalar(
            select(Transaction)
            .where(
                Transaction.transaction_code == request.transaction_code,
                Transaction.dp_id == partner.id,
                Transaction.invoice_code == request.invoice_code,
            )
            .with_for_update()
        )
        if txn is None:
            raise ApiError(err.TRANSACTION_NOT_FOUND)
        redeem = session.scalar(
            select(RedeemCode).where(RedeemCode.transaction_id == txn.id).with_for_update()
        )
        attended = bool(
            redeem
            and session.scalar(select(exists().where(Attendance.redeem_code_id == redeem.id)))
        )
        purchase.check_voidable(txn.status, redeem.status if redeem else None, attended)
        undo_purchase(
            session,
            txn,
            partner.client_code,
            now,
            invoice_code=txn.invoice_code,
            amount=txn.amount,
        )
