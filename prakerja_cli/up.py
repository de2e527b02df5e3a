"""``prakerja up``: the whole sandbox on one machine, with nothing to install but this package.

The reference server on its embedded default (SQLite), the government sources it verifies
applicants against (Dukcapil, DTKS, biometrics simulators) answering from a synthetic population,
and the programme's history from that population (earlier and revoked beneficiaries) loaded into
the database. The population file is generated on first start (seeded, so every newcomer gets
the same people) and kept beside the database; registering one of its people walks the whole
journey. Partner simulators join here as their issues land.
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from reference_server import bulkload
from reference_server import cli as server_cli
from simulators.government.launch import running_government
from simulators.population.generator import generate

console = Console()

DEFAULT_PEOPLE = 10_000
DEFAULT_SEED = 2020
GOVERNMENT_PORTS = (8101, 8102, 8103)


def _population(path: Path, people: int, seed: int) -> Path:
    if path.exists():
        return path
    console.print(f"Generating {people:,} synthetic people (seed {seed}) into {path} …")
    generate(path, people, seed, date.today())
    return path


def _load_history(database_url: str | None, population: Path) -> int:
    runtime = server_cli._runtime(database_url)  # migrated and seeded
    try:
        with population.open(encoding="utf-8", newline="") as handle:
            report = bulkload.load_history(runtime.engine, csv.DictReader(handle))
    finally:
        runtime.close()
    return report.written


def up(
    port: server_cli.Port = 8000,
    host: server_cli.Host = "127.0.0.1",
    database_url: server_cli.DatabaseUrl = None,
    population: Annotated[
        Path,
        typer.Option(
            "--population",
            envvar="PRAKERJA_POPULATION",
            help="Population CSV the government simulators answer from (generated if missing).",
            dir_okay=False,
        ),
    ] = Path("prakerja-population.csv"),
    people: Annotated[
        int, typer.Option("--people", min=100, help="People to generate when the file is missing.")
    ] = DEFAULT_PEOPLE,
    seed: Annotated[int, typer.Option("--seed", help="Seed of a generated population.")] = (
        DEFAULT_SEED
    ),
    government_ports: Annotated[
        tuple[int, int, int],
        typer.Option(
            "--government-ports",
            help="Ports of the Dukcapil, DTKS and biometrics simulators (0: any free port).",
        ),
    ] = GOVERNMENT_PORTS,
) -> None:
    """Run the whole sandbox here: the reference server, the government sources it checks
    applicants against, and a synthetic population to register.

    Example: prakerja up --port 8000
    """
    file = _population(population, people, seed)
    loaded = _load_history(database_url, file)
    if loaded:
        console.print(f"Loaded the history of {loaded:,} earlier beneficiaries from {file}.")
    with running_government(file, host="127.0.0.1", ports=government_ports) as sources:
        os.environ.update(sources.env())
        console.print(
            f"Government sources: Dukcapil {sources.dukcapil}, DTKS {sources.dtks}, "
            f"biometrics {sources.biometrics} (people from {file})."
        )
        server_cli.serve(
            port=port, host=host, database_url=database_url, workers=1, log_level="warning"
        )
