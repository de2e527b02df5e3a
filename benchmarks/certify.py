"""Benchmark: one role's whole conformance suite against its bundled simulator, per role.

Starts the reference server on a temporary SQLite database, then for each role certifies the
bundled simulator exactly as ``prakerja certify --role R --simulator S`` does (registered at the
sandbox, started on a free port, its default behaviour profile, every capability judged): the
wall time of each whole run (preparation, every check, the report), as the median of
``--repeats`` runs. The baseline, measured between the runs, is one ``GET /health`` of the same
sandbox (the median of 100); the ratio says how many such round trips a certification costs.
The issue asks for each role's suite under 60 s on this machine: ``under_60s`` says whether the
median is.

Writes ``bench-results/certify.json`` and prints a table.

Example: python -m benchmarks.certify                 (every role, three runs each)
         python -m benchmarks.certify --roles pp --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from rich.console import Console
from rich.table import Table

from conformance.cli import SimulatorRequest
from conformance.files import Declaration
from conformance.runner import Runner
from conformance.suites import suite_for
from contract.requirements import Mode
from contract.roles import Role
from prakerja_cli.simulated import launch
from reference_server.launch import running_server

CASES: dict[str, tuple[Role, Mode, str]] = {
    "dp": (Role.DP, Mode.CLIENT, "digital-platform"),
    "lp": (Role.LP, Mode.CLIENT, "training-provider"),
    "pp-ewallet": (Role.PP, Mode.SERVER, "ewallet"),
    "pp-bank": (Role.PP, Mode.SERVER, "bank"),
    "jp-feed": (Role.JP, Mode.SERVER, "job-portal"),
    "jp-push": (Role.JP, Mode.CLIENT, "job-portal"),
}
LIMIT_SECONDS = 60.0
HEALTH_SAMPLES = 100


@dataclass
class Params:
    roles: list[str]
    repeats: int
    out: Path


def _args(argv: list[str] | None) -> Params:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--roles", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-results/certify.json"))
    ns = parser.parse_args(argv)
    return Params(ns.roles, max(1, ns.repeats), ns.out)


def _health(url: str) -> float:
    with httpx.Client() as client:
        samples = []
        for _ in range(HEALTH_SAMPLES):
            started = time.perf_counter()
            client.get(f"{url}/health").raise_for_status()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _certify(name: str, sandbox: str) -> tuple[float, int, bool]:
    role, mode, simulator = CASES[name]
    request = SimulatorRequest(role, mode, simulator, None, sandbox, Declaration.everything(role))
    started = time.perf_counter()
    with launch(request) as simulated:
        try:
            report = Runner(suite_for(role, mode), simulated.context).run()
        finally:
            simulated.context.close()
    return time.perf_counter() - started, report.summary.checks, report.summary.passed_run


def run(params: Params) -> dict[str, Any]:
    """Every chosen role, ``repeats`` times, interleaved with the baseline."""
    console = Console()
    with tempfile.TemporaryDirectory(prefix="prakerja-bench-certify-") as folder:
        env = {
            "PRAKERJA_DATABASE_URL": f"sqlite:///{Path(folder) / 'sandbox.db'}",
            "PRAKERJA_SECRET_KEY": Fernet.generate_key().decode(),
        }
        os.environ.update(env)  # the simulators are registered in this sandbox's database
        with running_server({**os.environ, **env}, Path(folder) / "server.log") as url:
            rows: dict[str, dict[str, Any]] = {}
            baselines = []
            for repeat in range(params.repeats):
                for name in params.roles:
                    baselines.append(_health(url))
                    seconds, checks, passed = _certify(name, url)
                    row = rows.setdefault(name, {"seconds": [], "checks": checks, "passed": []})
                    row["seconds"].append(seconds)
                    row["passed"].append(passed)
                    console.print(
                        f"[dim]{name} run {repeat + 1}: {seconds:.1f} s, passed {passed}[/]"
                    )
    baseline = statistics.median(baselines)
    results = {}
    for name, row in rows.items():
        median = statistics.median(row["seconds"])
        results[name] = {
            "median_s": round(median, 2),
            "runs_s": [round(s, 2) for s in row["seconds"]],
            "checks": row["checks"],
            "all_passed": all(row["passed"]),
            "ratio_to_health": round(median / baseline),
            "under_60s": median < LIMIT_SECONDS,
        }
    return {
        "benchmark": "certify",
        "baseline": "one GET /health of the same sandbox (median of 100, between the runs)",
        "baseline_ms": round(baseline * 1000, 2),
        "repeats": params.repeats,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": results,
    }


def main(argv: list[str] | None = None) -> None:
    """Run, print the table, write the file."""
    params = _args(argv)
    result = run(params)
    params.out.parent.mkdir(parents=True, exist_ok=True)
    params.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    table = Table(
        "role (simulator)", "checks", "median s", "runs s", "× /health", "< 60 s", "passed"
    )
    for name, row in result["results"].items():
        table.add_row(
            name, str(row["checks"]), f"{row['median_s']:.1f}",
            ", ".join(f"{s:.1f}" for s in row["runs_s"]), str(row["ratio_to_health"]),
            "yes" if row["under_60s"] else "NO", "yes" if row["all_passed"] else "no",
        )  # fmt: skip
    Console().print(table)
    Console().print(f"baseline GET /health {result['baseline_ms']} ms; written to {params.out}")


if __name__ == "__main__":
    main()
