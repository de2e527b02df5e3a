"""The bench runs end to end and writes a well-formed result; it asserts no performance number."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks import bench

pytestmark = pytest.mark.slow


def test_bench_writes_a_well_formed_result(
    tmp_path: Path, database_kind: str, database_url: str
) -> None:
    out = tmp_path / "results" / "bench.json"
    params = bench.Params(
        duration=1.0,
        repeats=1,
        concurrency=2,
        out=out,
        # On PostgreSQL the bench shares the session's database (its own partners and cards);
        # on SQLite it makes its own temporary file, as `make bench` does.
        database_url=database_url if database_kind == "postgres" else None,
    )
    returned = bench.run_bench(params)

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result == returned
    assert {"date", "machine", "python", "parameters", "note", "runs", "medians"} <= result.keys()
    assert result["parameters"]["database"] == (
        "postgresql" if database_kind == "postgres" else "sqlite"
    )
    assert "core" in result["note"]
    assert sorted((r["endpoint"], r["repeat"]) for r in result["runs"]) == sorted(
        (endpoint, 1) for endpoint in bench.ENDPOINTS
    )
    for run in result["runs"]:
        assert run["requests"] > 0 and run["errors"] == 0, run
        assert (run["prepared"] > 0) == (run["endpoint"] == bench.PAY), run
    for endpoint in bench.ENDPOINTS:
        assert result["medians"][endpoint]["rps"] > 0
        assert result["ratios_to_baseline"][endpoint] > 0
    assert result["ratios_to_baseline"][bench.BASELINE] == 1.0

    rendered = io.StringIO()
    Console(file=rendered, width=120).print(bench.table(result))
    assert all(endpoint in rendered.getvalue() for endpoint in bench.ENDPOINTS)


def test_bench_command_line_has_help_and_refuses_nonsense(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as shown:
        bench.parse_args(["--help"])
    assert shown.value.code == 0
    assert "--duration" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        bench.parse_args(["--duration", "0"])
    assert refused.value.code == 2
    assert bench.parse_args([]) == bench.Params()
