"""The OTP of a purchase: made once, kept only as a hash, valid for a while, a few tries, used once.

Send-otp creates a *challenge* (the pending purchase): a random 6-digit OTP texted to the buyer
and a payment token handed to the DP. Authorize answers it. Rules, in the order they apply:

1. a used token is refused (ERRPLT40016): the OTP is single-use;
2. a locked token is refused (ERRPLT40014): too many wrong OTPs killed it;
3. an expired token is refused (ERRPLT40013);
4. a wrong OTP counts one attempt (ERRPLT40012), and the attempt that reaches the limit locks
   the token (ERRPLT40014).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from contract import errors as err
from contract.errors import ApiError, ErrorCode

OTP_DIGITS = 6
AUTH_SCHEME = "Payment"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class ChallengeStatus(StrEnum):
    """State of a send-otp's payment token."""

    PENDING = "pending"
    USED = "used"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class Challenge:
    """What the server keeps of one send-otp (never the OTP or the token in clear)."""

    status: str
    attempts: int
    expires_at: datetime
    otp_hash: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one OTP attempt: the counters to store, and the error if it failed."""

    attempts: int
    status: ChallengeStatus
    error: ErrorCode | None


def new_otp() -> str:
    """A uniformly random 6-digit OTP from the OS's secure generator."""
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def new_token() -> str:
    """A fresh payment token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 hex digest under which an OTP or token is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def expiry(now: datetime, ttl_seconds: int) -> datetime:
    """When a challenge made at ``now`` expires (whole seconds, as shown to the DP)."""
    return (now + timedelta(seconds=ttl_seconds)).replace(microsecond=0)


def token_from_header(authorization: str | None) -> str:
    """The token of an ``Authorization: Payment <token>`` header; ERRPLT40015 when malformed."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != AUTH_SCHEME.lower() or not _TOKEN.match(token):
        raise ApiError(err.PAYMENT_TOKEN_INVALID)
    return token


def ensure_usable(challenge: Challenge, now: datetime) -> None:
    """Refuse a token that is used, locked or expired, in that order."""
    if challenge.status == ChallengeStatus.USED:
        raise ApiError(err.PAYMENT_TOKEN_USED)
    if challenge.status == ChallengeStatus.LOCKED:
        raise ApiError(err.OTP_LOCKED)
    if now >= challenge.expires_at:
        raise ApiError(err.OTP_EXPIRED)


def attempt(challenge: Challenge, otp: str, max_attempts: int) -> Attempt:
    """Check ``otp``; a wrong one counts, and the one that reaches ``max_attempts`` locks."""
    # Compare digests in constant time so response timing says nothing about the OTP.
    if hmac.compare_digest(digest(otp), challenge.otp_hash):
        return Attempt(challenge.attempts, ChallengeStatus.PENDING, None)
    attempts = challenge.attempts + 1
    if attempts >= max_attempts:
        return Attempt(attempts, ChallengeStatus.LOCKED, err.OTP_LOCKED)
    return Attempt(attempts, ChallengeStatus.PENDING, err.OTP_WRONG)
