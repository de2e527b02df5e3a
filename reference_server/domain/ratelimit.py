"""Fixed-window rate limits as arithmetic: which window a moment falls in, when it ends, and
the bucket key a subject is counted under (personal data hashed, never stored in clear)."""

from __future__ import annotations

import hashlib
import math
from enum import StrEnum


class Limit(StrEnum):
    """What is counted, per what."""

    PHONE = "phone"  # sign-ups and OTP sends to one phone
    ACCOUNT = "account"  # authenticated requests of one account
    ADDRESS = "address"  # sign-ups and logins from one client address
    OTP_VERIFY = "otp"  # OTP verification attempts of one account
    LOGIN = "login"  # login attempts on one e-mail (failed passwords)


def window_start(now: float, window_seconds: int) -> int:
    """The Unix second the fixed window holding ``now`` began."""
    return int(now // window_seconds) * window_seconds


def retry_after(now: float, window_seconds: int) -> int:
    """Whole seconds until the window holding ``now`` ends (at least 1), for Retry-After."""
    end = window_start(now, window_seconds) + window_seconds
    return max(1, math.ceil(end - now))


def over_limit(hits: int, limit: int) -> bool:
    """True once the window's count (this request included) passes the limit."""
    return hits > limit


def bucket(kind: Limit, subject: str) -> str:
    """The key a subject is counted under: ``kind:`` + a SHA-256 prefix of the subject, so a
    phone, e-mail or address never sits in the table in clear (120 characters at most)."""
    digest = hashlib.sha256(f"{kind.value}\x00{subject}".encode()).hexdigest()[:40]
    return f"{kind.value}:{digest}"
