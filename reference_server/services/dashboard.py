"""The beneficiary dashboard: card and balance, purchases, certificates, incentive schedule.

Read-only. The card is found through the applicant's NIK (``beneficiaries.nik`` → ``cards``),
which is how the draw issues it; purchases are the card's transactions; a course counts as
completed once its redeem code's post-test (sequence 999) is verified. The incentive schedule is
the scheme's, step by step; payments arrive with the payment-partner issue, so every step waits.
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
from reference_server.domain.schemes import Scheme
from reference_server.runtime import Runtime
from reference_server.services.payments import iso_utc
from reference_server.services.registration import AccountRef
from reference_server.storage.tables import (
    Applicant,
    Attendance,
    Beneficiary,
    Card,
    Course,
    RedeemCode,
    Transaction,
    Wave,
    utcnow,
)

INCENTIVE_CONDITION = (
    "Menyelesaikan pelatihan pertama, memberi ulasan dan penilaian, dan menautkan rekening "
    "atau e-wallet yang terverifikasi dengan NIK yang sama."
)
SURVEY_CONDITION = "Mengisi survei evaluasi setelah insentif pelatihan diterima."


def incentive_schedule(scheme: Scheme) -> list[IncentiveView]:
    """The scheme's incentive and survey payments, each waiting for its condition."""
    steps = [
        IncentiveView(
            kind="incentive",
            step=n,
            amount=scheme.incentive_amount,
            status="waiting",
            condition=INCENTIVE_CONDITION,
        )
        for n in range(1, scheme.incentive_count + 1)
    ]
    steps += [
        IncentiveView(
            kind="survey",
            step=n,
            amount=scheme.survey_amount,
            status="waiting",
            condition=SURVEY_CONDITION,
        )
        for n in range(1, scheme.survey_count + 1)
    ]
    return steps


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
    rows = session.execute(
        select(Transaction, Course.course_code)
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
        )
        for tx, course_code in rows
    ]


def _certificates(session: Session, card: Card) -> list[CertificateView]:
    rows = session.execute(
        select(Course.course_code, Attendance.verified_at)
        .join(RedeemCode, RedeemCode.course_id == Course.id)
        .join(Transaction, Transaction.id == RedeemCode.transaction_id)
        .join(Attendance, Attendance.redeem_code_id == RedeemCode.id)
        .where(Transaction.card_id == card.id, Attendance.sequence == POST_TEST_SEQUENCE)
        .order_by(Attendance.verified_at)
    ).all()
    return [CertificateView(course_code=code, completed_at=iso_utc(at)) for code, at in rows]


def dashboard(runtime: Runtime, account: AccountRef) -> DashboardData:
    """What the applicant sees once selected (and, before that, the stage and the schedule)."""
    with runtime.reads() as session:
        applicant = session.execute(
            select(Applicant).where(Applicant.account_id == account.id)
        ).scalar_one()
        card = None
        if applicant.nik is not None and applicant.stage in (Stage.BENEFICIARY, Stage.REVOKED):
            card = session.scalar(
                select(Card)
                .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
                .where(Beneficiary.nik == applicant.nik)
                .order_by(Card.created_at.desc())
                .limit(1)
            )
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
            incentives=incentive_schedule(scheme),
        )
