"""Benchmark: job search and recommendations over N vacancies vs a primary-key lookup of one.

For each database (a temporary SQLite file; PostgreSQL at 127.0.0.1:5432, database ``test``, in a
schema of its own dropped afterwards) the bench writes N realistic vacancies (the job portal
simulators' generator, judged as a push is; written in bulk as the rows the push path stores;
timed and reported, not part of the ratios), then measures, in interleaved rounds, the
median wall time of each search a job seeker makes (``services.vacancies.search``: the query,
the page of 20, the views), a deep page (the 50th, by cursor), and a recommendation
(``ranked_for``: six tier queries and the ranking), each against the same baseline measured
between every two of them: one vacancy fetched by its primary key through the same join and
made into the same view.

The ratio says what a search costs in lookups of one vacancy: indexes on the filters keep it
small however many vacancies there are. Writes ``bench-results/jobs.json`` and prints a table.

Size: the default is 300,000 vacancies (two months of the three portals at their 5,300 a
day): 100 s on this 2-core machine when it is quiet, 7 minutes when it is busy, most of it
writing them. Measured (quiet: load average 7; the baseline 0.28 ms on SQLite, 0.99 ms on
PostgreSQL): a search by place, education, industry, job type or salary 2.7-3.8x it on SQLite
(0.8-1.1 ms) and 1.4-3.3x on PostgreSQL (1.4-3.2 ms); with words 7-33x (1.9-9.3 ms) and 2.6-26x
(2.5-25 ms); the 50th page 3.4x and 4.5x; recommendations 23x (6.4 ms) and 13x (12.6 ms). Before
SQLite walked the newest vacancies for a common word, that search took 1.3 s (1,778x, busy).

Example: python -m benchmarks.jobs                           (300k vacancies, both databases)
         python -m benchmarks.jobs --vacancies 50000 --databases sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from contract.endpoints import Role
from contract.jobs import SearchRequest
from reference_server.domain import vacancies as rules
from reference_server.domain.vacancies import Listing, Seeker
from reference_server.partners import add_partner
from reference_server.runtime import Runtime
from reference_server.services import vacancies
from reference_server.settings import ServerSettings
from reference_server.storage.db import transaction, upgrade
from reference_server.storage.tables import Partner, Vacancy, VacancyTerm
from simulators.jobportal.vacancies import VacancyMaker

PG_URL = os.environ.get(
    "PRAKERJA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BATCH = 5000
UNIQUE = 20_000  # vacancies made one by one; the rest are copies of them
PAGE = 20
DEEP_PAGE = 50
# What job seekers ask; each runs as vacancies.search does for the app.
SEARCHES: dict[str, dict[str, Any]] = {
    "newest": {},
    "province": {"province": "32"},
    "regency": {"regency": "32.73"},
    "small regency": {"regency": "91.05"},
    "education+industry": {"education": "SMA", "industry": "kuliner"},
    "internships": {"job_type": "internship"},
    "salary range": {"salary_min": 5_000_000, "salary_max": 8_000_000},
    "word, common": {"q": "staf"},
    "word, rare": {"q": "penerjemah"},
    "word+province": {"q": "kasir", "province": "35"},
    "all filters": {
        "q": "admin",
        "province": "32",
        "education": "SMA",
        "job_type": "full_time",
        "salary_min": 2_000_000,
    },
}
SEEKER = Seeker(region_code="31.71.01", education=3, industries=frozenset({"teknologi_informasi"}))


@dataclass
class Params:
    vacancies: int = 300_000
    rounds: int = 7
    databases: tuple[str, ...] = ("sqlite", "postgresql")
    out: Path = Path("bench-results/jobs.json")
    seed: int = 11


def parse_args(argv: list[str] | None = None) -> Params:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n")[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--vacancies", type=int, default=Params.vacancies)
    parser.add_argument("--rounds", type=int, default=Params.rounds)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=Params.out)
    parser.add_argument("--seed", type=int, default=Params.seed)
    args = parser.parse_args(argv)
    if args.vacancies < DEEP_PAGE * PAGE or args.rounds < 1:
        parser.error(f"--vacancies must be at least {DEEP_PAGE * PAGE}, --rounds positive")
    databases = tuple(d for d in args.databases.split(",") if d)
    if not databases or not set(databases) <= {"sqlite", "postgresql"}:
        parser.error("--databases: sqlite and/or postgresql")
    return Params(args.vacancies, args.rounds, databases, args.out, args.seed)


class Database:
    """A throw-away database with the schema, and a runtime on it."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self._schema = f"bench_jobs_{secrets.token_hex(4)}"
        if kind == "sqlite":
            self.url = f"sqlite:///{folder / 'jobs.db'}"
        else:
            admin = sa.create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(sa.text(f"CREATE SCHEMA {self._schema}"))
            admin.dispose()
            self.url = f"{PG_URL}?options=-csearch_path%3D{self._schema}"
        settings = ServerSettings(database_url=self.url, secret_key=Fernet.generate_key().decode())
        self.runtime = Runtime(settings)
        upgrade(self.runtime.engine)

    def close(self) -> None:
        self.runtime.close()
        if self.kind == "postgresql":
            admin = sa.create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {self._schema} CASCADE"))
            admin.dispose()


def listings(params: Params) -> list[tuple[int, Listing]]:
    """N listings of three portals posted over the last 30 days (some expired since, as in
    life: search must pass over them): the first ``UNIQUE`` made by the simulators' generator
    and judged as the server judges a push, the rest copies of them under new ids, places and
    times (the generator's mix of filters, at a fraction of its cost)."""
    makers = [
        VacancyMaker(f"{params.seed}:{n}", id_prefix=f"B{n}", apply_base="https://bench.example")
        for n in range(3)
    ]
    rng = random.Random(params.seed)
    now = datetime.now(UTC)
    made: list[tuple[int, Listing]] = []
    for n in range(params.vacancies):
        posted = now - timedelta(seconds=rng.randrange(30 * 86400))
        portal = n % 3
        if n < UNIQUE:
            listing = rules.judge(makers[portal].new(posted).body, posted)
            assert isinstance(listing, Listing), listing
        else:
            source = made[rng.randrange(UNIQUE)][1]
            place = made[rng.randrange(UNIQUE)][1]
            listing = replace(
                source,
                vacancy_id=f"C{n:08d}",
                location_code=place.location_code,
                regency_code=place.regency_code,
                province_code=place.province_code,
                posted_at=posted,
                expires_at=posted + (source.expires_at - source.posted_at),
            )
        made.append((portal, listing))
    return made


def load(db: Database, params: Params, console: Console) -> dict[str, Any]:
    """The listings as rows, in bulk (the rows ``services.vacancies.store`` writes: the same
    columns, hash and search words; ids given, since the database is fresh)."""
    runtime = db.runtime
    with transaction(runtime.sessions) as session:
        portals = [
            add_partner(session, runtime.keys, role=Role.JP, name=f"bench portal {n}")
            for n in range(3)
        ]
    with runtime.sessions() as session:
        ids = [
            session.scalars(select(Partner.id).where(Partner.client_code == p.client_code)).one()
            for p in portals
        ]
    tick = time.perf_counter()
    made = listings(params)
    generating = time.perf_counter() - tick
    now = datetime.now(UTC)
    started = time.perf_counter()
    for done in range(0, len(made), BATCH):
        rows, words = [], []
        for key, (portal, listing) in enumerate(made[done : done + BATCH], start=done + 1):
            rows.append(
                {
                    "id": key,
                    "portal_id": ids[portal],
                    "vacancy_id": listing.vacancy_id,
                    "status": vacancies.OPEN,
                    "source": vacancies.PUSH,
                    "created_at": now,
                    "updated_at": now,
                    **vacancies.columns_of(listing),
                }
            )
            words += [{"term": term, "vacancy_id": key} for term in rules.terms(listing)]
        with transaction(runtime.sessions) as session:
            session.execute(sa.insert(Vacancy), rows)
            session.execute(sa.insert(VacancyTerm), words)
        if done // BATCH % 20 == 0:
            console.print(f"[dim]{db.kind}: {done + len(rows):,} vacancies…[/]")
    written = time.perf_counter() - started
    if db.kind == "postgresql":
        with runtime.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    return {
        "vacancies": params.vacancies,
        "generating_seconds": round(generating, 1),
        "writing_seconds": round(written, 1),
        "rows_per_second": round(params.vacancies / max(written, 1e-9)),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def by_key(runtime: Runtime, key: int) -> Any:
    """The baseline: one vacancy by primary key, with its portal, as a view (read as search
    reads: ``runtime.reads``)."""
    with runtime.reads() as session:
        row, code, name = session.execute(vacancies.with_portal().where(Vacancy.id == key)).one()
        return vacancies.view(row, code, name)


def operations(db: Database, params: Params) -> dict[str, Callable[[], Any]]:
    """Every measured call, by name."""
    runtime = db.runtime
    cursor = None
    for _ in range(DEEP_PAGE - 1):
        cursor = vacancies.search(runtime, SearchRequest(limit=PAGE, cursor=cursor)).next_cursor
    assert cursor is not None

    def searching(filters: dict[str, Any]) -> Callable[[], Any]:
        request = SearchRequest.model_validate({**filters, "limit": PAGE})
        return lambda: vacancies.search(runtime, request)

    def recommending() -> Any:
        with runtime.reads() as session:
            return vacancies.ranked_for(session, SEEKER, 10, datetime.now(UTC))

    found: dict[str, Callable[[], Any]] = {
        name: searching(filters) for name, filters in SEARCHES.items()
    }
    deep = SearchRequest(limit=PAGE, cursor=cursor)
    found[f"page {DEEP_PAGE}"] = lambda: vacancies.search(runtime, deep)
    found["recommendations"] = recommending
    return found


def measure(db: Database, params: Params, console: Console) -> dict[str, Any]:
    """Interleaved rounds: baseline, an operation, baseline, the next operation…"""
    ops = operations(db, params)
    rng = random.Random(params.seed)
    with db.runtime.sessions() as session:
        low, high = session.execute(
            sa.select(sa.func.min(Vacancy.id), sa.func.max(Vacancy.id))
        ).one()
    samples: dict[str, list[float]] = {name: [] for name in ops}
    baseline: list[float] = []
    found: dict[str, int] = {}
    for op in ops.values():  # warm up: caches, the planner, connections
        op()
    for round_ in range(1, params.rounds + 1):
        order = list(ops)
        rng.shuffle(order)
        for name in order:
            seconds, _ = timed(lambda: by_key(db.runtime, rng.randint(low, high)))  # noqa: B023
            baseline.append(seconds)
            seconds, result = timed(ops[name])
            samples[name].append(seconds)
            size = len(result) if isinstance(result, list) else len(result.vacancies)
            found[name] = size
        console.print(f"[dim]{db.kind}: round {round_} done[/]")
    base = statistics.median(baseline)
    return {
        "baseline_ms": round(base * 1000, 3),
        "operations": {
            name: {
                "median_ms": round(statistics.median(times) * 1000, 3),
                "ratio": round(statistics.median(times) / base, 2),
                "returned": found[name],
            }
            for name, times in samples.items()
        },
    }


def run_bench(params: Params, console: Console | None = None) -> dict[str, Any]:
    """Everything, written to ``params.out``; returns the result."""
    console = console or Console()
    started = time.perf_counter()
    per_db: dict[str, Any] = {}
    for kind in params.databases:
        with tempfile.TemporaryDirectory(prefix="prakerja-bench-jobs-") as folder:
            db = Database(kind, Path(folder))
            try:
                console.print(f"[dim]{kind}: taking in {params.vacancies:,} vacancies…[/]")
                loaded = load(db, params, console)
                per_db[kind] = {"load": loaded, **measure(db, params, console)}
            finally:
                db.close()
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "parameters": {**asdict(params), "out": str(params.out), "page": PAGE},
        "databases": per_db,
        "total_seconds": round(time.perf_counter() - started, 1),
        "note": (
            "ratio = median time of the operation / median time of the baseline, both measured "
            "in the same interleaved rounds: one vacancy by primary key, joined to its portal, "
            "made into a view. Searches return a page of 20 as the API does. Loading is "
            "in bulk (the rows services.vacancies.store writes) and is not part of any ratio."
        ),
    }
    params.out.parent.mkdir(parents=True, exist_ok=True)
    params.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def table(result: dict[str, Any]) -> Table:
    """The result as a table: one row per operation, a column pair per database."""
    kinds = list(result["databases"])
    out = Table(
        "operation",
        *(f"{kind} ms" for kind in kinds),
        *(f"{kind} ratio" for kind in kinds),
        title=f"Job search over {result['parameters']['vacancies']:,} vacancies vs one by key",
    )
    first = result["databases"][kinds[0]]["operations"]
    out.add_row(
        "baseline: one by key",
        *(f"{result['databases'][k]['baseline_ms']:.2f}" for k in kinds),
        *("1.00×" for _ in kinds),
    )
    for name in first:
        out.add_row(
            name,
            *(f"{result['databases'][k]['operations'][name]['median_ms']:.2f}" for k in kinds),
            *(f"{result['databases'][k]['operations'][name]['ratio']:.2f}×" for k in kinds),
        )
    return out


def main(argv: list[str] | None = None) -> None:
    params = parse_args(argv)
    console = Console()
    result = run_bench(params, console)
    console.print(table(result))
    for kind, data in result["databases"].items():
        load_ = data["load"]
        console.print(
            f"{kind}: wrote {load_['vacancies']:,} vacancies in {load_['writing_seconds']} s "
            f"({load_['rows_per_second']:,}/s)"
        )
    console.print(f"total {result['total_seconds']} s; written to {params.out}")


if __name__ == "__main__":
    main()
