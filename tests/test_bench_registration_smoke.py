"""The registration bench runs end to end and writes a well-formed result; it asserts no
performance number."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks import registration
from reference_server.domain import nik


def test_prepared_identities_are_valid_and_distinct() -> None:
    bodies = [registration.identity_body(n) for n in range(0, 30_000, 7)]
    for body in bodies:
        birth = date.fromisoformat(body["birth_date"])
        assert nik.nik_problem(body["nik"], birth, body["sex"]) is None, body
        assert nik.kk_valid(body["kk"]) and nik.region_known(body["region_code"])
    assert len({b["nik"] for b in bodies}) == len(bodies)


@pytest.mark.slow
def test_bench_writes_a_well_formed_result(
    tmp_path: Path, database_kind: str, database_url: str
) -> None:
    out = tmp_path / "results" / "registration.json"
    params = registration.Params(
        duration=0.5,
        repeats=1,
        concurrency=2,
        out=out,
        # On PostgreSQL both servers share the session's database (contacts are unique per run);
        # on SQLite each makes its own temporary file, as `make bench` does.
        database_url=database_url if database_kind == "postgres" else None,
    )
    returned = registration.run_bench(params)

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result == returned
    assert result["parameters"]["database"] == (
        "postgresql" if database_kind == "postgres" else "sqlite"
    )
    assert "core" in result["note"] and "wait" in result["parameters"]["government_sources"]
    assert sorted((r["endpoint"], r["repeat"]) for r in result["runs"]) == sorted(
        (endpoint, 1) for endpoint in registration.ENDPOINTS
    )
    for run in result["runs"]:
        assert run["requests"] > 0 and run["errors"] == 0, run
        assert (run["prepared"] > 0) == (run["endpoint"] == registration.IDENTITY), run
    for endpoint in registration.ENDPOINTS:
        assert result["medians"][endpoint]["rps"] > 0
        assert result["ratios_to_baseline"][endpoint] > 0
    for baseline in registration.BASELINES.values():
        assert result["ratios_to_baseline"][baseline] == 1.0

    rendered = io.StringIO()
    Console(file=rendered, width=160).print(registration.table(result))
    assert all(endpoint in rendered.getvalue() for endpoint in registration.ENDPOINTS)


def test_bench_command_line_has_help_and_refuses_nonsense(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as shown:
        registration.parse_args(["--help"])
    assert shown.value.code == 0
    assert "--duration" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        registration.parse_args(["--repeats", "0"])
    assert refused.value.code == 2
    assert registration.parse_args([]) == registration.Params()
