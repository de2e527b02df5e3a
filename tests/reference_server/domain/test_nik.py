"""NIK and KK structure: region of the official list, real date (+40 for women), serial."""

from __future__ import annotations

from datetime import date

import pytest

from reference_server.domain.nik import kk_valid, nik_problem, parse_nik, region_known

# 31.71.01: Gambir, Kota Jakarta Pusat (official list).
REGION = "317101"


def test_parses_a_man_and_a_woman() -> None:
    man = parse_nik(f"{REGION}1508950001")
    woman = parse_nik(f"{REGION}5508950002")
    assert man is not None and (man.day, man.month, man.year_2, man.sex) == (15, 8, 95, "M")
    assert woman is not None and (woman.day, woman.sex, woman.serial) == (15, "F", "0002")


@pytest.mark.parametrize(
    "nik",
    [
        f"{REGION}3208950001",  # day 32
        f"{REGION}7208950001",  # day 72 (woman's 32)
        f"{REGION}0008950001",  # day 0
        f"{REGION}1513950001",  # month 13
        f"{REGION}1508950000",  # serial 0000
        f"{REGION}150895000",  # 15 digits
        f"{REGION}15089500011",  # 17 digits
        f"{REGION}15O8950001",  # a letter
        "３１７１０１１５０８９５０００１",  # full-width digits are digits to str.isdigit()
    ],
)
def test_impossible_niks_do_not_parse(nik: str) -> None:
    assert parse_nik(nik) is None


def test_nik_must_agree_with_birth_date_and_sex() -> None:
    born = date(1995, 8, 15)
    assert nik_problem(f"{REGION}1508950001", born, "M") is None
    assert nik_problem(f"{REGION}5508950001", born, "F") is None
    assert nik_problem(f"{REGION}5508950001", born, "M") is not None  # +40 but declared M
    assert nik_problem(f"{REGION}1508950001", born, "F") is not None  # no +40 but declared F
    assert nik_problem(f"{REGION}1608950001", born, "M") is not None  # another day
    assert nik_problem(f"{REGION}1508960001", born, "M") is not None  # another year
    assert nik_problem(f"{REGION}1508950001", date(1895, 8, 15), "M") is None  # same YY


def test_nik_leap_day_only_in_a_leap_year() -> None:
    assert nik_problem(f"{REGION}2902000001", date(2000, 2, 29), "M") is None
    assert nik_problem(f"{REGION}3102000001", date(2000, 2, 29), "M") is not None


def test_nik_region_must_be_a_real_district() -> None:
    assert nik_problem("9999991508950001", date(1995, 8, 15), "M") is not None
    assert nik_problem("0000001508950001", date(1995, 8, 15), "M") is not None


def test_kk() -> None:
    assert kk_valid(f"{REGION}0101230004")
    assert not kk_valid("9999990101230004")  # no such region
    assert not kk_valid(f"{REGION}000000000")  # 15 digits
    assert not kk_valid(f"{REGION}0000000000")  # nothing after the region
    assert not kk_valid(f"{REGION}01012300a4")


def test_region_code_is_a_district() -> None:
    assert region_known("31.71.01")
    assert not region_known("31.71")
    assert not region_known("99.99.99")
