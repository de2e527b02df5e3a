"""The beneficiary dashboard: card and balance, purchases, certificates, incentive schedule.

Read-only. The card is found through the applicant's NIK (``beneficiaries.nik`` → ``cards``),
which is how the draw issues it; purchases are the card's transactions; a course counts as
completed once its redeem code's post-test (sequence 999) is verified; a purchase says whether it
is finished and reviewed, a certificate what the LP reported (scores, certificate). The incentive
schedule is the card's (``services/incentive_view.py``): what is owed, due, paid, and what waits.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.attendance import POST_TEST_SEQUENCE
from contract.registration import (
    CardView,
    CertificateView,
    DashboardData,
    IncentiveView,
    PurchaseView,
    Stage,
)
from reference_server.domain import eligibility, schemes
from reference_server.domain import incentives as rules
from reference_server.domain.schemes import Scheme
from reference_server.runtime import Runtime
from reference_server.services.incentive_view import schedule
from reference_server.services.payments import iso_utc
from reference_server.services.registration import AccountRef
from reference_server.storage.tables import (
    Applicant,
    Attendance,
    Beneficiary,
    Card,
    Course,
    RedeemCode,
    Review,
    TrainingResult,
    Transaction,
    Wave,
    utcnow,
)


def incentive_schedule(session: Session, card: Card | None, scheme: Scheme) -> list[IncentiveView]:
    """The scheme's incentive and survey payments: the card's as owed and paid, else waiting."""
    if card is None:
        counts: list[tuple[rules.Kind, int]] = [
            (rules.INCENTIVE, scheme.incentive_count),
            (rules.SURVEY, scheme.survey_count),
        ]
        return [
            IncentiveView(
                kind=kind,
                step=n,
                amount=scheme.incentive_amount if kind == "incentive" else scheme.survey_amount,
                status="waiting",
                condition=rules.condition_text(kind, n, scheme),
            )
            for kind, count in counts
            for n in range(1, count + 1)
        ]
    return [
        IncentiveView(
            kind=step.kind,
            step=step.step,
            amount=step.amount,
            status=step.status.value,
            condition=step.condition,
            due_at=step.due_at,
            paid_at=step.paid_at,
        )
        for step in schedule(session, card, scheme)
    ]


def _scheme(card: Card | None, applicant: Applicant) -> Scheme:
    known = schemes.load_schemes()
    for name in (card.scheme if card else None, applicant.scheme):
        if name in known:
            return known[name]
    return eligibility.scheme_for(None, None, known, eligibility.programme_day(utcnow()).year)


def _card_view(card: Card, scheme: Scheme) -> CardView:
    deadline = card.purchase_deadline or card.created_at + timedelta(
        days=scheme.purchase_deadline_days
    )
    return CardView(
        card_number=card.card_number,
        status=card.status,
        scheme=card.scheme,
        balance=card.balance,
        selected_at=iso_utc(card.created_at),
        purchase_deadline=iso_utc(deadline),
    )


def _purchases(session: Session, card: Card) -> list[PurchaseView]:
    finished = (
        select(Attendance.id)
        .join(RedeemCode, RedeemCode.id == Attendance.redeem_code_id)
        .where(
            RedeemCode.transaction_id == Transaction.id,
            Attendance.sequence == POST_TEST_SEQUENCE,
        )
        .exists()
    )
    reviewed = select(Review.id).where(Review.transaction_id == Transaction.id).exists()
    rows = session.execute(
        select(Transaction, Course.course_code, finished, reviewed)
        .join(Course, Course.id == Transaction.course_id)
        .where(Transaction.card_id == card.id)
        .order_by(Transaction.created_at.desc(), Transaction.id.desc())
    ).all()
    return [
        PurchaseView(
            transaction_code=tx.transaction_code,
            course_code=course_code,
            amount=tx.amount,
            status=tx.status,
            created_at=iso_utc(tx.created_at),
            finished=bool(done),
            reviewed=bool(rated),
        )
        for tx, course_code, done, rated in rows
    ]


def _certificates(session: Session, card: Card) -> list[CertificateView]:
    rows = session.execute(
        select(
            Course.course_code, Attendance.verified_at, Transaction.transaction_code, TrainingResult
        )
        .join(RedeemCode, RedeemCode.course_id == Course.id)
        .join(Transaction, Transaction.id == RedeemCode.transaction_id)
        .join(Attendance, Attendance.redeem_code_id == RedeemCode.id)
        .outerjoin(TrainingResult, TrainingResult.redeem_code_id == RedeemCode.id)
        .where(Transaction.card_id == card.id, Attendance.sequence == POST_TEST_SEQUENCE)
        .order_by(Attendance.verified_at)
    ).all()
    return [
        CertificateView(
            course_code=code,
            completed_at=iso_utc(at),
            transaction_code=transaction_code,
            pre_test=result.pre_test if result else None,
            post_test=result.post_test if result else None,
            certificate_number=result.certificate_number if result else None,
            certificate_url=result.certificate_url if result else None,
        )
        for code, at, transaction_code, result in rows
    ]


def holder_card(session: Session, applicant: Applicant) -> Card | None:
    """The card of a selected (or since revoked) applicant, found through the NIK."""
    if applicant.nik is None or applicant.stage not in (Stage.BENEFICIARY, Stage.REVOKED):
        return None
    return session.scalar(
        select(Card)
        .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
        .where(Beneficiary.nik == applicant.nik)
        .order_by(Card.created_at.desc())
        .limit(1)
    )


def dashboard(runtime: Runtime, account: AccountRef) -> DashboardData:
    """What the applicant sees once selected (and, before that, the stage and the schedule)."""
    with runtime.reads() as session:
        applicant = session.execute(
            select(Applicant).where(Applicant.account_id == account.id)
        ).scalar_one()
        card = holder_card(session, applicant)
        wave_code = (
            session.scalar(select(Wave.wave_code).where(Wave.id == applicant.wave_id))
            if applicant.wave_id is not None
            else None
        )
        scheme = _scheme(card, applicant)
        return DashboardData(
            stage=Stage(applicant.stage),
            wave_code=wave_code,
            card=_card_view(card, scheme) if card else None,
            purchases=_purchases(session, card) if card else [],
            certificates=_certificates(session, card) if card else [],
            incentives=incentive_schedule(session, card, scheme),
        )
