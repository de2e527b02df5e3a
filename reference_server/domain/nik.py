"""The structure of a NIK and a family-card (KK) number, checked before anything is stored.

A NIK is 16 digits: the district (kecamatan) where it was issued (6: province, regency,
district), the birth date as DDMMYY with 40 added to the day for women, and a serial (4) that
tells apart people of one district born on one day. A KK number starts with the same kind of
region prefix. These checks catch typos and invented numbers at the door; whether the person
exists is Dukcapil's answer, later, in the verification pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contract.regions import is_district, is_nik_region

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40


@dataclass(frozen=True, slots=True)
class NikParts:
    """What a NIK encodes."""

    region: str  # 6 digits
    day: int  # 1..31, the offset for women removed
    month: int
    year_2: int  # the last two digits of the birth year
    sex: str  # M | F
    serial: str  # 4 digits


def parse_nik(nik: str) -> NikParts | None:
    """The parts of a 16-digit NIK, or None when its day, month or serial cannot be real."""
    if len(nik) != NIK_LENGTH or not nik.isascii() or not nik.isdigit():
        return None
    raw_day, month, year_2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex, day = ("F", raw_day - FEMALE_DAY_OFFSET) if raw_day > FEMALE_DAY_OFFSET else ("M", raw_day)
    serial = nik[12:]
    if not 1 <= day <= 31 or not 1 <= month <= 12 or serial == "0000":
        return None
    return NikParts(nik[:6], day, month, year_2, sex, serial)


def nik_problem(nik: str, birth_date: date, sex: str) -> str | None:
    """Why ``nik`` cannot be this person's (for the error detail), or None when it can.

    The date part must be a real date that equals the declared birth date (which settles the
    century), the day carries +40 exactly when the declared sex is F, and the region prefix must
    be a district of the official list.
    """
    parts = parse_nik(nik)
    if parts is None:
        return "the NIK's date or serial is impossible"
    if not is_nik_region(parts.region):
        return "the NIK's region prefix is not a district of the official list"
    if (parts.day, parts.month, parts.year_2) != (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    ):
        return "the NIK's date does not match birth_date"
    if parts.sex != sex:
        return "the NIK's day (+40 for women) does not match sex"
    return None


def kk_valid(kk: str) -> bool:
    """A family-card number: 16 digits whose first six are a district of the official list."""
    return (
        len(kk) == NIK_LENGTH
        and kk.isascii()
        and kk.isdigit()
        and is_nik_region(kk[:6])
        and kk[6:] != "0" * 10
    )


def region_known(region_code: str) -> bool:
    """A district code ``PP.RR.DD`` of the official list."""
    return is_district(region_code)
