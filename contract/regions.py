"""The official region code list: provinces, regencies/cities and districts (kecamatan).

A NIK starts with the six digits of the district where it was issued (``PP RR DD``), and an
applicant's ``region_code`` is a district code ``PP.RR.DD``; both are checked against this list.
The list ships as ``contract/data/regions.csv`` (38 provinces, 514 regencies and cities, 7,277
districts: Kepmendagri 100.1.1-6117/2022 with the 2022 Papua provinces, from the idn-area-data
package; see ``contract/data/README.md`` for source and licence). It is read once, on first use,
and every lookup after that is a dictionary hit: the server validates every identity submission
with it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class District:
    """One district of the official list, with the names of its regency and province."""

    code: str  # "PP.RR.DD"
    province: str
    regency: str
    district: str

    @property
    def province_code(self) -> str:
        """``PP``"""
        return self.code[:2]

    @property
    def regency_code(self) -> str:
        """``PP.RR``"""
        return self.code[:5]

    @property
    def nik_prefix(self) -> str:
        """The six digits a NIK issued in this district starts with (``PPRRDD``)."""
        return self.code.replace(".", "")


@dataclass(frozen=True)
class _Index:
    districts: tuple[District, ...]
    by_code: dict[str, District]
    by_nik_prefix: dict[str, District]
    provinces: dict[str, str]  # "PP" -> name
    regencies: dict[str, str]  # "PP.RR" -> name


@cache
def _index() -> _Index:
    text = resources.files("contract").joinpath("data/regions.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    rows = tuple(
        District(row["code"], row["province"], row["regency"], row["district"]) for row in reader
    )
    return _Index(
        districts=rows,
        by_code={d.code: d for d in rows},
        by_nik_prefix={d.nik_prefix: d for d in rows},
        provinces={d.province_code: d.province for d in rows},
        regencies={d.regency_code: d.regency for d in rows},
    )


def districts() -> tuple[District, ...]:
    """Every district of the list, sorted by code."""
    return _index().districts


def district(code: str) -> District | None:
    """The district with code ``PP.RR.DD``, or None."""
    return _index().by_code.get(code)


def is_district(code: str) -> bool:
    """Whether ``code`` (``PP.RR.DD``) is a district of the official list."""
    return code in _index().by_code


def district_of_nik_prefix(six_digits: str) -> District | None:
    """The district a NIK's first six digits (``PPRRDD``) name, or None."""
    return _index().by_nik_prefix.get(six_digits[:6]) if len(six_digits) >= 6 else None


def is_nik_region(six_digits: str) -> bool:
    """Whether the first six digits of a NIK (or exactly six digits) name a listed district."""
    return len(six_digits) >= 6 and six_digits[:6] in _index().by_nik_prefix


def province_of(code: str) -> str | None:
    """The province code ``PP`` of a district code ``PP.RR.DD`` or of a NIK (its first six
    digits); None when the code names no listed district."""
    index = _index()
    found = index.by_code.get(code) or index.by_nik_prefix.get(code[:6])
    return found.province_code if found else None


def provinces() -> dict[str, str]:
    """Province code ``PP`` to name, in code order."""
    return dict(_index().provinces)


def province_name(province_code: str) -> str | None:
    """The name of province ``PP``, or None."""
    return _index().provinces.get(province_code)


def regency_name(regency_code: str) -> str | None:
    """The name of regency or city ``PP.RR``, or None."""
    return _index().regencies.get(regency_code)


def is_regency(code: str) -> bool:
    """Whether ``code`` (``PP.RR``) is a regency or city of the official list."""
    return code in _index().regencies
