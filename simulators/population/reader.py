"""Reading a population file back: typed people and case counts, for tests and drivers."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple

from contract.population import COLUMNS, Case


class Person(NamedTuple):
    """One line of a population file, typed."""

    nik: str
    kk: str
    name: str
    declared_name: str
    sex: str
    birth_date: date
    birth_place: str
    region_code: str
    address: str
    rural: bool
    phone: str
    email: str
    education: str
    occupation: str
    employment_status: str
    is_official: bool
    dtks: bool
    face_id: str
    selfie: str
    selfie_face: str
    selfie_live: bool
    has_account: bool
    disability: bool
    migrant_worker: bool
    case: Case


_FLAGS = (
    "rural",
    "is_official",
    "dtks",
    "selfie_live",
    "has_account",
    "disability",
    "migrant_worker",
)
assert tuple(Person._fields) == COLUMNS, "Person must follow contract.population.COLUMNS"


def _person(row: list[str]) -> Person:
    values: dict[str, object] = dict(zip(COLUMNS, row, strict=True))
    for flag in _FLAGS:
        values[flag] = values[flag] == "1"
    values["birth_date"] = date.fromisoformat(row[5])
    values["case"] = Case(row[-1])
    return Person(**values)  # type: ignore[arg-type]


def read_population(path: Path) -> Iterator[Person]:
    """The people of a population file, in file order; refuses a file with other columns."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if tuple(header or ()) != COLUMNS:
            raise ValueError(f"{path}: not a population file (header {header!r})")
        for row in reader:
            yield _person(row)


def case_counts(source: Path | Iterable[Person]) -> dict[Case, int]:
    """How many people of each case (every case present, zeros included)."""
    people = read_population(source) if isinstance(source, Path) else source
    counted = Counter(person.case for person in people)
    return {case: counted.get(case, 0) for case in Case}
