"""Online course verification rules: which stages a course has, their order, and a code's status.

A course is verified stage by stage. Stage 1 is the redeem (first attendance), stages 2..n are
the further webinar sessions, and 999 is the post-test. A self-paced course has only 1 and 999.
Each stage needs every earlier stage verified. One participant email per course.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from contract import errors as err
from contract.attendance import (
    MAX_WEBINAR_SESSIONS,
    POST_TEST_SEQUENCE,
    REDEEM_SEQUENCE,
    TEST_CODE_PREFIX,
    CourseType,
    RedeemStatus,
)
from contract.errors import ApiError

SELF_PACED = "self_paced"
WEBINAR = "webinar"
LEARNING_METHOD = "online"  # every course of this surface is taken online
COURSE_TYPE_LABELS = {CourseType.SELF_PACED: "Pembelajaran Mandiri", CourseType.WEBINAR: "Webinar"}


def stages(method: str, sessions: int) -> tuple[int, ...]:
    """The sequences of a course, in the order they must be verified."""
    if method == SELF_PACED:
        return (REDEEM_SEQUENCE, POST_TEST_SEQUENCE)
    if method == WEBINAR and 1 <= sessions <= MAX_WEBINAR_SESSIONS:
        return (*range(1, sessions + 1), POST_TEST_SEQUENCE)
    raise ValueError(f"not an online course: method={method!r} sessions={sessions}")


def course_type(method: str) -> CourseType:
    """The ``course_type`` partners see for a course's method."""
    return CourseType.WEBINAR if method == WEBINAR else CourseType.SELF_PACED


def check_legal(course_stages: tuple[int, ...], sequence: int) -> None:
    """The sequence is one of the course's stages (ERRRDM40002)."""
    if sequence not in course_stages:
        raise ApiError(err.SEQUENCE_INVALID)


def check_order(course_stages: tuple[int, ...], sequence: int, verified: Collection[int]) -> None:
    """Every stage before ``sequence`` is verified (ERRRDM40003)."""
    earlier = course_stages[: course_stages.index(sequence)]
    if any(stage not in verified for stage in earlier):
        raise ApiError(err.SEQUENCE_ORDER)


def check_verifiable(
    course_stages: tuple[int, ...], sequence: int, verified: Collection[int], *, voided: bool
) -> None:
    """A verification link may be issued for this stage now."""
    if voided:
        raise ApiError(err.REDEEM_VOIDED)
    check_legal(course_stages, sequence)
    check_order(course_stages, sequence, verified)
    if sequence in verified:
        raise ApiError(err.ALREADY_VERIFIED)


def code_status(verified: Collection[int], *, voided: bool) -> RedeemStatus:
    """A redeem code's status, derived from its verified stages and its purchase."""
    if voided:
        return RedeemStatus.VOIDED
    if POST_TEST_SEQUENCE in verified:
        return RedeemStatus.COMPLETED
    if REDEEM_SEQUENCE in verified:
        return RedeemStatus.REDEEMED
    return RedeemStatus.NOT_REDEEMED


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively, so they are kept lower-cased."""
    return email.strip().lower()


def check_email(bound: str | None, email: str, *, taken_in_course: bool) -> None:
    """The (normalised) email may be used with this code: its own, or one new to the course."""
    if bound is not None:
        if normalise_email(bound) != email:
            raise ApiError(err.EMAIL_MISMATCH)
    elif taken_in_course:
        raise ApiError(err.EMAIL_USED)


def check_resettable(code: str, test_case: str | None, positive_cases: Collection[str]) -> None:
    """Only PRAT- codes of positive test cases may be reset (ERRRDM40004)."""
    if not code.startswith(TEST_CODE_PREFIX) or test_case not in positive_cases:
        raise ApiError(err.RESET_NOT_ALLOWED)


def link_usable(expires_at: datetime, used_at: datetime | None, now: datetime) -> bool:
    """A verification link works once, before it expires."""
    return used_at is None and now < expires_at


def stage_label(sequence: int) -> str:
    """How the verification page names a stage."""
    if sequence == REDEEM_SEQUENCE:
        return "Redeem (kehadiran ke-1)"
    if sequence == POST_TEST_SEQUENCE:
        return "Post-test"
    return f"Kehadiran ke-{sequence}"


def iso_z(moment: datetime) -> str:
    """ISO-8601 UTC to the second, as the portal shows it: 2023-10-24T10:54:45Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def return_url(redirect_uri: str, params: Mapping[str, str]) -> str:
    """``redirect_uri`` with ``params`` in its query; its own other parameters are kept."""
    parts = urlsplit(redirect_uri)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*kept, *params.items()])))
