"""Population rows for the government-simulator tests: keyword-only factories and a CSV writer."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path

from contract.population import COLUMNS, Case

_serial = itertools.count(1)


def person(
    *,
    nik: str | None = None,
    kk: str | None = None,
    name: str = "Siti Aminah",
    declared_name: str | None = None,
    sex: str = "F",
    birth_date: str = "1995-03-15",
    region_code: str = "32.73.01",
    occupation: str = "KARYAWAN SWASTA",
    dtks: bool = False,
    face_id: str | None = None,
    selfie: str | None = None,
    selfie_face: str | None = None,
    selfie_live: bool = True,
    case: Case = Case.ELIGIBLE,
) -> dict[str, str]:
    """One population row; unique NIK, KK, face and selfie unless given."""
    n = next(_serial)
    face = face_id or f"face-{n:07d}"
    return {
        **dict.fromkeys(COLUMNS, ""),
        "nik": nik or f"{3273015503950000 + n}",
        "kk": kk or f"{3273010000000000 + n}",
        "name": name,
        "declared_name": declared_name or name,
        "sex": sex,
        "birth_date": birth_date,
        "region_code": region_code,
        "occupation": occupation,
        "dtks": "1" if dtks else "0",
        "face_id": face,
        "selfie": selfie or f"selfie-{n:07d}",
        "selfie_face": selfie_face or face,
        "selfie_live": "1" if selfie_live else "0",
        "rural": "0",
        "is_official": "0",
        "case": case.value,
    }


def write_population(path: Path, rows: Iterable[Mapping[str, str]]) -> Path:
    """Write ``rows`` as a population CSV with the contract's columns, header first."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path
