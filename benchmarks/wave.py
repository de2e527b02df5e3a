"""Benchmark: the wave opening against the server on PostgreSQL with 1 and with 2 uvicorn workers.

For each worker count, in interleaved repeats, a fresh server (``prakerja serve --workers W``,
real scrypt cost 14, government simulators answering from a generated population whose history
is loaded, per-address limits raised: every request comes from 127.0.0.1) is measured with the
closed-loop generator of ``benchmarks.bench``:

- ``GET /health``: the trivial endpoint, the baseline of the same server in the same run;
- ``POST registration/accounts``: a sign-up (the wave opening's dearest call), as a ratio to it;

and then loaded with ``prakerja loadtest``'s wave-opening profile (Locust, the registrant funnel
to the verdict and the join), whose report gives the server CPU per registration and the
capacity figure. Scale-out efficiency from 1 to 2 workers is the sign-up throughput with 2
divided by twice that with 1 (1.0: perfect). The machine has 2 cores shared by the server, its
government sources, PostgreSQL and the load generator: ratios and CPU-per-journey figures hold,
absolute rates are lower bounds. Writes ``bench-results/wave.json`` and one report folder per
worker count under ``bench-results/wave-reports/``.

Example: python -m benchmarks.wave --duration 10 --repeats 3 --users 30 --loadtest 30
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet
from rich.console import Console

from benchmarks.bench import health_attempt, measure
from benchmarks.registration import LIMITS, sign_up_attempt
from loadtests.profiles import Plan, Waits, profile_named
from loadtests.run import RunOptions, run
from prakerja_cli.loadtest import provision
from reference_server import bulkload
from reference_server.launch import free_port, wait_until_up
from reference_server.storage.db import make_engine, upgrade
from simulators.government.launch import running_government
from simulators.population.generator import generate

PG_URL = os.environ.get(
    "PRAKERJA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WORKERS = (1, 2)
HEALTH, SIGN_UP = "GET /health", "POST registration/accounts"
START_TIMEOUT = 600.0  # workers on a fresh schema, on a busy shared machine


@contextmanager
def schema() -> Iterator[str]:
    """A fresh PostgreSQL schema, migrated; dropped afterwards."""
    name = f"bench_wave_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    url = f"{PG_URL}?options=-csearch_path%3D{name}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


@contextmanager
def server(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """``prakerja serve --workers N`` on a free port; stopped on exit."""
    port = free_port()
    command = [
        sys.executable, "-m", "prakerja_cli.main", "serve", "--port", str(port),
        "--workers", str(workers),
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(f"{url}/health", process, timeout=START_TIMEOUT)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(
                f"{exc}; server log:\n{log.read_text(errors='replace')[-3000:]}"
            ) from exc
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_bench(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    """Every measurement; the result, written to ``args.out``."""
    load_before = os.getloadavg()
    secret = Fernet.generate_key().decode()
    reports = args.out.parent / "wave-reports"
    runs: list[dict[str, Any]] = []
    loadtests: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="prakerja-bench-wave-") as folder:
        population = Path(folder) / "people.csv"
        generate(population, args.people, 2020, date.today(), progress=False)
        with population.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        first_row = 0
        with running_government(population) as gov:
            for repeat in range(1, args.repeats + 1):
                for workers in WORKERS:
                    with schema() as url:
                        engine = make_engine(url)
                        bulkload.load_history(engine, rows)
                        engine.dispose()
                        env = {
                            **os.environ, **gov.env(), **LIMITS,
                            "PRAKERJA_DATABASE_URL": url, "PRAKERJA_SECRET_KEY": secret,
                            "PRAKERJA_RATE_PER_ACCOUNT": "1000000",
                        }  # fmt: skip
                        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
                        console.print(f"[dim]repeat {repeat}: {workers} worker(s)…[/]")
                        log = reports / f"server-{workers}-{repeat}.log"
                        log.parent.mkdir(parents=True, exist_ok=True)
                        with server(env, workers, log) as base:
                            for name, attempt in ((HEALTH, health_attempt()), (SIGN_UP, sign_up_attempt())):  # fmt: skip
                                measured = asyncio.run(
                                    measure(base, name, repeat, attempt, args.duration, args.concurrency)
                                )  # fmt: skip
                                runs.append({"workers": workers, **asdict(measured)})
                            if repeat == args.repeats and args.loadtest > 0:
                                figures = _loadtest(args, env, url, base, population, first_row, reports / f"workers-{workers}")  # fmt: skip
                                first_row = int((figures.get("rows") or {}).get("next", first_row))
                                loadtests[workers] = figures
    result = summarise(runs, loadtests, args)
    result["load_average_before"] = [round(x, 2) for x in load_before]
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def _loadtest(
    args: argparse.Namespace,
    env: dict[str, str],
    database_url: str,
    base: str,
    population: Path,
    first_row: int,
    folder: Path,
) -> dict[str, Any]:
    os.environ["PRAKERJA_SECRET_KEY"] = env["PRAKERJA_SECRET_KEY"]
    _, wave = provision(database_url, base, buyers=0, learners=0, wave=True)
    profile = profile_named("wave-opening")
    plan = Plan(
        profile.name, {k.value: v for k, v in profile.mix.items()},
        profile.stages(args.users, args.loadtest), Waits(pace=args.pace),
    )  # fmt: skip
    options = RunOptions(
        base, plan, folder, population=population, first_row=first_row, join=wave is not None,
        workers=args.locust_workers, stop_timeout=5,
    )  # fmt: skip
    return run(options)


def summarise(
    runs: list[dict[str, Any]], loadtests: dict[int, dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    """Medians per (workers, endpoint), the ratios, the scale-out efficiency, the capacity."""
    medians: dict[str, dict[str, float]] = {}
    for workers in WORKERS:
        for endpoint in (HEALTH, SIGN_UP):
            mine = [r for r in runs if r["workers"] == workers and r["endpoint"] == endpoint]
            medians[f"{endpoint} x{workers}"] = {
                key: round(statistics.median(r[key] for r in mine), 2)
                for key in ("rps", "p50_ms", "p99_ms")
            } | {"errors": sum(r["errors"] for r in mine)}
    ratio = {
        f"x{w}": round(medians[f"{SIGN_UP} x{w}"]["rps"] / medians[f"{HEALTH} x{w}"]["rps"], 4)
        for w in WORKERS
    }
    efficiency = {
        endpoint: round(
            medians[f"{endpoint} x2"]["rps"] / (2 * medians[f"{endpoint} x1"]["rps"]), 3
        )
        for endpoint in (HEALTH, SIGN_UP)
    }
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "runs": runs,
        "medians": medians,
        "sign_up_over_health": ratio,
        "scale_out_efficiency_1_to_2": efficiency,
        "loadtests": {
            f"x{w}": {
                k: f.get(k)
                for k in (
                    "requests",
                    "failures",
                    "p50_ms",
                    "p95_ms",
                    "p99_ms",
                    "requests_per_second",
                    "capacity",
                    "funnel",
                    "report",
                )  # fmt: skip
            }
            | {"server_cores_busy": f.get("server", {}).get("cores_busy")}
            for w, f in loadtests.items()
        },
        "note": "2 cores shared by server, government simulators, PostgreSQL, the load "
        "generator and other work on the machine: compare ratios; the capacity figure rests on "
        "server CPU per registration, which the sharing does not change.",
    }


def main(argv: list[str] | None = None) -> None:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n")[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--people", type=int, default=20_000, help="population size")
    parser.add_argument("--users", type=int, default=30, help="load test: peak Locust users")
    parser.add_argument("--loadtest", type=float, default=30.0, help="load test seconds (0: none)")
    parser.add_argument("--pace", type=float, default=0.3, help="load test think-time factor")
    parser.add_argument("--locust-workers", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench-results/wave.json"))
    args = parser.parse_args(argv)
    console = Console()
    result = run_bench(args, console)
    for key, value in result["medians"].items():
        console.print(f"{key:36} {value['rps']:8.1f} req/s  p99 {value['p99_ms']:7.1f} ms")
    console.print(f"sign-up / health: {result['sign_up_over_health']}")
    console.print(f"scale-out efficiency 1→2 workers: {result['scale_out_efficiency_1_to_2']}")
    for key, test in result["loadtests"].items():
        cap = test.get("capacity") or {}
        console.print(
            f"wave opening {key}: {test['requests']} requests, {test['failures']} failed, p99 "
            f"{test['p99_ms']} ms; {cap.get('cpu_per_journey', 0) * 1000:.0f} ms server CPU per "
            f"registration → {cap.get('cores_needed')} cores for {cap.get('peak_per_minute')}/min"
        )
    console.print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
