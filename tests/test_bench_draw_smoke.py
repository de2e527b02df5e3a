"""The draw benchmark runs end to end on small data and writes a well-formed result."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks import draw as bench

pytestmark = pytest.mark.slow


def test_draw_bench_writes_a_well_formed_result(tmp_path: Path, database_kind: str) -> None:
    out = tmp_path / "draw.json"
    databases = ("sqlite", "postgresql") if database_kind == "postgres" else ("sqlite",)
    params = bench.Params(joiners=3_000, quota=300, repeats=1, databases=databases, out=out)
    returned = bench.run_bench(params, Console(file=io.StringIO()))
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result == json.loads(json.dumps(returned))
    assert result["winners_agree_across_databases"] is True
    assert set(result["databases"]) == set(databases)
    for data in result["databases"].values():
        assert data["load"]["written"] == 3_000
        assert {r["what"] for r in data["runs"]} == {"baseline", "draw"}
        assert data["ratio"] > 0
    rendered = io.StringIO()
    Console(file=rendered, width=120).print(bench.table(result))
    assert "ratio" in rendered.getvalue()


def test_draw_bench_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as shown:
        bench.parse_args(["--help"])
    assert shown.value.code == 0
    shown_help = capsys.readouterr().out
    assert "--joiners" in shown_help and "10000000" in shown_help  # the size, documented
    assert bench.parse_args([]).joiners == 2_000_000  # the default run stays a few minutes
    with pytest.raises(SystemExit):
        bench.parse_args(["--joiners", "0"])
    assert bench.parse_args(["--joiners", "50"]).winners == 5
