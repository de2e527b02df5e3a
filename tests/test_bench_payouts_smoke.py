"""The payouts bench runs end to end on a tiny batch and writes a well-formed result; it asserts
no performance number."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import payouts


def test_bench_writes_a_well_formed_result(tmp_path: Path) -> None:
    out = tmp_path / "results" / "payouts.json"
    params = payouts.Params(payments=8, repeats=1, database="sqlite", out=out)
    result = payouts.run(params)
    payouts.write(result, out)
    written = json.loads(out.read_text())
    assert written["benchmark"] == "payouts" and written["params"]["payments"] == 8
    assert [r["variant"] for r in written["runs"]] == list(payouts.VARIANTS)
    assert all(r["settled_per_s"] > 0 and r["seconds"] > 0 for r in written["runs"])
    assert written["ratio"] == result.ratio > 0
