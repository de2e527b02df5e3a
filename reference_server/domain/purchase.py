"""Buying a course with Kartu Prakerja: who may buy which schedule, for how much, and voiding it.

An order is checked in a fixed order, so a DP sees the same error for the same mistake every time
(course, seller, suspension, schedule, start, seats, card, age, education, price, balance,
ownership). A curated course is sold only by the DP that submitted it; the shared fixtures by any. The facts
come in as plain values; a refusal goes out as ``ApiError`` with its catalogued code.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import date, datetime

from contract import errors as err
from contract.attendance import RedeemStatus
from contract.errors import ApiError, ErrorCode
from contract.payments import PaymentStatus
from reference_server.domain.people import age_on

ACTIVE_CARD = "active"
TRANSACTION_CODE_LENGTH = 16
REDEEM_CODE_LENGTH = 12
# Letters and digits only: a purchase's redeem code can never look like a PRAT- test code.
CODE_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True, slots=True)
class CourseTerms:
    """What a course asks of its buyers."""

    course_code: str
    price: int
    min_age: int
    max_age: int | None
    min_education: int
    seller_dp_id: int | None = None  # None: any DP may sell it (the shared fixtures)
    suspended: bool = False  # failed a monitoring assessment: no new sales


@dataclass(frozen=True, slots=True)
class ScheduleTerms:
    """One schedule of a course, with the seats still free."""

    schedule_code: str
    course_code: str
    start_at: datetime
    quota: int


@dataclass(frozen=True, slots=True)
class Buyer:
    """The card holder, as far as the purchase rules care."""

    birth_date: date
    education: int
    card_status: str
    balance: int


def require_codes(course_code: str, schedule_code: str) -> None:
    """Both codes must be filled in (whitespace is empty): ERRPLT40036."""
    if not course_code.strip() or not schedule_code.strip():
        raise ApiError(err.COURSE_OR_SCHEDULE_EMPTY)


def schedule_of(course_code: str, schedule: ScheduleTerms | None) -> ScheduleTerms:
    """The schedule, when it exists (ERRPLT40001) and belongs to the course (ERRPLT40002)."""
    if schedule is None:
        raise ApiError(err.SCHEDULE_NOT_FOUND)
    if schedule.course_code != course_code:
        raise ApiError(err.SCHEDULE_NOT_IN_COURSE)
    return schedule


def check_not_started(start_at: datetime, now: datetime) -> None:
    """A schedule can be bought only before it starts: ERRPLT40003."""
    if now >= start_at:
        raise ApiError(err.TRAINING_STARTED)


def check_eligible(course: CourseTerms, buyer: Buyer, today: date) -> None:
    """Age on the day of purchase (ERRPLT40005), then education (ERRPLT40006)."""
    age = age_on(buyer.birth_date, today)
    if age < course.min_age or (course.max_age is not None and age > course.max_age):
        raise ApiError(err.AGE_NOT_ELIGIBLE)
    if buyer.education < course.min_education:
        raise ApiError(err.EDUCATION_NOT_ELIGIBLE)


def check_on_sale(course: CourseTerms, dp_id: int | None) -> None:
    """Sold by this DP (ERRCAT40008) and not suspended (ERRCAT40007)."""
    if course.seller_dp_id is not None and course.seller_dp_id != dp_id:
        raise ApiError(err.COURSE_OTHER_DP)
    if course.suspended:
        raise ApiError(err.COURSE_SUSPENDED)


def check_order(
    course: CourseTerms | None,
    schedule: ScheduleTerms | None,
    buyer: Buyer | None,
    amount: int,
    already_owned: bool,
    now: datetime,
    dp_id: int | None = None,
) -> None:
    """Every rule of send-otp, in the documented order; ``None`` means not found."""
    if course is None:
        raise ApiError(err.COURSE_NOT_FOUND)
    check_on_sale(course, dp_id)
    found = schedule_of(course.course_code, schedule)
    check_not_started(found.start_at, now)
    if found.quota <= 0:
        raise ApiError(err.QUOTA_FULL)
    if buyer is None:
        raise ApiError(err.CARD_NOT_FOUND)
    if buyer.card_status != ACTIVE_CARD:
        raise ApiError(err.CARD_NOT_ACTIVE)
    check_eligible(course, buyer, now.date())
    if amount != course.price:
        raise ApiError(err.AMOUNT_MISMATCH)
    if buyer.balance < amount:
        raise ApiError(err.BALANCE_INSUFFICIENT)
    if already_owned:
        raise ApiError(err.ALREADY_OWNED)


def debit_refusal(card_status: str) -> ErrorCode:
    """Why a card could not be debited: not active (ERRPLT40008) or short of money (ERRPLT40009)."""
    return err.CARD_NOT_ACTIVE if card_status != ACTIVE_CARD else err.BALANCE_INSUFFICIENT


def check_voidable(status: str, redeem_status: int | None, attended: bool) -> None:
    """A purchase can be voided once (ERRPLT40028), and only before it is redeemed (ERRPLT40020)."""
    if status == PaymentStatus.VOIDED:
        raise ApiError(err.ALREADY_VOIDED)
    redeemed = redeem_status is not None and redeem_status != RedeemStatus.NOT_REDEEMED
    if redeemed or attended:
        raise ApiError(err.VOID_NOT_ALLOWED)


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_transaction_code() -> str:
    """Prakerja's id of a purchase: 16 upper-case letters and digits, like QHBST9GB5OSS888I."""
    return _random_code(TRANSACTION_CODE_LENGTH)


def new_redeem_code() -> str:
    """The code the buyer takes to the LP: 12 upper-case letters and digits, like GHOPNYXUVMT0."""
    return _random_code(REDEEM_CODE_LENGTH)
