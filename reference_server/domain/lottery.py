"""Verifiable wave lottery: who among a wave's eligible joiners is selected.

Commit-reveal. Before a wave closes the operator draws a secret seed (32 random bytes) and
publishes its commitment, the SHA-256 of the seed; after the wave closes the seed is revealed.
The operator cannot choose a seed to suit the final joiner list (the commitment came first) and no
joiner can predict a key before the reveal. Anyone holding the seed and the joiner list (NIKs)
can recompute the winners and check the seed against the commitment.

The draw key of a joiner is ``SHA-256(seed_bytes || NIK_utf8)``; the winners are the ``quota``
joiners with the smallest keys, in key order. Plain prefix-keyed SHA-256 is sound here although
it is not a MAC: the seed has a fixed length (exactly 32 bytes), so ``seed || NIK`` parses
uniquely and no two joiners share an input; length extension is no threat because nobody needs
to forge a key, only to recompute it; and the construction is what PostgreSQL's built-in
``sha256(bytea)`` computes, so the database can draw without shipping every NIK to Python. Two
keys tie only on a SHA-256 collision; ties are broken by NIK so the order is total anyway.

Speed and memory. Each key is one SHA-256 over 48 bytes from a hash object pre-fed with the seed
(``copy()``), and selection keeps no heap over all joiners: when the number of joiners is known,
a threshold is chosen so that, for uniform keys, comfortably more than ``quota`` keys fall below
it (``quota`` plus eight standard deviations); the survivors are sorted. If fewer than ``quota``
survive (a wrong count, or eight-sigma bad luck) the pass is redone with a larger threshold, so
the result is exact and deterministic whatever happens. Whenever the survivors exceed about twice
the quota they are pruned to the quota smallest and the threshold drops to the largest of them,
so memory stays ``O(quota)`` even with no count at all.

Duplicates. NIKs are unique per wave by the database's ``(wave_id, nik)`` constraint, so the draw
does not keep a set of every NIK (that would be ``O(joiners)`` memory). It refuses a duplicate
among the survivors at or below the cut, which is exactly where a duplicate could change the
winners: a repeated NIK above the cut leaves the result identical to the de-duplicated list.
File-based verification (``prakerja lottery verify``) checks the whole list for duplicates with
bounded memory.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Iterable, Sequence

_SEED = re.compile(r"[0-9a-f]{64}")
KEY_SPACE = 1 << 256
ACCEPT_ALL = b"\xff" * 32  # every SHA-256 digest is <= this
SIGMAS = 8  # survivors' margin over the quota, in standard deviations of the binomial count


def new_seed() -> str:
    """A fresh secret seed: 32 random bytes as 64 lowercase hex characters."""
    return secrets.token_hex(32)


def _check_seed(seed: str) -> bytes:
    if not isinstance(seed, str) or not _SEED.fullmatch(seed.lower()):
        raise ValueError("seed must be 64 hexadecimal characters (32 bytes)")
    return bytes.fromhex(seed)


def seed_bytes(seed: str) -> bytes:
    """The 32 bytes a seed's hex text stands for (ValueError unless 64 hex characters)."""
    return _check_seed(seed)


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
    """A joiner's draw key: SHA-256 over the 32 seed bytes followed by the NIK in UTF-8."""
    return hashlib.sha256(_check_seed(seed) + nik.encode("utf-8")).digest()


def threshold(count: int, quota: int) -> bytes:
    """The key bound below which, for ``count`` uniform keys, comfortably over ``quota`` fall.

    Expected survivors ``quota + SIGMAS * sqrt(quota) + 64``; at least that fraction of the key
    space. All keys when that is everyone.
    """
    if count <= 0 or quota <= 0:
        return ACCEPT_ALL
    wanted = quota + SIGMAS * math.isqrt(quota) + 64
    if wanted >= count:
        return ACCEPT_ALL
    bound = KEY_SPACE * wanted // count
    return bound.to_bytes(32, "big")


def widen(limit: bytes) -> bytes:
    """A bound covering four times the key space of ``limit`` (all keys at most)."""
    bound = (int.from_bytes(limit, "big") + 1) * 4
    return ACCEPT_ALL if bound >= KEY_SPACE else bound.to_bytes(32, "big")


def _prune(survivors: list[tuple[bytes, str]], quota: int) -> bytes:
    """Keep the ``quota`` smallest (and any key-equal to the last); return the new exact bound."""
    survivors.sort()
    cut = survivors[quota - 1][0]
    end = quota
    while end < len(survivors) and survivors[end][0] == cut:
        end += 1
    del survivors[end:]
    return cut


def survivors(
    seed: str, joiners: Iterable[str], quota: int, limit: bytes = ACCEPT_ALL
) -> tuple[list[tuple[bytes, str]], bytes]:
    """One pass: ``(key, nik)`` of the joiners with key <= ``limit``, pruned as it goes.

    Returns the survivors (unsorted) and the bound in force at the end. Every joiner that could
    be among the ``quota`` smallest and has key <= ``limit`` is kept.
    """
    base = hashlib.sha256(_check_seed(seed))
    copy = base.copy
    kept: list[tuple[bytes, str]] = []
    append = kept.append
    cap = 2 * quota + 1024
    room = cap
    for nik in joiners:
        h = copy()
        h.update(nik.encode())
        digest = h.digest()
        if digest <= limit:
            append((digest, nik))
            room -= 1
            if not room:
                limit = _prune(kept, quota)
                room = cap - len(kept)
    return kept, limit


def draw(seed: str, joiners: Iterable[str], quota: int, *, count: int | None = None) -> list[str]:
    """The ``quota`` joiners with the smallest draw keys, in draw-key order (all if fewer).

    ``count`` (the number of joiners; taken from ``len`` when ``joiners`` has one) lets a
    threshold skip sorting most joiners. With a threshold, ``joiners`` must be iterable more
    than once: a pass that leaves fewer than ``quota`` survivors is redone with a wider bound.
    A duplicate NIK that could change the winners raises ValueError (see the module docstring).
    """
    if quota < 0:
        raise ValueError("quota must not be negative")
    _check_seed(seed)
    if quota == 0:
        return []
    if count is None and isinstance(joiners, Sequence):
        count = len(joiners)
    limit = ACCEPT_ALL if count is None else threshold(count, quota)
    if limit != ACCEPT_ALL and iter(joiners) is joiners:
        raise ValueError("a counted draw needs joiners it can read again (not an iterator)")
    while True:
        kept, _ = survivors(seed, joiners, quota, limit)
        if len(kept) >= quota or limit == ACCEPT_ALL:
            break
        limit = widen(limit)  # fewer than quota below the bound: read again, wider
    return ranked(kept, quota)


def ranked(kept: list[tuple[bytes, str]], quota: int) -> list[str]:
    """The first ``quota`` of the survivors in (key, NIK) order; a duplicate at the cut refused."""
    kept.sort()
    for i in range(1, min(len(kept), quota + 1)):
        if kept[i][1] == kept[i - 1][1]:
            raise ValueError(f"duplicate joiner NIK: {kept[i][1]}")
    return [nik for _, nik in kept[:quota]]


def verify(seed: str, joiners: Iterable[str], winners: Sequence[str], quota: int) -> bool:
    """Whether ``winners`` are exactly the draw's winners.

    Compared as sets, with the count checked too (so a repeated NIK cannot pad the list); the
    order of ``winners`` is not checked, because a published list may be sorted for reading.
    """
    expected = draw(seed, joiners, quota)
    return len(winners) == len(expected) and set(winners) == set(expected)
