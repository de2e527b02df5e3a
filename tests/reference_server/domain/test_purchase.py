"""Purchase rules: the order of send-otp's checks, eligibility, voiding and codes, without a server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from contract import errors as err
from contract.errors import ApiError, ErrorCode
from reference_server.domain import purchase
from reference_server.domain.people import Education

NOW = datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
COURSE = purchase.CourseTerms("C-1", 500_000, 21, None, Education.D3)
SCHEDULE = purchase.ScheduleTerms("S-1", "C-1", NOW + timedelta(days=30), 10)
BUYER = purchase.Buyer(date(1990, 5, 1), Education.S1, "active", 3_500_000)


def refusal(
    *,
    course: purchase.CourseTerms | None = COURSE,
    schedule: purchase.ScheduleTerms | None = SCHEDULE,
    buyer: purchase.Buyer | None = BUYER,
    amount: int = 500_000,
    already_owned: bool = False,
) -> ErrorCode | None:
    """The error check_order gives for the default good order with some facts changed."""
    try:
        purchase.check_order(course, schedule, buyer, amount, already_owned, NOW)
    except ApiError as exc:
        return exc.error
    return None


def test_a_good_order_passes() -> None:
    assert refusal() is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"course": None}, err.COURSE_NOT_FOUND),
        ({"schedule": None}, err.SCHEDULE_NOT_FOUND),
        ({"schedule": replace(SCHEDULE, course_code="C-2")}, err.SCHEDULE_NOT_IN_COURSE),
        ({"schedule": replace(SCHEDULE, start_at=NOW)}, err.TRAINING_STARTED),
        ({"schedule": replace(SCHEDULE, quota=0)}, err.QUOTA_FULL),
        ({"buyer": None}, err.CARD_NOT_FOUND),
        ({"buyer": replace(BUYER, card_status="revoked")}, err.CARD_NOT_ACTIVE),
        ({"buyer": replace(BUYER, birth_date=date(2003, 5, 2))}, err.AGE_NOT_ELIGIBLE),
        ({"buyer": replace(BUYER, education=Education.SMA)}, err.EDUCATION_NOT_ELIGIBLE),
        ({"amount": 499_999}, err.AMOUNT_MISMATCH),
        ({"buyer": replace(BUYER, balance=499_999)}, err.BALANCE_INSUFFICIENT),
        ({"already_owned": True}, err.ALREADY_OWNED),
    ],
)
def test_each_rule_has_its_code(changes: dict[str, Any], expected: ErrorCode) -> None:
    assert refusal(**changes) is expected


def test_rules_apply_in_the_documented_order() -> None:
    everything_wrong: dict[str, Any] = {
        "schedule": replace(SCHEDULE, course_code="C-2", quota=0),
        "buyer": replace(BUYER, card_status="revoked", education=Education.SD, balance=0),
        "amount": 1,
        "already_owned": True,
    }
    assert refusal(**everything_wrong) is err.SCHEDULE_NOT_IN_COURSE
    assert refusal(**everything_wrong | {"schedule": replace(SCHEDULE, quota=0)}) is err.QUOTA_FULL
    assert refusal(**everything_wrong | {"schedule": SCHEDULE}) is err.CARD_NOT_ACTIVE
    assert refusal(amount=1, buyer=replace(BUYER, balance=0)) is err.AMOUNT_MISMATCH


def test_age_counts_completed_years_on_the_day_of_purchase() -> None:
    turns_21_today = replace(BUYER, birth_date=date(2003, 5, 1))
    turns_21_tomorrow = replace(BUYER, birth_date=date(2003, 5, 2))
    purchase.check_eligible(COURSE, turns_21_today, NOW.date())
    with pytest.raises(ApiError):
        purchase.check_eligible(COURSE, turns_21_tomorrow, NOW.date())


def test_max_age_applies_only_when_set() -> None:
    old = replace(BUYER, birth_date=date(1960, 1, 1))
    purchase.check_eligible(COURSE, old, NOW.date())
    with pytest.raises(ApiError) as caught:
        purchase.check_eligible(replace(COURSE, max_age=60), old, NOW.date())
    assert caught.value.error is err.AGE_NOT_ELIGIBLE
    purchase.check_eligible(replace(COURSE, max_age=64), old, NOW.date())


def test_minimum_education_is_inclusive() -> None:
    purchase.check_eligible(COURSE, replace(BUYER, education=Education.D3), NOW.date())


def test_a_schedule_can_be_bought_until_just_before_it_starts() -> None:
    purchase.check_not_started(NOW + timedelta(microseconds=1), NOW)
    with pytest.raises(ApiError) as caught:
        purchase.check_not_started(NOW, NOW)
    assert caught.value.error is err.TRAINING_STARTED


@pytest.mark.parametrize(("course", "schedule"), [("", "S"), ("C", ""), ("  ", "S"), ("C", "\t")])
def test_empty_or_blank_codes_are_refused(course: str, schedule: str) -> None:
    with pytest.raises(ApiError) as caught:
        purchase.require_codes(course, schedule)
    assert caught.value.error is err.COURSE_OR_SCHEDULE_EMPTY


def test_schedule_of_checks_existence_then_course() -> None:
    assert purchase.schedule_of("C-1", SCHEDULE) is SCHEDULE
    with pytest.raises(ApiError) as missing:
        purchase.schedule_of("C-1", None)
    with pytest.raises(ApiError) as other:
        purchase.schedule_of("C-2", SCHEDULE)
    assert (missing.value.error, other.value.error) == (
        err.SCHEDULE_NOT_FOUND,
        err.SCHEDULE_NOT_IN_COURSE,
    )


def test_debit_refusal_names_the_reason() -> None:
    assert purchase.debit_refusal("revoked") is err.CARD_NOT_ACTIVE
    assert purchase.debit_refusal("active") is err.BALANCE_INSUFFICIENT


@pytest.mark.parametrize(
    ("status", "redeem", "attended", "expected"),
    [
        ("SUCCESS", 0, False, None),
        ("SUCCESS", None, False, None),
        ("VOIDED", 3, False, err.ALREADY_VOIDED),
        ("SUCCESS", 1, False, err.VOID_NOT_ALLOWED),
        ("SUCCESS", 2, False, err.VOID_NOT_ALLOWED),
        ("SUCCESS", 0, True, err.VOID_NOT_ALLOWED),
    ],
)
def test_voidable(
    status: str, redeem: int | None, attended: bool, expected: ErrorCode | None
) -> None:
    try:
        purchase.check_voidable(status, redeem, attended)
    except ApiError as exc:
        assert exc.error is expected
    else:
        assert expected is None


def test_codes_have_the_portal_shape() -> None:
    transactions = {purchase.new_transaction_code() for _ in range(100)}
    redeems = {purchase.new_redeem_code() for _ in range(100)}
    assert len(transactions) == len(redeems) == 100
    assert all(len(c) == 16 and c.isalnum() and c == c.upper() for c in transactions)
    assert all(len(c) == 12 and c.isalnum() and c == c.upper() for c in redeems)
