"""``prakerja up``: the whole sandbox on one machine, with nothing to install but this package.

The reference server on its embedded default (SQLite), the government sources it verifies
applicants against, the partners' simulators, a synthetic population to register and the
programme's history from it, credentials and fixtures seeded; a table of URLs and credentials;
Ctrl-C stops everything cleanly. The wiring is ``prakerja_cli/sandbox.py``.
"""

from __future__ import annotations

import signal
import threading
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from prakerja_cli.sandbox import (
    GOVERNMENT_PORTS,
    SANDBOX_PASSWORD_COST,
    Plan,
    Started,
    ensure_population,
    running_sandbox,
)
from reference_server import cli as server_cli
from simulators.wave.ecosystem import STATE_FILE

console = Console()

DEFAULT_PEOPLE = 100_000
DEFAULT_SEED = 2020


def _table(started: Started) -> Table:
    # URLs and client codes are copied from here: never cut short (an 80-column terminal folds
    # the role instead).
    table = Table(title="Prakerja sandbox", box=box.SIMPLE_HEAD, pad_edge=False)
    widest = [max((len(row[n]) for row in started.rows), default=0) for n in range(4)]
    table.add_column("role", overflow="fold")
    table.add_column("name", no_wrap=True, min_width=widest[1])
    table.add_column("URL", no_wrap=True, min_width=widest[2])
    table.add_column("client_code", no_wrap=True, min_width=widest[3])
    for role, name, url, code in started.rows:
        table.add_row(role, name, url, code)
    return table


def _wait_for_interrupt() -> None:
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def up(
    port: server_cli.Port = 8000,
    host: server_cli.Host = "127.0.0.1",
    database_url: server_cli.DatabaseUrl = None,
    population: Annotated[
        Path,
        typer.Option(
            "--population",
            envvar="PRAKERJA_POPULATION",
            help="Population CSV the simulators answer from (generated if missing).",
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
    free_ports: Annotated[
        bool,
        typer.Option(
            "--free-ports", help="Put every simulator on a free port (the server keeps --port)."
        ),
    ] = False,
    password_cost: Annotated[
        int,
        typer.Option(
            min=10,
            max=20,
            help="log2 of scrypt's N for applicants' passwords. The sandbox holds synthetic "
            "people only, so it uses 10 to let simulated waves of tens of thousands run; 14 is "
            "the production cost.",
        ),
    ] = SANDBOX_PASSWORD_COST,
) -> None:
    """Run the whole sandbox here: the reference server, the government sources, the partners'
    simulators, and a synthetic population to register. Ctrl-C stops it.

    Writes prakerja-sandbox.json (URLs and credentials, for `prakerja simulate`) while it runs.

    Example: prakerja up --port 8000
    """
    plan = Plan(
        folder=Path.cwd(),
        port=port,
        host=host,
        database_url=database_url,
        population=population,
        people=people,
        seed=seed,
        free_ports=free_ports,
        government_ports=(0, 0, 0) if free_ports else government_ports,
        password_cost=password_cost,
    )
    file, made = ensure_population(plan)
    if made:
        console.print(f"Generated {people:,} synthetic people (seed {seed}) into {file}.")
    with ExitStack() as stack:
        with console.status("Starting the server and the simulators…"):
            sandbox = stack.enter_context(running_sandbox(plan))
        console.print(_table(sandbox))
        for note in sandbox.notes:
            console.print(note)
        console.print(
            f"Programme office: [bold]export PRAKERJA_CLIENT_CODE={sandbox.pmo.client_code} "
            f"PRAKERJA_SIGN_KEY={sandbox.pmo.sign_key}[/]  (for prakerja waves …)\n"
            f"State for scripts: {STATE_FILE}.  Next, in another terminal: "
            "[bold]prakerja simulate --people 1000[/]   Stop with Ctrl-C."
        )
        _wait_for_interrupt()
    console.print("Stopped.")
