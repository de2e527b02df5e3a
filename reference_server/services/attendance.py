"""Online course verification: redeem-code status, commit, reset, verification links and the page.

Every function works inside the caller's unit of work and raises catalogued ``ApiError``s; a
code of another LP's course is looked up as if it did not exist. Writers lock the redeem code's
row first so that concurrent calls on one code take turns on PostgreSQL as they do on SQLite.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import errors as err
from contract.attendance import (
    POST_TEST_SEQUENCE,
    REDEEM_SEQUENCE,
    AttendanceStatus,
    CourseType,
    RedeemStatus,
    RedeemStatusData,
    UrlGenerateData,
    UrlGenerateRequest,
)
from contract.errors import ApiError
from contract.payments import PaymentStatus
from reference_server import audit, fixtures, partners
from reference_server.domain import attendance as rules
from reference_server.runtime import PartnerIdentity
from reference_server.storage.tables import (
    Assignment,
    Attendance,
    Beneficiary,
    Card,
    Course,
    Partner,
    RedeemCode,
    Schedule,
    Transaction,
    VerificationLink,
)

PARTICIPANT = "participant"  # the audit actor of what happens on the verification page
SUCCESS, FAILED = "success", "failed"
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what secrets.token_urlsafe makes, and fits the column


@dataclass(frozen=True)
class OwnedCode:
    """A redeem code with its course and the purchase behind it."""

    code: RedeemCode
    course: Course
    purchase: Transaction

    @property
    def stages(self) -> tuple[int, ...]:
        """The course's sequences, in order."""
        return rules.stages(self.course.method, self.course.sessions)

    @property
    def voided(self) -> bool:
        """True when the purchase was cancelled."""
        return (
            self.purchase.status == PaymentStatus.VOIDED or self.code.status == RedeemStatus.VOIDED
        )


def find_code(session: Session, lp_id: int, code: str, *, lock: bool = False) -> OwnedCode:
    """The LP's redeem code; another LP's code is not found (ERRRDM40001)."""
    query = (
        select(RedeemCode, Course, Transaction)
        .join(Course, Course.id == RedeemCode.course_id)
        .join(Transaction, Transaction.id == RedeemCode.transaction_id)
        .where(RedeemCode.code == code, Course.lp_id == lp_id)
    )
    if lock:
        query = query.with_for_update(of=RedeemCode)
    row = session.execute(query).one_or_none()
    if row is None:
        raise ApiError(err.REDEEM_NOT_FOUND)
    return OwnedCode(*row)


def verified_stages(session: Session, redeem_code_id: int) -> dict[int, datetime]:
    """When each verified sequence of a code was verified."""
    rows = session.execute(
        select(Attendance.sequence, Attendance.verified_at).where(
            Attendance.redeem_code_id == redeem_code_id
        )
    )
    return dict(rows.tuples().all())


def status_data(session: Session, owned: OwnedCode, sequence: int) -> RedeemStatusData:
    """The ``data`` of redeem-code status (and of commit and reset) for one sequence."""
    rules.check_legal(owned.stages, sequence)
    verified = verified_stages(session, owned.code.id)
    schedule = session.get_one(Schedule, owned.purchase.schedule_id)
    dp = session.get_one(Partner, owned.purchase.dp_id)
    kind = rules.course_type(owned.course.method)
    redeemed_at = verified.get(REDEEM_SEQUENCE)
    return RedeemStatusData(
        redeem_code=owned.code.code,
        course_code=owned.course.course_code,
        invoice_code=owned.purchase.invoice_code,
        schedule_code=schedule.schedule_code,
        status=rules.code_status(verified, voided=owned.voided),
        attendance_status=(
            AttendanceStatus.VERIFIED if sequence in verified else AttendanceStatus.NOT_VERIFIED
        ),
        redeem_at=rules.iso_z(redeemed_at) if redeemed_at else None,
        dp_platform=dp.name,
        schedule_start_end=f"{rules.iso_z(schedule.start_at)} - {rules.iso_z(schedule.end_at)}",
        course_type=kind,
        course_type_label=rules.COURSE_TYPE_LABELS[kind],
        course_learning_method=rules.LEARNING_METHOD,
        is_online_attendance=kind is CourseType.WEBINAR,
        sequence=sequence,
    )


def redeem_status(
    session: Session, lp: PartnerIdentity, code: str, sequence: int
) -> RedeemStatusData:
    """Read one sequence of a code; records nothing."""
    return status_data(session, find_code(session, lp.id, code), sequence)


def _record_verified(code: RedeemCode, sequence: int, now: datetime) -> None:
    """Keep the code's stored status in step with its verified stages."""
    if sequence == REDEEM_SEQUENCE:
        code.redeemed_at = now
        if code.status == RedeemStatus.NOT_REDEEMED:
            code.status = RedeemStatus.REDEEMED
    elif sequence == POST_TEST_SEQUENCE:
        code.status = RedeemStatus.COMPLETED


def commit(session: Session, lp: PartnerIdentity, code: str, now: datetime) -> RedeemStatusData:
    """Legacy redeem: verify sequence 1 directly; a second commit changes nothing."""
    owned = find_code(session, lp.id, code, lock=True)
    if owned.voided:
        raise ApiError(err.REDEEM_VOIDED)
    if REDEEM_SEQUENCE not in verified_stages(session, owned.code.id):
        session.add(
            Attendance(
                redeem_code_id=owned.code.id,
                sequence=REDEEM_SEQUENCE,
                via="commit",
                verified_at=now,
            )
        )
        _record_verified(owned.code, REDEEM_SEQUENCE, now)
        audit.record(session, "redeem_code", code, "committed", lp.client_code)
    return status_data(session, owned, REDEEM_SEQUENCE)


def reset(session: Session, lp: PartnerIdentity, code: str, now: datetime) -> RedeemStatusData:
    """Put a positive PRAT- test code back in its starting state."""
    owned = find_code(session, lp.id, code, lock=True)
    rules.check_resettable(owned.code.code, owned.code.test_case, fixtures.POSITIVE_CASES)
    case = fixtures.test_case_of(owned.code.test_case or "")
    if case is None:  # check_resettable admitted only catalogued cases
        raise ApiError(err.RESET_NOT_ALLOWED)
    session.execute(
        delete(VerificationLink).where(VerificationLink.redeem_code_id == owned.code.id)
    )
    session.execute(delete(Assignment).where(Assignment.redeem_code_id == owned.code.id))
    fixtures.apply_test_case(session, owned.code, case, now)
    audit.record(session, "redeem_code", code, "reset", lp.client_code, test_case=case.case)
    return status_data(session, owned, REDEEM_SEQUENCE)


def _bind_email(session: Session, owned: OwnedCode, email: str, actor: str) -> None:
    """Check the email against the code and its course, and bind it on first use."""
    taken = owned.code.email is None and (
        session.scalar(
            select(RedeemCode.id).where(
                RedeemCode.course_id == owned.course.id,
                RedeemCode.email == email,
                RedeemCode.id != owned.code.id,
            )
        )
        is not None
    )
    rules.check_email(owned.code.email, email, taken_in_course=taken)
    if owned.code.email is None:
        owned.code.email = email
        try:
            session.flush()
        except IntegrityError:
            # Two codes of one course bound to one email at the same moment: the unique
            # constraint (course_id, email) lets only one win.
            raise ApiError(err.EMAIL_USED) from None
        audit.record(session, "redeem_code", owned.code.code, "email_bound", actor)


def generate_url(
    session: Session,
    lp: PartnerIdentity,
    ask: UrlGenerateRequest,
    *,
    base_url: str,
    ttl_seconds: int,
    now: datetime,
) -> UrlGenerateData:
    """Issue a verification link for one stage of a code."""
    owned = find_code(session, lp.id, ask.redeem_code, lock=True)
    if ask.redirect_uri not in partners.registered_uris(session, lp.id):
        raise ApiError(err.REDIRECT_URI_NOT_REGISTERED)
    verified = verified_stages(session, owned.code.id)
    rules.check_verifiable(owned.stages, ask.sequence, verified, voided=owned.voided)
    email = rules.normalise_email(ask.email)
    _bind_email(session, owned, email, lp.client_code)
    expires_at = now + timedelta(seconds=ttl_seconds)
    token = secrets.token_urlsafe(24)
    session.add(
        VerificationLink(
            token=token,
            redeem_code_id=owned.code.id,
            lp_id=lp.id,
            sequence=ask.sequence,
            redirect_uri=ask.redirect_uri,
            email=email,
            expires_at=expires_at,
        )
    )
    audit.record(
        session,
        "redeem_code",
        owned.code.code,
        "link_issued",
        lp.client_code,
        sequence=ask.sequence,
    )
    return UrlGenerateData(
        url=f"{base_url.rstrip('/')}/verifikasi/{token}", expired_at=rules.iso_z(expires_at)
    )


@dataclass(frozen=True)
class LinkView:
    """What the verification page shows."""

    participant: str
    course: str
    stage: str
    provider: str


def _usable_link(session: Session, token: str, now: datetime, *, lock: bool) -> VerificationLink:
    if not TOKEN.fullmatch(token):  # never send the database what it cannot hold (NUL, …)
        raise ApiError(err.VERIFICATION_EXPIRED)
    query = select(VerificationLink).where(VerificationLink.token == token)
    if lock:  # a second click on the same link waits, then finds it used
        query = query.with_for_update().execution_options(populate_existing=True)
    link = session.scalar(query)
    if link is None or not rules.link_usable(link.expires_at, link.used_at, now):
        raise ApiError(err.VERIFICATION_EXPIRED)
    return link


def open_link(session: Session, token: str, now: datetime) -> LinkView:
    """The page of a usable link (ERRRDM40010 otherwise)."""
    link = _usable_link(session, token, now, lock=False)
    person, course, provider = session.execute(
        select(Beneficiary.name, Course.title, Partner.name)
        .select_from(RedeemCode)
        .join(Course, Course.id == RedeemCode.course_id)
        .join(Transaction, Transaction.id == RedeemCode.transaction_id)
        .join(Card, Card.id == Transaction.card_id)
        .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
        .join(Partner, Partner.id == Course.lp_id)
        .where(RedeemCode.id == link.redeem_code_id)
    ).one()
    return LinkView(person, course, rules.stage_label(link.sequence), provider)


def _approve(session: Session, code: RedeemCode, link: VerificationLink, now: datetime) -> bool:
    """Verify the link's stage; False when the code no longer allows it."""
    owned = OwnedCode(
        code,
        session.get_one(Course, code.course_id),
        session.get_one(Transaction, code.transaction_id),
    )
    verified = verified_stages(session, code.id)
    try:
        if owned.voided:
            raise ApiError(err.REDEEM_VOIDED)
        rules.check_order(owned.stages, link.sequence, verified)
    except ApiError as refused:  # voided or reset since the link was issued
        audit.record(
            session,
            "redeem_code",
            code.code,
            "verification_refused",
            PARTICIPANT,
            sequence=link.sequence,
            reason=refused.error.code,
        )
        return False
    if link.sequence in verified:  # verified through another link meanwhile: done all the same
        return True
    try:
        with session.begin_nested():
            session.add(
                Attendance(
                    redeem_code_id=code.id, sequence=link.sequence, via="page", verified_at=now
                )
            )
    except IntegrityError:
        return True  # the unique (code, sequence) says another request verified it first
    _record_verified(code, link.sequence, now)
    audit.record(
        session,
        "redeem_code",
        code.code,
        "attendance_verified",
        PARTICIPANT,
        sequence=link.sequence,
    )
    return True


def decide(session: Session, token: str, *, approve: bool, now: datetime) -> str:
    """Record the participant's answer on a link; returns where to send the browser back to."""
    link = _usable_link(session, token, now, lock=False)
    # Lock the code before the link: every writer of a code takes its row first (reset deletes
    # links), so two writers never wait on each other in opposite orders.
    code = session.get_one(RedeemCode, link.redeem_code_id, with_for_update=True)
    link = _usable_link(session, token, now, lock=True)
    outcome = SUCCESS if approve and _approve(session, code, link, now) else FAILED
    link.used_at, link.outcome = now, outcome
    if not approve:
        audit.record(
            session, "verification_link", link.id, "rejected", PARTICIPANT, sequence=link.sequence
        )
    return rules.return_url(
        link.redirect_uri,
        {"redeem_code": code.code, "sequence": str(link.sequence), "status": outcome},
    )
