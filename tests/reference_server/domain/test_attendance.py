"""Online course verification rules, without a server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from contract.attendance import CourseType, RedeemStatus
from contract.errors import ApiError
from reference_server.domain import attendance as rules

SELF_PACED = rules.stages(rules.SELF_PACED, 1)
WEBINAR_4 = rules.stages(rules.WEBINAR, 4)


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(ApiError) as info:
        call()
    return info.value.error.code


def test_stages_of_each_course_kind() -> None:
    assert SELF_PACED == (1, 999)
    assert WEBINAR_4 == (1, 2, 3, 4, 999)
    assert rules.stages(rules.WEBINAR, 10)[-2:] == (10, 999)
    # A self-paced course has 1 and 999 whatever its session count says.
    assert rules.stages(rules.SELF_PACED, 3) == (1, 999)


@pytest.mark.parametrize(("method", "sessions"), [("webinar", 0), ("webinar", 11), ("offline", 1)])
def test_a_course_that_is_not_an_online_course_is_a_bug(method: str, sessions: int) -> None:
    with pytest.raises(ValueError):
        rules.stages(method, sessions)


@pytest.mark.parametrize(
    ("stages", "sequence", "legal"),
    [
        (SELF_PACED, 1, True),
        (SELF_PACED, 999, True),
        (SELF_PACED, 2, False),
        (WEBINAR_4, 4, True),
        (WEBINAR_4, 5, False),
        (WEBINAR_4, 998, False),
    ],
)
def test_legal_sequences(stages: tuple[int, ...], sequence: int, legal: bool) -> None:
    if legal:
        rules.check_legal(stages, sequence)
    else:
        assert _code(lambda: rules.check_legal(stages, sequence)) == "ERRRDM40002"


@pytest.mark.parametrize(
    ("stages", "sequence", "verified", "in_order"),
    [
        (SELF_PACED, 1, set(), True),
        (SELF_PACED, 999, set(), False),
        (SELF_PACED, 999, {1}, True),
        (WEBINAR_4, 2, {1}, True),
        (WEBINAR_4, 3, {1}, False),
        (WEBINAR_4, 999, {1, 2, 3}, False),
        (WEBINAR_4, 999, {1, 2, 3, 4}, True),
    ],
)
def test_order(stages: tuple[int, ...], sequence: int, verified: set[int], in_order: bool) -> None:
    if in_order:
        rules.check_order(stages, sequence, verified)
    else:
        assert _code(lambda: rules.check_order(stages, sequence, verified)) == "ERRRDM40003"


def test_a_link_is_issued_only_for_the_next_open_stage_of_a_live_code() -> None:
    rules.check_verifiable(WEBINAR_4, 2, {1}, voided=False)
    assert _code(lambda: rules.check_verifiable(WEBINAR_4, 1, set(), voided=True)) == "ERRRDM40008"
    assert _code(lambda: rules.check_verifiable(WEBINAR_4, 7, {1}, voided=False)) == "ERRRDM40002"
    assert _code(lambda: rules.check_verifiable(WEBINAR_4, 3, {1}, voided=False)) == "ERRRDM40003"
    assert _code(lambda: rules.check_verifiable(WEBINAR_4, 1, {1}, voided=False)) == "ERRRDM40009"


def test_code_status_follows_the_verified_stages_and_the_purchase() -> None:
    assert rules.code_status(set(), voided=False) is RedeemStatus.NOT_REDEEMED
    assert rules.code_status({1, 2}, voided=False) is RedeemStatus.REDEEMED
    assert rules.code_status({1, 999}, voided=False) is RedeemStatus.COMPLETED
    assert rules.code_status(set(), voided=True) is RedeemStatus.VOIDED


def test_course_type() -> None:
    assert rules.course_type(rules.SELF_PACED) is CourseType.SELF_PACED
    assert rules.course_type(rules.WEBINAR) is CourseType.WEBINAR
    assert rules.COURSE_TYPE_LABELS[CourseType.SELF_PACED] == "Pembelajaran Mandiri"


def test_one_email_per_code_and_per_course() -> None:
    assert rules.normalise_email(" Budi@Example.COM ") == "budi@example.com"
    rules.check_email(None, "a@b.co", taken_in_course=False)
    rules.check_email("a@b.co", "a@b.co", taken_in_course=False)
    rules.check_email("A@B.co", "a@b.co", taken_in_course=False)
    assert _code(lambda: rules.check_email(None, "a@b.co", taken_in_course=True)) == "ERRRDM40005"
    assert _code(lambda: rules.check_email("a@b.co", "c@d.co", taken_in_course=False)) == (
        "ERRRDM40006"
    )


@pytest.mark.parametrize(
    ("code", "case", "allowed"),
    [
        ("PRAT-ABC123", "TC1-001-200", True),
        ("PRAT-ABC123", "TC2-999-400", False),
        ("PRAT-ABC123", None, False),
        ("GHOPNYXUVMT0", "TC1-001-200", False),
        ("prat-abc123", "TC1-001-200", False),
    ],
)
def test_reset_only_for_positive_test_codes(code: str, case: str | None, allowed: bool) -> None:
    positive = {"TC1-001-200"}
    if allowed:
        rules.check_resettable(code, case, positive)
    else:
        assert _code(lambda: rules.check_resettable(code, case, positive)) == "ERRRDM40004"


def test_a_link_works_once_and_before_it_expires() -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    later = now + timedelta(minutes=15)
    assert rules.link_usable(later, None, now)
    assert not rules.link_usable(later, now, now)
    assert not rules.link_usable(now, None, now)


def test_iso_z_is_utc_to_the_second() -> None:
    wib = timezone(timedelta(hours=7))
    assert rules.iso_z(datetime(2023, 10, 24, 17, 54, 45, 123456, tzinfo=wib)) == (
        "2023-10-24T10:54:45Z"
    )


def test_stage_labels() -> None:
    assert rules.stage_label(1).startswith("Redeem")
    assert rules.stage_label(3) == "Kehadiran ke-3"
    assert rules.stage_label(999) == "Post-test"


def test_return_url_keeps_the_lps_own_query_and_fragment() -> None:
    params = {"redeem_code": "PRAT-X", "sequence": "1", "status": "success"}
    assert rules.return_url("https://lp.example/cb", params) == (
        "https://lp.example/cb?redeem_code=PRAT-X&sequence=1&status=success"
    )
    assert rules.return_url("https://lp.example/cb?course=a%20b&x=#top", params) == (
        "https://lp.example/cb?course=a+b&x=&redeem_code=PRAT-X&sequence=1&status=success#top"
    )
    # Our parameters win over stale ones of the same name.
    assert rules.return_url("https://lp.example/cb?status=old&k=v", params) == (
        "https://lp.example/cb?k=v&redeem_code=PRAT-X&sequence=1&status=success"
    )
