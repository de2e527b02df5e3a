"""Benefit schemes as data: the packaged file matches the programme facts; bad files are refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from reference_server.domain import schemes
from reference_server.domain.schemes import Scheme

GOOD: dict[str, Any] = {
    "x": {
        "years": [2030, None],
        "training_balance": 100,
        "incentive_amount": 10,
        "incentive_count": 2,
        "incentive_interval_days": 30,
        "survey_amount": 1,
        "survey_count": 1,
        "excludes_social_assistance": False,
        "purchase_deadline_days": 30,
    }
}


def with_field(field: str, value: object) -> str:
    data = copy.deepcopy(GOOD)
    data["x"][field] = value
    return json.dumps(data)


def test_packaged_schemes_are_semi_bansos_and_normal() -> None:
    assert set(schemes.load_schemes()) == {"semi_bansos", "normal"}


def test_semi_bansos_matches_programme_facts() -> None:
    s = schemes.scheme("semi_bansos")
    assert (s.first_year, s.last_year) == (2020, 2022)
    assert s.training_balance == 1_000_000
    assert (s.incentive_amount, s.incentive_count) == (600_000, 4)
    assert s.incentive_interval_days == 30  # monthly
    assert (s.survey_amount, s.survey_count) == (50_000, 3)
    assert s.excludes_social_assistance is True
    assert s.purchase_deadline_days == 30
    assert s.total_benefit == 3_550_000


def test_normal_matches_programme_facts() -> None:
    s = schemes.scheme("normal")
    assert (s.first_year, s.last_year) == (2023, None)
    assert s.training_balance == 3_500_000
    assert (s.incentive_amount, s.incentive_count) == (600_000, 1)
    assert (s.survey_amount, s.survey_count) == (50_000, 2)
    assert s.excludes_social_assistance is False
    assert s.purchase_deadline_days == 30
    assert s.total_benefit == 4_200_000


def test_money_is_int_never_float() -> None:
    for s in schemes.load_schemes().values():
        for field in ("training_balance", "incentive_amount", "survey_amount", "total_benefit"):
            assert type(getattr(s, field)) is int


@pytest.mark.parametrize(
    ("year", "name"),
    [(2020, "semi_bansos"), (2022, "semi_bansos"), (2023, "normal"), (2030, "normal")],
)
def test_exactly_one_scheme_applies_per_year(year: int, name: str) -> None:
    applying = [s.name for s in schemes.load_schemes().values() if s.applies_to(year)]
    assert applying == [name]


def test_no_scheme_before_the_programme() -> None:
    assert not any(s.applies_to(2019) for s in schemes.load_schemes().values())


def test_scheme_is_frozen_and_load_returns_a_copy() -> None:
    s = schemes.scheme("normal")
    with pytest.raises(AttributeError):
        s.training_balance = 1  # type: ignore[misc]
    schemes.load_schemes().clear()
    assert "normal" in schemes.load_schemes()


def test_unknown_scheme_name() -> None:
    with pytest.raises(KeyError, match="unknown scheme"):
        schemes.scheme("bansos")


def test_parse_good_text() -> None:
    parsed = schemes.parse_schemes(json.dumps(GOOD))
    assert parsed == {"x": Scheme("x", 2030, None, 100, 10, 2, 1, 1, False, 30, 30)}
    assert parsed["x"].total_benefit == 121


def test_malformed_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "schemes.json"
    path.write_text('{"normal": {"training_balance": 3500000,', encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        schemes.parse_schemes(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("training_balance", 3_500_000.0, "training_balance must be a positive"),
        ("training_balance", 0, "training_balance must be a positive"),
        ("incentive_amount", -600_000, "incentive_amount must be a positive"),
        ("survey_amount", "50000", "survey_amount must be a positive"),
        ("survey_amount", True, "survey_amount must be a positive"),
        ("incentive_count", 0, "incentive_count must be a whole number of at least 1"),
        ("survey_count", 1.5, "survey_count must be a whole number of at least 1"),
        ("purchase_deadline_days", 0, "purchase_deadline_days must be"),
        ("incentive_interval_days", 0, "incentive_interval_days must be"),
        ("excludes_social_assistance", "no", "excludes_social_assistance must be true or false"),
        ("years", [2023], "years must be"),
        ("years", [2023, 2020], "years must be"),
        ("years", ["2023", None], "years must be"),
    ],
)
def test_invalid_values_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"scheme 'x': {message}"):
        schemes.parse_schemes(with_field(field, value))


def test_missing_and_unknown_fields_are_refused() -> None:
    data = copy.deepcopy(GOOD)
    del data["x"]["survey_count"]
    with pytest.raises(ValueError, match="missing field.*survey_count"):
        schemes.parse_schemes(json.dumps(data))
    with pytest.raises(ValueError, match="unknown field.*bonus"):
        schemes.parse_schemes(with_field("bonus", 1))


@pytest.mark.parametrize("text", ["[]", "{}", '"normal"', '{"x": 3}'])
def test_wrong_shapes_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        schemes.parse_schemes(text)
