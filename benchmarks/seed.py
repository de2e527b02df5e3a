"""Benchmark: ``prakerja seed`` (applicants into the real tables) vs a raw COPY of the same rows.

One population file of N eligible people is generated (timed apart). Then, in interleaved
repeats, each in a fresh PostgreSQL schema of its own (127.0.0.1:5432, database ``test``):

- the baseline: the same rows read the same way (``bulkload.read_population``, the loader's own
  staging of each row) and COPYed into one plain table with no key, index or constraint;
- the seed: ``prakerja seed``'s load (``prakerja_cli.seed.load``: accounts, applicants and
  joiners through the bulk loader, then ANALYZE), without the schema's migration before it and
  the draw after it.

The ratio of the medians is the price of the real schema (three tables, their keys, indexes and
foreign keys) over moving the bytes. After the last seed, the draw over its joiners is timed
once. Writes ``bench-results/seed.json``.

Example: python -m benchmarks.seed --people 1000000
         python -m benchmarks.seed --people 20000000 --repeats 1    (the issue's figure)
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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet
from rich.console import Console

from prakerja_cli import seed as seeding
from reference_server import bulkload
from reference_server.storage.db import make_engine
from simulators.population.generator import generate

PG_URL = os.environ.get(
    "PRAKERJA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
RAW = "raw_people"


def _schema() -> tuple[str, str]:
    name = f"bench_seed_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    admin.dispose()
    return name, f"{PG_URL}?options=-csearch_path%3D{name}"


def _drop(name: str) -> None:
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()


def raw_copy(url: str, source: Path, people: int) -> float:
    """Seconds to COPY the loader's staged columns of ``people`` rows into a bare table."""
    engine = make_engine(url)
    columns = ", ".join(bulkload.STAGE_COLUMNS)
    started = time.perf_counter()
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    f"CREATE TABLE {RAW} (nik varchar(16), kk varchar(16), name varchar(100),"
                    " birth_date date, sex varchar(1), region_code varchar(8),"
                    " education varchar(3))"
                )
            )
            cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {RAW} ({columns}) FROM STDIN") as copy:
                for n, row in enumerate(bulkload.read_population(source)):
                    if n >= people:
                        break
                    copy.write_row(bulkload.stage_row(row))
            cursor.close()
        return time.perf_counter() - started
    finally:
        engine.dispose()


def run_bench(people: int, repeats: int, out: Path, console: Console) -> dict[str, Any]:
    """Everything, written to ``out``."""
    os.environ.setdefault("PRAKERJA_SECRET_KEY", Fernet.generate_key().decode())  # PostgreSQL
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="prakerja-bench-seed-") as folder:
        source = Path(folder) / "people.csv"
        console.print(f"[dim]generating {people:,} people…[/]")
        began = time.perf_counter()
        generate(source, people, 2020, date.today(), bad_share=0.0, progress=False)
        generated = time.perf_counter() - began
        runs: list[dict[str, Any]] = []
        last: dict[str, Any] = {}
        for repeat in range(1, repeats + 1):
            name, url = _schema()
            try:
                seconds = raw_copy(url, source, people)
            finally:
                _drop(name)
            runs.append({"what": "raw COPY", "repeat": repeat, "seconds": round(seconds, 2)})
            console.print(f"[dim]repeat {repeat}: raw COPY {seconds:.1f} s[/]")
            name, url = _schema()
            try:
                last = seeding.load(url, source, people, "BENCH-SEED", draw=repeat == repeats)
                seconds = float(last["load_seconds"]) + float(last["analyze_seconds"])
            finally:
                _drop(name)
            runs.append({"what": "seed", "repeat": repeat, "seconds": round(seconds, 2)})
            console.print(f"[dim]repeat {repeat}: seed {seconds:.1f} s[/]")
    medians = {
        what: statistics.median(r["seconds"] for r in runs if r["what"] == what)
        for what in ("raw COPY", "seed")
    }
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "people": people,
        "repeats": repeats,
        "generate_seconds": round(generated, 1),
        "runs": runs,
        "medians": medians,
        "ratio_seed_to_raw_copy": round(medians["seed"] / medians["raw COPY"], 2),
        "seed_rows_per_second": round(people / medians["seed"]),
        "raw_copy_rows_per_second": round(people / medians["raw COPY"]),
        "draw_seconds": last.get("draw_seconds"),
        "draw_joiners": last.get("joiners"),
        "draw_winners": last.get("quota"),
        "note": "PostgreSQL on the same 2-core machine, shared with other work; the seed and its "
        "baseline read the same file the same way, so compare the ratio.",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> None:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n")[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-results/seed.json"))
    args = parser.parse_args(argv)
    if args.people < 1 or args.repeats < 1:
        parser.error("--people and --repeats must be positive")
    console = Console()
    result = run_bench(args.people, args.repeats, args.out, console)
    console.print(
        f"{args.people:,} applicants: seed {result['medians']['seed']:.1f} s, raw COPY "
        f"{result['medians']['raw COPY']:.1f} s: [bold]{result['ratio_seed_to_raw_copy']}×[/]; "
        f"draw over {result['draw_joiners']:,} joiners {result['draw_seconds']} s. "
        f"Written to {args.out}"
    )


if __name__ == "__main__":
    main()
