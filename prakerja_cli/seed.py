"""``prakerja seed``: tens of millions of applicants in the sandbox's database, for load tests.

The people are the synthetic population's (``simulators.population``, every one eligible: a
seeded table of realistic NIKs, families, regions and ages), streamed from a CSV it writes or
one you give, and loaded by the server's bulk loader (``reference_server.bulkload``: COPY into
a staging table and chained ``INSERT … RETURNING`` on PostgreSQL, batched ``INSERT … SELECT`` on
SQLite) as applicants JOINED to one closed wave: an account, an applicant and a joiner each. So
lotteries and status queries can be measured at the real table size; the seed then times a draw
over its joiners. Idempotent: a NIK already a joiner of the wave is skipped, so an interrupted
seed is finished by running it again.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from reference_server import cli as server_cli

console = Console(stderr=True)
CHUNK = 200_000
DEFAULT_WAVE = "SEED"


def seed(
    people: Annotated[int, typer.Option("--people", min=1, help="Applicants to load.")],
    wave: Annotated[str, typer.Option(help="The closed wave they join (made if missing).")] = (
        DEFAULT_WAVE
    ),
    population: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Load the first PEOPLE rows of this population CSV instead of generating.",
        ),
    ] = None,
    population_seed: Annotated[
        int, typer.Option("--seed", help="Seed of the generated people.")
    ] = (2020),
    draw: Annotated[bool, typer.Option(help="Time a draw over the wave's joiners after.")] = True,
    database_url: server_cli.DatabaseUrl = None,
    as_json: server_cli.AsJson = False,
) -> None:
    """Bulk-load PEOPLE eligible applicants joined to a closed wave, with progress; time a draw.

    Example: prakerja seed --people 20000000 --database-url postgresql+psycopg://postgres@127.0.0.1/test
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="prakerja-seed-") as folder:
        source = population or Path(folder) / "people.csv"
        generated = None
        if population is None:
            from simulators.population.generator import generate

            console.print(f"Generating {people:,} eligible people (seed {population_seed}) …")
            began = time.perf_counter()
            generate(source, people, population_seed, date.today(), bad_share=0.0, progress=None)
            generated = time.perf_counter() - began
        result = load(database_url, source, people, wave, draw=draw)
    result["generate_seconds"] = None if generated is None else round(generated, 1)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    console.print(
        f"[green]Seeded[/] {result['written']:,} joiners of wave {wave} in "
        f"{result['load_seconds']:,.0f} s ({result['rows_per_second']:,.0f} rows/s); "
        f"{result['skipped']:,} already there."
    )
    if result.get("draw_seconds") is not None:
        console.print(
            f"A draw over {result['joiners']:,} joiners took {result['draw_seconds']:.1f} s "
            f"({result['quota']:,} winners, not applied)."
        )


def load(
    database_url: str | None, source: Path, people: int, wave_code: str, *, draw: bool
) -> dict[str, Any]:
    """Load the first ``people`` rows of ``source`` into ``wave_code``; time a draw if asked."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from reference_server import bulkload
    from reference_server import draw as drawing
    from reference_server.domain import lottery
    from reference_server.storage.tables import Wave

    runtime = server_cli._runtime(database_url)
    engine = runtime.engine
    try:
        now = datetime.now(UTC)
        with Session(engine) as session, session.begin():
            wave = session.scalar(sa.select(Wave).where(Wave.wave_code == wave_code))
            if wave is None:
                wave = Wave(
                    wave_code=wave_code,
                    quota=max(1, people // 10),
                    scheme="normal",
                    opens_at=now - timedelta(days=2),
                    closes_at=now - timedelta(days=1),
                )
                session.add(wave)
                session.flush()
            wave_id, quota = wave.id, wave.quota
        rows = _first(bulkload.read_population(source), people)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("loading applicants", total=people)
            report = bulkload.load_joiners(
                engine,
                wave_code,
                rows,
                chunk=CHUNK,
                progress=lambda read, _written: bar.update(task, completed=read),
            )
        began = time.perf_counter()
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:  # fresh statistics for the draw and status queries
                conn.execute(sa.text("ANALYZE accounts, applicants, wave_joiners"))
                conn.commit()
        analyzed = time.perf_counter() - began
        result: dict[str, Any] = {
            "database": engine.dialect.name,
            "wave": wave_code,
            "rows": report.rows,
            "written": report.written,
            "skipped": report.skipped,
            "load_seconds": round(report.seconds, 1),
            "analyze_seconds": round(analyzed, 1),
            "rows_per_second": round(report.rows_per_second),
        }
        with Session(engine) as session:
            result["joiners"] = drawing.eligible_count(session, wave_id)
        if draw:
            began = time.perf_counter()
            with Session(engine) as session, session.begin():
                winners = drawing.select_winners(session, wave_id, lottery.new_seed(), quota)
            result["draw_seconds"] = round(time.perf_counter() - began, 2)
            result["quota"] = len(winners)
        return result
    finally:
        runtime.close()


def _first(rows: Iterator[dict[str, str]], count: int) -> Iterator[dict[str, str]]:
    """The first ``count`` rows."""
    return itertools.islice(rows, count)
