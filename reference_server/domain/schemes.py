"""Prakerja benefit schemes as data: what a beneficiary receives under each year's rules.

The rules changed over the programme's life, so they live in ``schemes.json`` rather than in code.
A scheme fixes the training balance, the post-training incentive (amount paid per month, how
many months and how many days apart), the survey payments (amount and how many), whether recipients of other social
assistance are excluded, and how many days a new beneficiary has to buy the first training before
the card is revoked and the balance returns to the state.

- ``semi_bansos`` (2020-2022, the pandemic "semi social assistance" period): Rp1,000,000 training,
  Rp600,000 x 4 months incentive, Rp50,000 x 3 surveys, other social-assistance recipients excluded.
- ``normal`` (2023 onwards): Rp3,500,000 training, Rp600,000 once, Rp50,000 x 2 surveys, the
  social-assistance (DTKS) exclusion dropped.

All money is integer rupiah; a float, a zero or a negative amount in the file is refused on load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_AMOUNTS = ("training_balance", "incentive_amount", "survey_amount")
_COUNTS = ("incentive_count", "incentive_interval_days", "survey_count", "purchase_deadline_days")
_FIELDS = {"years", "excludes_social_assistance", *_AMOUNTS, *_COUNTS}


@dataclass(frozen=True)
class Scheme:
    """One year-range's benefit rules; money in integer rupiah."""

    name: str
    first_year: int
    last_year: int | None  # None: still in force
    training_balance: int
    incentive_amount: int
    incentive_count: int
    survey_amount: int
    survey_count: int
    excludes_social_assistance: bool
    purchase_deadline_days: int
    incentive_interval_days: int  # between two monthly incentive payments

    @property
    def total_benefit(self) -> int:
        """Everything a beneficiary can receive: training balance, all incentives, all surveys."""
        return (
            self.training_balance
            + self.incentive_amount * self.incentive_count
            + self.survey_amount * self.survey_count
        )

    def applies_to(self, year: int) -> bool:
        """Whether this scheme was in force in ``year``."""
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_one(name: str, raw: Any) -> Scheme:
    where = f"scheme {name!r}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be an object")
    missing = sorted(_FIELDS - raw.keys())
    unknown = sorted(raw.keys() - _FIELDS)
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for field in _AMOUNTS:
        if not _is_int(raw[field]) or raw[field] <= 0:
            raise ValueError(f"{where}: {field} must be a positive whole number of rupiah")
    for field in _COUNTS:
        if not _is_int(raw[field]) or raw[field] < 1:
            raise ValueError(f"{where}: {field} must be a whole number of at least 1")
    if not isinstance(raw["excludes_social_assistance"], bool):
        raise ValueError(f"{where}: excludes_social_assistance must be true or false")
    years = raw["years"]
    if (
        not isinstance(years, list)
        or len(years) != 2
        or not _is_int(years[0])
        or not (years[1] is None or (_is_int(years[1]) and years[1] >= years[0]))
    ):
        raise ValueError(
            f"{where}: years must be [first, last] with last >= first, or [first, null]"
        )
    return Scheme(
        name=name,
        first_year=years[0],
        last_year=years[1],
        excludes_social_assistance=raw["excludes_social_assistance"],
        **{field: raw[field] for field in (*_AMOUNTS, *_COUNTS)},
    )


def parse_schemes(text: str) -> dict[str, Scheme]:
    """Schemes from JSON text, validated; ValueError says what is wrong."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"schemes file is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict) or not raw:
        raise ValueError("schemes file must be a non-empty object of name -> scheme")
    return {name: _parse_one(name, body) for name, body in raw.items()}


@cache
def _packaged() -> dict[str, Scheme]:
    text = resources.files("reference_server.domain").joinpath("schemes.json").read_text("utf-8")
    return parse_schemes(text)


def load_schemes() -> dict[str, Scheme]:
    """The packaged schemes from ``schemes.json`` (a fresh dict; the file is read once)."""
    return dict(_packaged())


def scheme(name: str) -> Scheme:
    """The packaged scheme called ``name``; KeyError if there is none."""
    try:
        return _packaged()[name]
    except KeyError:
        raise KeyError(
            f"unknown scheme {name!r}; known: {', '.join(sorted(_packaged()))}"
        ) from None
