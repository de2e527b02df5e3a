"""The job search bench runs end to end on a small table and writes a well-formed result; it
asserts no performance number."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from benchmarks import jobs


def test_bench_writes_a_well_formed_result(tmp_path: Path) -> None:
    out = tmp_path / "results" / "jobs.json"
    params = jobs.Params(vacancies=1_000, rounds=1, databases=("sqlite",), out=out)
    printed = io.StringIO()
    result = jobs.run_bench(params, Console(file=printed, width=120))
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    sqlite = result["databases"]["sqlite"]
    assert sqlite["load"]["vacancies"] == 1_000 and sqlite["baseline_ms"] > 0
    expected = {*jobs.SEARCHES, f"page {jobs.DEEP_PAGE}", "recommendations"}
    assert set(sqlite["operations"]) == expected
    for name, measured in sqlite["operations"].items():
        assert measured["median_ms"] > 0 and measured["ratio"] > 0, name
    assert sqlite["operations"]["newest"]["returned"] == jobs.PAGE
    assert sqlite["operations"]["recommendations"]["returned"] == 10
    Console(file=printed).print(jobs.table(result))
    assert "one by key" in printed.getvalue()
