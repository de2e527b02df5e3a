"""The registries the government simulators answer from, read from a population file."""

from __future__ import annotations

import csv
import gc
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from contract.population import COLUMNS, Case
from simulators.government.registry import Person, PopulationFileError, Registry, Selfie
from tests.simulators.government_rows import person, write_population


def test_reads_the_civil_registry_by_nik(tmp_path: Path) -> None:
    row = person(name="Budi  Santoso", sex="M", birth_date="1990-01-31", occupation="PETANI")
    registry = Registry.load(write_population(tmp_path / "p.csv", [row]))

    assert registry.person(row["nik"]) == Person(
        name="Budi  Santoso",
        birth_date=date(1990, 1, 31),
        sex="M",
        kk=row["kk"],
        region_code="32.73.01",
        occupation="PETANI",
        face_id=row["face_id"],
    )
    assert registry.person("3273010101900001") is None
    assert registry.people == 1


def test_nik_not_found_people_are_in_no_registry_but_their_selfies_exist(tmp_path: Path) -> None:
    absent = person(case=Case.NIK_NOT_FOUND, dtks=True)
    present = person()
    registry = Registry.load(write_population(tmp_path / "p.csv", [absent, present]))

    assert registry.person(absent["nik"]) is None
    assert not registry.is_recipient(absent["nik"])
    assert registry.selfie(absent["selfie"]) == Selfie(face=absent["selfie_face"], live=True)
    assert registry.people == 1


def test_a_duplicate_nik_row_is_the_same_person_kept_once(tmp_path: Path) -> None:
    first = person(dtks=True)
    again = {**first, "selfie": "selfie-of-second-account", "case": Case.DUPLICATE_NIK.value}
    registry = Registry.load(write_population(tmp_path / "p.csv", [first, again]))

    assert registry.people == 1
    assert registry.recipients == 1
    found = registry.person(first["nik"])
    assert found is not None
    assert found.name == first["name"]
    assert registry.selfie("selfie-of-second-account") is not None


def test_dtks_lists_only_recipients() -> None:
    recipient, other = person(dtks=True), person(dtks=False)
    registry = Registry.from_rows([recipient, other])

    assert registry.is_recipient(recipient["nik"])
    assert not registry.is_recipient(other["nik"])
    assert not registry.is_recipient("not a nik")
    assert registry.recipients == 1


def test_selfies_know_their_face_and_liveness() -> None:
    spoof = person(selfie_live=False, selfie_face="someone-else")
    registry = Registry.from_rows([spoof])

    assert registry.selfie(spoof["selfie"]) == Selfie(face="someone-else", live=False)
    assert registry.selfie("never-submitted") is None


def test_a_nik_that_is_not_sixteen_digits_is_still_a_key() -> None:
    odd, padded = person(nik="0012"), person(nik="12")
    registry = Registry.from_rows([odd, padded])

    assert registry.person("0012") is not None
    assert registry.person("12") is not None
    assert registry.people == 2


def test_the_file_may_hold_its_columns_in_any_order(tmp_path: Path) -> None:
    row = person()
    path = tmp_path / "p.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(reversed(COLUMNS)))
        writer.writeheader()
        writer.writerow(row)

    found = Registry.load(path).person(row["nik"])
    assert found is not None
    assert found.kk == row["kk"]


def test_a_file_without_a_needed_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("nik,name\n3273015503950001,Siti\n")

    with pytest.raises(PopulationFileError, match="missing columns kk"):
        Registry.load(path)


def test_a_bad_birth_date_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_population(tmp_path / "p.csv", [person(), person(birth_date="1995-02-30")])

    with pytest.raises(PopulationFileError, match=r"p\.csv:3: birth_date"):
        Registry.load(path)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("")

    with pytest.raises(PopulationFileError, match="empty"):
        Registry.load(path)


def _bulk_rows(count: int) -> list[dict[str, str]]:
    base = person()
    return [
        {
            **base,
            "nik": f"{3273015503950000 + i}",
            "kk": f"{3273010000000000 + i // 3}",
            "name": f"Orang Nomor {i}",
            "face_id": f"face-{i:08d}",
            "selfie": f"selfie-{i:08d}",
            "selfie_face": f"face-{i:08d}",
            "dtks": "1" if i % 10 == 0 else "0",
        }
        for i in range(count)
    ]


def test_a_hundred_thousand_people_load_in_bounded_time(tmp_path: Path) -> None:
    path = write_population(tmp_path / "big.csv", _bulk_rows(100_000))

    started = time.perf_counter()
    registry = Registry.load(path)
    elapsed = time.perf_counter() - started

    assert registry.people == 100_000
    assert registry.recipients == 10_000
    assert registry.person("3273015503950000") is not None
    assert elapsed < 3.0, f"loading 100k people took {elapsed:.2f}s"


def test_a_person_costs_a_few_hundred_bytes() -> None:
    rows = _bulk_rows(20_000)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        registry = Registry.from_rows(rows)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert registry.people == 20_000
    assert held / 20_000 < 400, f"{held / 20_000:.0f} bytes per person"
