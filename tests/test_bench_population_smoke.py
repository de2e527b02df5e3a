"""The population bench runs end to end and writes a well-formed result; no performance number."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks import population
from contract.population import COLUMNS, Case


def test_bench_writes_a_well_formed_result(tmp_path: Path) -> None:
    out = tmp_path / "results" / "population.json"
    params = population.Params(count=2_000, faker_count=50, repeats=2, out=out)
    returned = population.run_bench(params)

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result == returned
    assert {
        "date", "machine", "python", "parameters", "note", "runs", "medians", "ratio",
        "cpu_medians", "cpu_ratio",
    } <= set(result)  # fmt: skip
    assert sorted((r["side"], r["repeat"]) for r in result["runs"]) == sorted(
        (side, repeat) for side in (population.FAKER, population.GENERATOR) for repeat in (1, 2)
    )
    assert all(r["records_per_s"] > 0 for r in result["runs"])
    assert result["ratio"] == pytest.approx(
        result["medians"][population.GENERATOR] / result["medians"][population.FAKER]
    )
    assert result["cpu_ratio"] == pytest.approx(
        result["cpu_medians"][population.GENERATOR] / result["cpu_medians"][population.FAKER]
    )
    assert all(r["cpu_seconds"] > 0 and r["records_per_cpu_s"] > 0 for r in result["runs"])
    assert result["meets_goal"] == (result["ratio"] >= population.GOAL)
    rendered = io.StringIO()
    Console(file=rendered, width=120).print(population.table(result))
    assert population.FAKER in rendered.getvalue() and population.GENERATOR in rendered.getvalue()


def test_faker_side_writes_the_records_it_is_timed_on(tmp_path: Path) -> None:
    """Faker is timed on the generator's 25 columns, not on a lighter record."""
    path = tmp_path / "faker.csv"
    population.faker_people(path, 20, seed=3)
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert tuple(header) == COLUMNS
    assert len(rows) == 20
    for row in rows:
        assert len(row) == len(COLUMNS), row
        person = dict(zip(COLUMNS, row, strict=True))
        assert re.fullmatch(r"[0-9]{16}", person["nik"]) and re.fullmatch(
            r"[0-9]{16}", person["kk"]
        )
        assert person["nik"][:6] == person["kk"][:6] == person["region_code"].replace(".", "")
        born = date.fromisoformat(person["birth_date"])
        day = born.day + (40 if person["sex"] == "F" else 0)
        assert person["nik"][6:12] == f"{day:02d}{born.month:02d}{born.year % 100:02d}"
        assert person["name"] == person["declared_name"].upper() and "@" in person["email"]
        assert person["selfie_face"] == person["face_id"] != person["selfie"]
        assert Case(person["case"])


def test_bench_command_line_has_help_and_refuses_nonsense(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as shown:
        population.parse_args(["--help"])
    assert shown.value.code == 0
    assert "--faker-count" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        population.parse_args(["--count", "0"])
    assert refused.value.code == 2
    assert population.parse_args([]) == population.Params()
