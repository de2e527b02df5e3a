"""Lookup tables the generator draws from, built once per process (dates: once per as-of day).

Speed comes from drawing many values at once: ``rng.randbytes`` gives 16-bit random numbers in
bulk, each picks an entry of a 65,536-entry table in which every value appears in proportion to
its weight, and numpy gathers the entries. The entries are pieces of the final CSV line, commas
included, held as fixed-width byte strings (``Pieces``: NUL-padded, numpy's ``S`` dtype), so a
chunk's rows are assembled by numpy and no per-person work happens in Python.

Vocabularies come from Faker's ``id_ID`` providers (first and last names by sex, street names,
city names, e-mail domains), read once as plain tuples; regions from ``contract.regions``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from faker.providers.address.id_ID import Provider as AddressProvider
from faker.providers.internet import Provider as InternetProvider
from faker.providers.person.id_ID import Provider as PersonProvider

from contract import regions
from contract.population import Case
from simulators.population import demographics as demo

T = TypeVar("T")
Pieces = npt.NDArray[np.bytes_]  # CSV pieces, NUL-padded to the longest (dropped on output)
Indices = npt.NDArray[np.int64]
TABLE_SIZE = 1 << 16
FEMALE, MALE = 0, 1
SEXES = (FEMALE, MALE)


def weighted(items: Sequence[T], weights: Sequence[float], size: int = TABLE_SIZE) -> list[T]:
    """``size`` entries, each item repeated in proportion to its weight.

    Cumulative rounding: any run of neighbouring items gets its exact share to within one entry,
    so many rare items (the days of the over-60s) keep their combined share.
    """
    total = float(sum(weights))
    table: list[T] = []
    cumulative = 0.0
    for item, weight in zip(items, weights, strict=True):
        cumulative += weight
        table.extend([item] * (round(cumulative / total * size) - len(table)))
    return table


def pieces(strings: Sequence[str]) -> Pieces:
    """Strings as a fixed-width byte-string array of their UTF-8 encodings."""
    return np.array([s.encode("utf-8") for s in strings], dtype=np.bytes_)


def gather(table: Sequence[T], indices: Sequence[int]) -> list[T]:
    """``[table[i] for i in indices]``, in C."""
    if len(indices) > 1:
        return list(itemgetter(*indices)(table))
    return [table[i] for i in indices]


def random_indices(rng: random.Random, n: int, tables: Sequence[int]) -> list[Indices]:
    """``len(tables)`` arrays of ``n`` random indices into a stack of ``TABLE_SIZE`` tables (see
    ``stack``): array ``j`` picks uniformly from table number ``tables[j]``. One draw for all.

    Each index is a 16-bit random number (little-endian, so the same on any machine) plus the
    table number times ``TABLE_SIZE``, so a block of people of any case becomes one array per
    column and every column is one gather.
    """
    k = len(tables)
    values = np.frombuffer(rng.randbytes(2 * n * k), "<u2").astype(np.int64).reshape(n, k)
    values += np.array(tables, np.int64) * TABLE_SIZE
    return [values[:, j] for j in range(k)]


def stack(tables: Sequence[Sequence[T]]) -> list[T]:
    """``TABLE_SIZE`` tables one after the other: table ``t`` entry ``i`` is ``t * TABLE_SIZE + i``."""
    stacked: list[T] = []
    for table in tables:
        assert len(table) == TABLE_SIZE, "every stacked table has TABLE_SIZE entries"
        stacked += table
    return stacked


def random_bytes(rng: random.Random, n: int) -> Indices:
    """``n`` random indices into a 256-entry table."""
    return np.frombuffer(rng.randbytes(n), np.uint8).astype(np.int64)


def _plain(word: str) -> str:
    return re.sub(r"[^a-z]", "", word.lower())


def _unique(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.strip() for w in words if w.strip() and "," not in w))


@dataclass(frozen=True)
class Names:
    """Every first x last name of one sex, as three parallel tables of CSV pieces: entry ``i`` of
    each describes the same person (one random index picks all three)."""

    pieces: list[str]  # "REGISTRY NAME,Declared Name,"
    mismatched: list[str]  # "REGISTRY NAME,Another Name,"
    email_local: list[str]  # "first.last"


def _names(firsts: Sequence[str], lasts: Sequence[str]) -> Names:
    firsts, lasts = _unique(firsts), _unique(lasts)
    pieces, mismatched, local = [], [], []
    for i, first in enumerate(firsts):
        # Another first name of the same sex that differs whatever the case and spacing.
        other = next(
            f for f in firsts[i + 7 :] + firsts[: i + 7] if f.casefold() != first.casefold()
        )
        for last in lasts:
            registry = f"{first} {last}".upper()
            pieces.append(f"{registry},{first} {last},")
            mismatched.append(f"{registry},{other} {last},")
            local.append(f"{_plain(first)}.{_plain(last)}")
    table = weighted(range(len(pieces)), [1.0] * len(pieces))
    return Names(gather(pieces, table), gather(mismatched, table), gather(local, table))


@dataclass(frozen=True)
class Vocabulary:
    """What does not depend on the seed or the date: names, places, regions, profiles.

    Per-person columns are stacks of ``TABLE_SIZE`` tables (``stack``) so that people of every
    case and sex are gathered in one go; ``name_table``, ``profile_table`` and ``tail_table``
    say which table of the stack a person draws from.
    """

    names: Pieces  # stack of "REGISTRY NAME,Declared Name," (see name_table)
    email_local: Pieces  # stack of "first.last", parallel to names
    birth_places: Pieces  # table of "City,"
    addresses: Pieces  # table of "street address,rural,"
    # Districts weighted by province population, as parallel tables (one index picks all).
    district_prefix: Pieces  # "PPRRDD"
    district_number: Indices  # the same as a number
    district_code: Pieces  # "PP.RR.DD,"
    phone_prefixes: list[str]  # 256-entry table
    email_domains: list[str]  # 256-entry table
    profiles: Pieces  # stack of "education,occupation,employment,is_official,dtks,"
    profile_table: dict[Case, int]
    tails: Pieces  # stack of "selfie_live,has_account,disability,migrant_worker,case\n"
    tail_table: dict[Case, int]

    @staticmethod
    def name_table(sex: int, mismatched: bool) -> int:
        """The names table of a sex; ``mismatched``: the declared name is another first name."""
        return 2 * mismatched + sex


def _profile(
    education: Mapping[str, float],
    employment: Mapping[str, tuple[float, Mapping[str, float]]],
    official: bool = False,
    dtks: bool = False,
) -> list[str]:
    items, weights = [], []
    edu_total = sum(education.values())
    emp_total = sum(share for share, _ in employment.values())
    for edu, edu_w in education.items():
        for status, (status_w, occupations) in employment.items():
            occ_total = sum(occupations.values())
            for occupation, occ_w in occupations.items():
                items.append(f"{edu},{occupation},{status},{int(official)},{int(dtks)},")
                weights.append(edu_w / edu_total * status_w / emp_total * occ_w / occ_total)
    return weighted(items, weights)


def _profiles() -> dict[Case, list[str]]:
    ordinary = _profile(demo.EDUCATION, demo.EMPLOYMENT)
    profiles = dict.fromkeys(Case, ordinary)
    profiles[Case.SOCIAL_ASSISTANCE] = _profile(demo.EDUCATION, demo.EMPLOYMENT, dtks=True)
    profiles[Case.STUDENT] = _profile(
        demo.STUDENT_EDUCATION, {"STUDENT": (1.0, {demo.STUDENT_OCCUPATION: 1.0})}
    )
    profiles[Case.OFFICIAL] = _profile(
        demo.OFFICIAL_EDUCATION,
        {"EMPLOYED": (1.0, dict.fromkeys(demo.OFFICIAL_OCCUPATION_CHOICES, 1.0))},
        official=True,
    )
    profiles[Case.UNDERAGE] = _profile(
        demo.UNDERAGE_EDUCATION, {"UNEMPLOYED": (1.0, {demo.UNDERAGE_OCCUPATION: 1.0})}
    )
    return profiles


def _tails() -> dict[Case, list[str]]:
    """The last five columns by case; only LIVENESS_FAILED submits a selfie that is not live."""
    extras = _extras()
    tails = {}
    for case in Case:
        live = 0 if case is Case.LIVENESS_FAILED else 1
        pieces = {extra: f"{live},{extra}{case.value}\n" for extra in set(extras)}
        tails[case] = [pieces[extra] for extra in extras]
    return tails


def _extras() -> list[str]:
    items, weights = [], []
    for account in (1, 0):
        for disability in (1, 0):
            for migrant in (1, 0):
                items.append(f"{account},{disability},{migrant},")
                weights.append(
                    (demo.HAS_ACCOUNT if account else 1 - demo.HAS_ACCOUNT)
                    * (demo.DISABILITY if disability else 1 - demo.DISABILITY)
                    * (demo.MIGRANT_WORKER if migrant else 1 - demo.MIGRANT_WORKER)
                )
    return weighted(items, weights)


def _addresses(streets: Sequence[str]) -> list[str]:
    """Street addresses in Faker's id_ID form plus RT/RW, a table with the rural share baked in."""
    build = random.Random("population-addresses")  # fixed: the table is vocabulary, not a draw
    prefixes = (*AddressProvider.street_prefixes_short, *AddressProvider.street_prefixes_long)
    rural = round(demo.RURAL * TABLE_SIZE)
    table = []
    for i in range(TABLE_SIZE):
        street = f"{build.choice(prefixes)} {build.choice(streets)} No. {build.randint(1, 199)}"
        rt_rw = f"RT {build.randint(1, 15):03d}/RW {build.randint(1, 12):03d}"
        table.append(f"{street} {rt_rw},{1 if i < rural else 0},")
    return table


@cache
def vocabulary() -> Vocabulary:
    """Built once per process (about a tenth of a second)."""
    person: Any = PersonProvider
    names = (
        _names(person.first_names_female, person.last_names_female),
        _names(person.first_names_male, person.last_names_male),
    )
    cities = _unique(AddressProvider.cities)
    streets = _unique(AddressProvider.streets)
    all_districts = regions.districts()
    per_province: dict[str, int] = {}
    for d in all_districts:
        per_province[d.province_code] = per_province.get(d.province_code, 0) + 1
    district_weights = [
        demo.PROVINCE_POPULATION[d.province_code] / per_province[d.province_code]
        for d in all_districts
    ]
    district_table = weighted(range(len(all_districts)), district_weights)
    domains = [d for d in InternetProvider.free_email_domains if d in demo.EMAIL_DOMAIN_WEIGHTS]
    profile_tables: list[list[str]] = []  # cases share tables: stack each one once
    profile_table: dict[Case, int] = {}
    for case, table in _profiles().items():
        if not any(t is table for t in profile_tables):
            profile_tables.append(table)
        profile_table[case] = next(i for i, t in enumerate(profile_tables) if t is table)
    tails = _tails()
    district_prefix = gather([d.nik_prefix for d in all_districts], district_table)
    return Vocabulary(
        names=pieces(stack([n.pieces for n in names] + [n.mismatched for n in names])),
        email_local=pieces(stack([n.email_local for n in names] * 2)),
        birth_places=pieces(weighted([f"{city}," for city in cities], [1.0] * len(cities))),
        addresses=pieces(_addresses(streets)),
        district_prefix=pieces(district_prefix),
        district_number=np.array(district_prefix, dtype=np.int64),
        district_code=pieces(gather([f"{d.code}," for d in all_districts], district_table)),
        phone_prefixes=weighted(list(demo.PHONE_PREFIXES), list(demo.PHONE_PREFIXES.values()), 256),
        email_domains=weighted(domains, [demo.EMAIL_DOMAIN_WEIGHTS[d] for d in domains], 256),
        profiles=pieces(stack(profile_tables)),
        profile_table=profile_table,
        tails=pieces(stack(list(tails.values()))),
        tail_table={case: i for i, case in enumerate(tails)},
    )


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (earlier if negative); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class Dates:
    """Birth dates as two parallel stacks of CSV pieces, one table per age class and sex
    (``date_table``): entry ``i`` of both describes the same day."""

    nik_part: Pieces  # "DDMMYY", DD + 40 for women
    nik_number: Indices  # the same as a number
    sex_and_date: Pieces  # "F,YYYY-MM-DD,"


AGE_CLASSES: dict[str, tuple[tuple[int, int, float], ...]] = {
    "adult": demo.ADULT_AGES,
    "underage": demo.UNDERAGE_AGES,
    "student": demo.STUDENT_AGES,
    "official": demo.OFFICIAL_AGES,
}
_AGE_CLASS_NUMBER = {name: i for i, name in enumerate(AGE_CLASSES)}


def date_table(age_class: str, sex: int) -> int:
    """The table of ``Dates`` that people of an age class and sex draw their birth day from."""
    return 2 * _AGE_CLASS_NUMBER[age_class] + sex


@cache
def dates(as_of: date) -> Dates:
    """Birth-date tables for people whose ages are counted on ``as_of``.

    A day enters an age's table when a person born that day is that age on ``as_of`` and still
    on the days ``EDGE_DAYS`` before and after it, so a day's difference in how a reader counts
    birthdays (29 February, time zones) never changes an age. Only the days near either end of
    an age's year can fail that; the days between are taken without asking.
    """
    oldest = max(last for ages in AGE_CLASSES.values() for _, last, _ in ages)
    first_day = add_years(as_of, -(oldest + 1))
    days = [first_day + timedelta(n) for n in range((as_of - first_day).days + 1)]
    iso = [d.isoformat() for d in days]
    month_year = [s[5:7] + s[2:4] for s in iso]
    nik_m = [s[8:] + my for s, my in zip(iso, month_year, strict=True)]
    nik_f = [f"{d.day + 40}{my}" for d, my in zip(days, month_year, strict=True)]
    sex_and_date = ([f"F,{d}," for d in iso], [f"M,{d}," for d in iso])
    nik_part = (nik_f, nik_m)
    edge = timedelta(demo.EDGE_DAYS)
    margin = demo.EDGE_DAYS + 3  # further than this from both ends of the year: always kept

    def keep(i: int, age: int) -> bool:
        born = days[i]
        return _age(born, as_of) == age and _age(born, as_of - edge) == _age(born, as_of + edge)

    day_tables: list[Indices] = []  # per table: index into nik_part[sex] + sex_and_date[sex]
    for spans in AGE_CLASSES.values():
        items: list[int] = []
        weights: list[float] = []
        for first, last, share in spans:
            for age in range(first, last + 1):
                lo = (add_years(as_of, -(age + 1)) - first_day).days
                hi = (add_years(as_of, -age) - first_day).days + 1
                inner_lo, inner_hi = min(lo + margin, hi), max(hi - margin, lo + margin)
                span = [i for i in range(lo, inner_lo) if keep(i, age)]
                span += range(inner_lo, inner_hi)
                span += [i for i in range(max(inner_hi, inner_lo), hi) if keep(i, age)]
                items += span
                weights += [share / (last - first + 1) / len(span)] * len(span)
        table = np.array(weighted(items, weights), dtype=np.int64)
        for sex in SEXES:
            day_tables.append(table + sex * len(days))
    day = np.concatenate(day_tables)
    nik = nik_part[FEMALE] + nik_part[MALE]
    return Dates(
        nik_part=pieces(nik)[day],
        nik_number=np.array(nik, dtype=np.int64)[day],
        sex_and_date=pieces(sex_and_date[FEMALE] + sex_and_date[MALE])[day],
    )
