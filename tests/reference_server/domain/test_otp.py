"""OTP rules: generation, hashing, expiry, attempt limit and single use, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contract import errors as err
from contract.errors import ApiError
from reference_server.domain import otp

NOW = datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)


def challenge(
    *, status: str = "pending", attempts: int = 0, expires_in: int = 300, secret: str = "123456"
) -> otp.Challenge:
    return otp.Challenge(status, attempts, NOW + timedelta(seconds=expires_in), otp.digest(secret))


def test_new_otp_is_six_digits_and_varies() -> None:
    codes = {otp.new_otp() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 150  # 200 draws from a million: repeats are rare


def test_new_token_is_long_and_url_safe() -> None:
    token = otp.new_token()
    assert len(token) >= 43
    assert otp.token_from_header(f"Payment {token}") == token


def test_digest_is_sha256_hex() -> None:
    assert (
        otp.digest("123456") == "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92"
    )


def test_expiry_is_ttl_later_in_whole_seconds() -> None:
    assert otp.expiry(NOW.replace(microsecond=999_999), 300) == NOW + timedelta(seconds=300)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Payment",
        "Payment ",
        "Bearer abcdefghijklmnopqrstuvwxyz",
        "Payment short",
        "Payment a b c d",
    ],
)
def test_malformed_authorization_is_an_invalid_token(header: str | None) -> None:
    with pytest.raises(ApiError) as caught:
        otp.token_from_header(header)
    assert caught.value.error is err.PAYMENT_TOKEN_INVALID


def test_scheme_is_case_insensitive() -> None:
    assert (
        otp.token_from_header("payment abcdefghijklmnopqrstuvwxyz") == "abcdefghijklmnopqrstuvwxyz"
    )


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (challenge(status="used"), err.PAYMENT_TOKEN_USED),
        (challenge(status="locked"), err.OTP_LOCKED),
        (challenge(expires_in=0), err.OTP_EXPIRED),
        (challenge(expires_in=-1), err.OTP_EXPIRED),
        # used beats locked and expired: the DP learns the purchase went through
        (challenge(status="used", expires_in=-1), err.PAYMENT_TOKEN_USED),
        (challenge(status="locked", expires_in=-1), err.OTP_LOCKED),
    ],
)
def test_unusable_tokens_are_refused_in_order(
    state: otp.Challenge, expected: err.ErrorCode
) -> None:
    with pytest.raises(ApiError) as caught:
        otp.ensure_usable(state, NOW)
    assert caught.value.error is expected


def test_a_pending_token_before_expiry_is_usable() -> None:
    otp.ensure_usable(challenge(expires_in=1), NOW)


def test_right_otp_passes_without_counting() -> None:
    outcome = otp.attempt(challenge(attempts=2), "123456", max_attempts=3)
    assert outcome == otp.Attempt(2, otp.ChallengeStatus.PENDING, None)


def test_wrong_otps_count_and_the_last_allowed_one_locks() -> None:
    state = challenge()
    errors = []
    for _ in range(3):
        outcome = otp.attempt(state, "654321", max_attempts=3)
        errors.append(outcome.error)
        state = otp.Challenge(outcome.status, outcome.attempts, state.expires_at, state.otp_hash)
    assert errors == [err.OTP_WRONG, err.OTP_WRONG, err.OTP_LOCKED]
    assert (state.status, state.attempts) == (otp.ChallengeStatus.LOCKED, 3)
    with pytest.raises(ApiError) as caught:
        otp.ensure_usable(state, NOW)
    assert caught.value.error is err.OTP_LOCKED


def test_one_attempt_allowed_locks_at_once() -> None:
    assert otp.attempt(challenge(), "000000", max_attempts=1).error is err.OTP_LOCKED
