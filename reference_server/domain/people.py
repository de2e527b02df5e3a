"""Facts about a person the rules need: age and education level."""

from __future__ import annotations

from datetime import date
from enum import IntEnum


class Education(IntEnum):
    """Highest completed education, ordered so that a requirement is a minimum."""

    SD = 1  # primary school
    SMP = 2  # junior secondary
    SMA = 3  # senior secondary / vocational (SMA/SMK)
    D3 = 4  # diploma
    S1 = 5  # bachelor
    S2 = 6  # master
    S3 = 7  # doctorate


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def mask_phone(phone: str) -> str:
    """Phone number with the middle hidden: 0812****7890."""
    if len(phone) <= 8:
        return "*" * len(phone)
    return f"{phone[:4]}{'*' * (len(phone) - 8)}{phone[-4:]}"
