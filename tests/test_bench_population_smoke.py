"""The population bench runs end to end and writes a well-formed result; no performance number."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks import population


def test_bench_writes_a_well_formed_result(tmp_path: Path) -> None:
    out = tmp_path / "results" / "population.json"
    params = population.Params(count=2_000, faker_count=50, repeats=2, out=out)
    returned = population.run_bench(params)

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result == returned
    assert {"date", "machine", "python", "parameters", "note", "runs", "medians", "ratio"} <= set(
        result
    )
    assert sorted((r["side"], r["repeat"]) for r in result["runs"]) == sorted(
        (side, repeat) for side in (population.FAKER, population.GENERATOR) for repeat in (1, 2)
    )
    assert all(r["records_per_s"] > 0 for r in result["runs"])
    assert result["ratio"] == pytest.approx(
        result["medians"][population.GENERATOR] / result["medians"][population.FAKER]
    )
    assert result["meets_goal"] == (result["ratio"] >= population.GOAL)
    rendered = io.StringIO()
    Console(file=rendered, width=120).print(population.table(result))
    assert population.FAKER in rendered.getvalue() and population.GENERATOR in rendered.getvalue()


def test_faker_side_writes_the_records_it_is_timed_on(tmp_path: Path) -> None:
    path = tmp_path / "faker.csv"
    population.faker_people(path, 20, seed=3)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("nik,name,sex,birth_date")
    assert all(line[:16].isdigit() for line in lines[1:] if line[:1].isdigit())


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
