"""Verifiable wave lottery: who among a wave's eligible joiners is selected.

A wave has a quota. Before the wave closes the operator draws a secret seed and publishes its
commitment (the SHA-256 of the seed); after it closes the seed is revealed, and anyone holding the
seed and the list of joiners (NIKs) can recompute the winners and check the commitment.

Each joiner gets a draw key HMAC-SHA256(seed, NIK); the winners are the ``quota`` joiners with the
smallest keys (ties, which need a hash collision, are broken by NIK so the order is total). The
seed is committed before the wave closes and revealed only afterwards, so the operator cannot pick a
seed to suit the final joiner list and no joiner can predict its key. Joiners not selected roll
into the next wave.

Memory: the heap holds ``quota`` entries; rejecting duplicate NIKs needs a set of the NIKs seen.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence

_SEED = re.compile(r"[0-9a-f]{64}")


def new_seed() -> str:
    """A fresh secret seed: 32 random bytes as 64 lowercase hex characters."""
    return secrets.token_hex(32)


def _check_seed(seed: str) -> bytes:
    if not isinstance(seed, str) or not _SEED.fullmatch(seed.lower()):
        raise ValueError("seed must be 64 hexadecimal characters (32 bytes)")
    return bytes.fromhex(seed)


def commitment(seed: str) -> str:
    """The public commitment to a seed: SHA-256 hex of the seed's lowercase hex text."""
    _check_seed(seed)
    return hashlib.sha256(seed.lower().encode("ascii")).hexdigest()


def check_reveal(seed: str, commitment_hex: str) -> bool:
    """Whether a revealed seed matches the commitment published earlier (constant-time)."""
    try:
        expected = commitment(seed)
    except ValueError:
        return False
    return hmac.compare_digest(expected, commitment_hex.lower())


def draw_key(seed: str, nik: str) -> bytes:
    """A joiner's draw key: HMAC-SHA256 keyed by the seed bytes over the NIK in UTF-8."""
    return hmac.new(_check_seed(seed), nik.encode("utf-8"), hashlib.sha256).digest()


def draw(seed: str, joiners: Iterable[str], quota: int) -> list[str]:
    """The ``quota`` joiners with the smallest draw keys, in draw-key order (all if fewer)."""
    if quota < 0:
        raise ValueError("quota must not be negative")
    key = _check_seed(seed)
    seen: set[str] = set()

    def keyed() -> Iterable[tuple[bytes, str]]:
        for nik in joiners:
            if nik in seen:
                raise ValueError(f"duplicate joiner NIK: {nik}")
            seen.add(nik)
            yield hmac.new(key, nik.encode("utf-8"), hashlib.sha256).digest(), nik

    if quota == 0:
        for _ in keyed():  # nobody wins, but a duplicate is still refused
            pass
        return []
    return [nik for _, nik in heapq.nsmallest(quota, keyed())]


def verify(seed: str, joiners: Iterable[str], winners: Sequence[str], quota: int) -> bool:
    """Whether ``winners`` are exactly the draw's winners.

    Compared as sets, with the count checked too (so a repeated NIK cannot pad the list); the
    order of ``winners`` is not checked, because a published list may be sorted for reading.
    """
    expected = draw(seed, joiners, quota)
    return len(winners) == len(expected) and set(winners) == set(expected)
