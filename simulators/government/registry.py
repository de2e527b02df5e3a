"""What the government sources know, read once from the synthetic population file.

The population file (``contract.population.COLUMNS``) describes every person; the registries are
the parts of it each source may see: the civil registry (Dukcapil) by NIK, the selfies the
biometrics service can judge by token, and the NIKs in DTKS. Rows labelled ``NIK_NOT_FOUND`` are
people the civil registry has never heard of (nor DTKS); their selfies still exist. A
``DUPLICATE_NIK`` row is a second account of a person already listed: the registry keeps one.

The indexes are built to hold millions of people: one packed string per person keyed by the NIK
as an integer, the selfie's face string as is, and a set for the few spoofed selfies, instead of a
dict or object per row (about 250 bytes a person in all).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from contract.population import Case

# The columns the sources read; the file may hold more (it holds all of COLUMNS).
REGISTRY_COLUMNS = (
    "nik",
    "kk",
    "name",
    "sex",
    "birth_date",
    "region_code",
    "occupation",
    "face_id",
    "dtks",
    "selfie",
    "selfie_face",
    "selfie_live",
    "case",
)
_SEP = "\x1f"  # ASCII unit separator: never part of a name, code or date in the file
_ABSENT = Case.NIK_NOT_FOUND.value


class Person(NamedTuple):
    """What the civil registry holds about one NIK."""

    name: str
    birth_date: date
    sex: str
    kk: str
    region_code: str
    occupation: str
    face_id: str


class Selfie(NamedTuple):
    """What the biometrics service can tell from one selfie token."""

    face: str
    live: bool


class PopulationFileError(ValueError):
    """The population file cannot be read as one (missing column, bad date, separator in a value)."""


def _nik_key(nik: str) -> int | str:
    """A NIK as a dict key: 16 ASCII digits become an int (half the memory), anything else stays."""
    if len(nik) == 16 and nik.isascii() and nik.isdigit():
        return int(nik)
    return nik


class Registry:
    """The civil registry, the selfies and the DTKS list of one population, read-only once built."""

    __slots__ = ("_people", "_recipients", "_selfies", "_spoofs")

    def __init__(self) -> None:
        self._people: dict[int | str, str] = {}
        self._recipients: set[int | str] = set()
        self._selfies: dict[str, str] = {}
        self._spoofs: set[str] = set()

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> Registry:
        """Read a population CSV file (header row, columns by name)."""
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise PopulationFileError(f"{path}: empty file, expected a header row")
            return cls._from_records(header, reader, str(path))

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> Registry:
        """Build from rows already in memory (tests): mappings with at least REGISTRY_COLUMNS."""
        header = list(REGISTRY_COLUMNS)

        def records() -> Iterator[list[str]]:
            for row in rows:
                try:
                    yield [str(row[column]) for column in header]
                except KeyError as exc:
                    raise PopulationFileError(f"row without column {exc}") from exc

        return cls._from_records(header, records(), "rows")

    @classmethod
    def _from_records(
        cls, header: Sequence[str], records: Iterable[Sequence[str]], source: str
    ) -> Registry:
        missing = [column for column in REGISTRY_COLUMNS if column not in header]
        if missing:
            raise PopulationFileError(f"{source}: missing columns {', '.join(missing)}")
        (nik_i, kk_i, name_i, sex_i, birth_i, region_i, occupation_i, face_i, dtks_i) = (
            header.index(column) for column in REGISTRY_COLUMNS[:9]
        )
        selfie_i, selfie_face_i, live_i, case_i = (
            header.index(column) for column in REGISTRY_COLUMNS[9:]
        )
        width = max(header.index(column) for column in REGISTRY_COLUMNS) + 1
        registry = cls()
        people, recipients = registry._people, registry._recipients
        selfies, spoofs = registry._selfies, registry._spoofs
        dates: set[str] = set()  # birth dates already checked (a few tens of thousands at most)
        join = _SEP.join
        pick = itemgetter(name_i, birth_i, sex_i, kk_i, region_i, occupation_i, face_i)
        for line, record in enumerate(records, start=2):
            if len(record) < width:
                if not record:
                    continue  # a blank line
                raise PopulationFileError(f"{source}:{line}: {len(record)} fields, expected more")
            token = record[selfie_i]
            if token and token not in selfies:
                selfies[token] = record[selfie_face_i]
                if record[live_i] != "1":
                    spoofs.add(token)
            if record[case_i] == _ABSENT:
                continue
            key = _nik_key(record[nik_i])
            if key in people:
                continue  # DUPLICATE_NIK: the same person again
            birth = record[birth_i]
            if birth not in dates:
                try:
                    date.fromisoformat(birth)
                except ValueError as exc:
                    raise PopulationFileError(f"{source}:{line}: birth_date {exc}") from exc
                dates.add(birth)
            packed = join(pick(record))
            if packed.count(_SEP) != 6:
                raise PopulationFileError(f"{source}:{line}: a value holds a control character")
            people[key] = packed
            if record[dtks_i] == "1":
                recipients.add(key)
        return registry

    # --- answering ----------------------------------------------------------------------------

    def person(self, nik: str) -> Person | None:
        """The registry's record of ``nik``, or None when the civil registry does not know it."""
        packed = self._people.get(_nik_key(nik))
        if packed is None:
            return None
        name, birth, sex, kk, region, occupation, face = packed.split(_SEP)
        return Person(name, date.fromisoformat(birth), sex, kk, region, occupation, face)

    def is_recipient(self, nik: str) -> bool:
        """True when ``nik`` is in DTKS (the social-assistance registry)."""
        return _nik_key(nik) in self._recipients

    def selfie(self, token: str) -> Selfie | None:
        """The face in a selfie and whether it is live, or None for a token nobody submitted."""
        face = self._selfies.get(token)
        if face is None:
            return None
        return Selfie(face, token not in self._spoofs)

    @property
    def people(self) -> int:
        """How many NIKs the civil registry holds."""
        return len(self._people)

    @property
    def selfies(self) -> int:
        """How many selfie tokens the biometrics service knows."""
        return len(self._selfies)

    @property
    def recipients(self) -> int:
        """How many NIKs DTKS lists."""
        return len(self._recipients)

    def __repr__(self) -> str:
        return (
            f"Registry(people={self.people}, selfies={self.selfies}, recipients={self.recipients})"
        )
