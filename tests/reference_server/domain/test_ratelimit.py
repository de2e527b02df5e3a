"""Fixed-window arithmetic and bucket keys."""

from __future__ import annotations

from reference_server.domain.ratelimit import (
    Limit,
    bucket,
    over_limit,
    retry_after,
    window_start,
)


def test_window_start_and_retry_after() -> None:
    assert window_start(120.0, 60) == 120
    assert window_start(179.9, 60) == 120
    assert retry_after(120.0, 60) == 60
    assert retry_after(150.2, 60) == 30  # 29.8 s left, rounded up
    assert retry_after(179.99, 60) == 1  # never 0: "retry now" would be a lie


def test_over_limit_counts_this_request() -> None:
    assert not over_limit(5, 5)
    assert over_limit(6, 5)


def test_bucket_hides_the_subject_and_fits_the_column() -> None:
    key = bucket(Limit.PHONE, "081234567890")
    assert key.startswith("phone:") and "081234567890" not in key
    assert len(key) <= 120
    assert key == bucket(Limit.PHONE, "081234567890")
    assert key != bucket(Limit.PHONE, "081234567891")
    assert bucket(Limit.ACCOUNT, "x") != bucket(Limit.OTP_VERIFY, "x")
