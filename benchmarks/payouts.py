"""Benchmark: payments settled per second for a batch, with the six payment-partner simulators at
their default latency and failure profiles, as a ratio to the same batch against zero-latency
simulators that never fail.

Each run starts from a fresh database with the batch due (``benchmarks.payout_cluster``: card
holders with linked accounts, their schedules due, the partners holding the accounts), starts the
server as shipped (its in-process worker, default settings) and the six simulators (default
profiles, or ``ZERO_LATENCY``), asks for the due run over the admin API, and measures the wall
time until every payment is recorded as paid; settled/s = batch / that time. Runs alternate
(zero-latency, default, zero-latency, …) and the medians of the repeats are compared, so a
machine busy with other work shifts both sides alike. The server's CPU time per payment is
recorded too. Writes ``bench-results/payouts.json`` and prints a table.

What the ratio says: how much of the throughput the partners' real latency and failures cost
with the shipped concurrency (per-partner limit 8, 4 worker threads, 5 s call timeout). A
ratio near 1 would mean the server, not the partners, is the bottleneck.

Example: python -m benchmarks.payouts                    (2,000 payments, 3 repeats, SQLite)
         python -m benchmarks.payouts --payments 10000 --database postgres
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from benchmarks.payout_cluster import payout_cluster, wait_settled
from simulators.payment.partners import PARTNERS, ZERO_LATENCY, adjust

PG_URL = os.environ.get(
    "PRAKERJA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
VARIANTS = ("zero-latency", "default")


@dataclass
class Params:
    payments: int = 2_000  # a multiple of 4 (semi-bansos: four payments per card holder)
    repeats: int = 3
    database: str = "sqlite"
    out: Path = Path("bench-results/payouts.json")


@dataclass
class Run:
    variant: str
    seconds: float
    settled_per_s: float
    server_cpu_ms_per_payment: float


@dataclass
class Result:
    params: dict[str, Any]
    runs: list[Run] = field(default_factory=list)
    medians: dict[str, float] = field(default_factory=dict)
    ratio: float = 0.0


def parse_args(argv: list[str] | None = None) -> Params:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n")[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--payments", type=int, default=Params.payments)
    parser.add_argument("--repeats", type=int, default=Params.repeats)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default=Params.database)
    parser.add_argument("--out", type=Path, default=Params.out)
    args = parser.parse_args(argv)
    if args.payments < 4 or args.payments % 4 or args.repeats < 1:
        parser.error("--payments must be a positive multiple of 4, --repeats positive")
    return Params(args.payments, args.repeats, args.database, args.out)


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A SQLite file, or a PostgreSQL schema of its own dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'payouts-{secrets.token_hex(3)}.db'}"
        return
    schema = f"bench_payouts_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(params: Params, variant: str, folder: Path) -> Run:
    """One batch from due to settled against the variant's simulators."""
    every = ZERO_LATENCY if variant == "zero-latency" else {}
    specs = adjust(PARTNERS, every=every)
    logs = folder / f"logs-{variant}-{secrets.token_hex(2)}"
    logs.mkdir()
    with (
        fresh_database(params.database, folder) as url,
        payout_cluster(url, logs, payments=params.payments, specs=specs, workers=0) as (
            cluster,
            seeded,
        ),
    ):
        cluster.start()
        server = cluster.processes[0].pid
        cpu_before = _cpu_seconds(server)
        started = time.monotonic()
        cluster.run_due()
        wait_settled(cluster, seeded, timeout=max(600.0, params.payments / 5))
        seconds = time.monotonic() - started
        cpu = _cpu_seconds(server) - cpu_before
    return Run(variant, seconds, params.payments / seconds, 1000 * cpu / params.payments)


def run(params: Params) -> Result:
    """Interleaved repeats of both variants; medians and their ratio."""
    result = Result({**asdict(params), "out": str(params.out)})
    with tempfile.TemporaryDirectory(prefix="prakerja-bench-payouts-") as tmp:
        for _ in range(params.repeats):
            for variant in VARIANTS:
                result.runs.append(one_run(params, variant, Path(tmp)))
    for variant in VARIANTS:
        result.medians[variant] = statistics.median(
            r.settled_per_s for r in result.runs if r.variant == variant
        )
    result.ratio = result.medians["default"] / result.medians["zero-latency"]
    return result


def write(result: Result, out: Path) -> None:
    """The result as JSON under bench-results/."""
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "payouts",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        **asdict(result),
    }
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Run, print, write."""
    params = parse_args(argv)
    console = Console()
    console.print(
        f"Payouts bench: {params.payments} payments, {params.repeats} repeats, {params.database}"
    )
    result = run(params)
    table = Table("variant", "median settled/s", "runs (settled/s)", "server CPU ms/payment")
    for variant in VARIANTS:
        runs = [r for r in result.runs if r.variant == variant]
        table.add_row(
            variant,
            f"{result.medians[variant]:.1f}",
            ", ".join(f"{r.settled_per_s:.1f}" for r in runs),
            f"{statistics.median(r.server_cpu_ms_per_payment for r in runs):.1f}",
        )
    console.print(table)
    console.print(f"default / zero-latency: [bold]{result.ratio:.2f}×[/]")
    write(result, params.out)
    console.print(f"Wrote {params.out}")


if __name__ == "__main__":
    main()
