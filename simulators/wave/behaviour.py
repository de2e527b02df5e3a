"""What the people of a simulated wave choose to do, as data, decided per person from a seed.

A real wave loses people at every step: of wave 1's 5.97 million registrants, 4.43 million
verified their e-mail, 3.29 million their NIK, and 2.08 million joined the batch
(``reference/program-facts.md``); 99% of beneficiaries finish their first course, ~1.5–3% of
cards were revoked for no purchase in time. ``Rates`` holds the chance of each step; ``decide``
turns a seed and a NIK into one person's choices, so the same seed makes the same people make
the same choices whatever order the simulation reaches them in. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields


@dataclass(frozen=True, kw_only=True, slots=True)
class Rates:
    """The chance that a person who reached a step takes it (0..1)."""

    verifies_email: float = 0.92
    verifies_phone: float = 0.95
    submits_identity: float = 0.93
    joins_wave: float = 0.90
    buys_course: float = 0.96  # the rest lose their card at the 30-day deadline
    finishes_course: float = 0.99
    reviews_course: float = 0.97
    links_account: float = 0.95
    answers_survey: float = 0.90

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{field.name} must be between 0 and 1, not {value}")


@dataclass(frozen=True, slots=True)
class Choices:
    """One person's decisions at every step, and their picks among equal options."""

    verifies_email: bool
    verifies_phone: bool
    submits_identity: bool
    joins_wave: bool
    buys_course: bool
    finishes_course: bool
    reviews_course: bool
    links_account: bool
    answers_survey: bool
    rating: int  # 1..5 when they review (the programme's average was 4.9)
    pick: int  # a stable number for choosing a platform, a course, a partner


def _uniforms(seed: int, nik: str, count: int) -> list[float]:
    digest = b""
    block = 0
    while len(digest) < count * 8:
        digest += hashlib.sha256(f"wave-sim:{seed}:{nik}:{block}".encode()).digest()
        block += 1
    return [int.from_bytes(digest[i * 8 : i * 8 + 8], "big") / 2**64 for i in range(count)]


def decide(rates: Rates, seed: int, nik: str) -> Choices:
    """The choices of the person with this NIK in the simulation seeded ``seed``."""
    u = _uniforms(seed, nik, 12)
    rating_draw = u[10]
    rating = 5 if rating_draw < 0.9 else 4 if rating_draw < 0.98 else 3
    return Choices(
        verifies_email=u[0] < rates.verifies_email,
        verifies_phone=u[1] < rates.verifies_phone,
        submits_identity=u[2] < rates.submits_identity,
        joins_wave=u[3] < rates.joins_wave,
        buys_course=u[4] < rates.buys_course,
        finishes_course=u[5] < rates.finishes_course,
        reviews_course=u[6] < rates.reviews_course,
        links_account=u[7] < rates.links_account,
        answers_survey=u[8] < rates.answers_survey,
        rating=rating,
        pick=int(u[11] * 2**31),
    )


def lottery_seed(seed: int) -> str:
    """The wave's lottery seed for a simulation seeded ``seed`` (64 hex): same seed, same draw."""
    return hashlib.sha256(f"prakerja-simulate:{seed}".encode()).hexdigest()
