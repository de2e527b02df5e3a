"""Reviews: a beneficiary rates (1-5) and reviews a purchase once, after finishing it; and the
incentive condition built on it.

``first_training_reviewed(session, card_id)`` is the condition "first training finished, rated
and reviewed" that the incentive work (P4) checks: the card's *first* training is its earliest
live (not voided) purchase; it is finished when its post-test (sequence 999) is verified, and
reviewed when that purchase has a review. Keep its name and signature: the payments work imports
it.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import errors as err
from contract.attendance import POST_TEST_SEQUENCE
from contract.catalogue import ReviewData, ReviewRequest
from contract.errors import ApiError
from contract.payments import PaymentStatus
from reference_server import audit
from reference_server.domain import reviews as rules
from reference_server.runtime import Runtime
from reference_server.services.dashboard import holder_card
from reference_server.services.payments import iso_utc
from reference_server.services.registration import ACTOR, AccountRef
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Applicant,
    Attendance,
    Course,
    RedeemCode,
    Review,
    Transaction,
    utcnow,
)


def finished(session: Session, transaction_id: int) -> bool:
    """Whether the post-test of this purchase's redeem code is verified."""
    return bool(
        session.scalar(
            select(
                exists()
                .where(Attendance.redeem_code_id == RedeemCode.id)
                .where(
                    RedeemCode.transaction_id == transaction_id,
                    Attendance.sequence == POST_TEST_SEQUENCE,
                )
            )
        )
    )


def first_training_reviewed(session: Session, card_id: int) -> bool:
    """The card's first live purchase is finished (post-test verified), rated and reviewed."""
    first = session.scalar(
        select(Transaction.id)
        .where(Transaction.card_id == card_id, Transaction.status == PaymentStatus.SUCCESS)
        .order_by(Transaction.created_at, Transaction.id)
        .limit(1)
    )
    if first is None or not finished(session, first):
        return False
    return bool(session.scalar(select(exists().where(Review.transaction_id == first))))


def submit_review(runtime: Runtime, account: AccountRef, body: ReviewRequest) -> ReviewData:
    """Rate and review one finished purchase of the applicant's card, once."""
    now = utcnow()
    with transaction(runtime.sessions) as session:
        applicant = session.scalars(
            select(Applicant).where(Applicant.account_id == account.id)
        ).one()
        card = holder_card(session, applicant)
        purchase = (
            session.scalar(
                select(Transaction).where(
                    Transaction.transaction_code == body.transaction_code,
                    Transaction.card_id == card.id,
                )
            )
            if card is not None
            else None
        )
        reviewed = purchase is not None and bool(
            session.scalar(select(exists().where(Review.transaction_id == purchase.id)))
        )
        rules.check_reviewable(
            purchase.status if purchase else None,
            purchase is not None and finished(session, purchase.id),
            reviewed,
        )
        assert purchase is not None  # check_reviewable refused a missing purchase
        review = Review(
            transaction_id=purchase.id,
            card_id=purchase.card_id,
            course_id=purchase.course_id,
            rating=body.rating,
            review=body.review,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(review)
        except IntegrityError:  # the same purchase reviewed by a concurrent request
            raise ApiError(err.ALREADY_REVIEWED) from None
        audit.record(
            session,
            "transaction",
            purchase.transaction_code,
            "reviewed",
            ACTOR,
            account=account.account_id,
            rating=body.rating,
        )
        course_code = session.scalars(
            select(Course.course_code).where(Course.id == purchase.course_id)
        ).one()
        return ReviewData(
            transaction_code=purchase.transaction_code,
            course_code=course_code,
            rating=review.rating,
            review=review.review,
            created_at=iso_utc(now),
        )
