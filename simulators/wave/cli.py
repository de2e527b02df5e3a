"""``prakerja simulate``: a whole wave through a running sandbox, with its funnel."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from simulators.wave.driver import Settings
from simulators.wave.ecosystem import STATE_FILE, Ecosystem
from simulators.wave.http import SimulationError
from simulators.wave.report import print_funnel, write_reports
from simulators.wave.run import simulate as run_simulation

console = Console()


def simulate(
    people: Annotated[int, typer.Option(min=1, help="People to walk through the wave.")] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed, same people, choices and draw.")] = 7,
    scheme: Annotated[
        str, typer.Option(help="The wave's scheme: semi_bansos or normal.")
    ] = "semi_bansos",
    quota: Annotated[
        int | None, typer.Option(min=1, help="Winners to draw (default: 40% of the people).")
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=512, help="People in flight at once.")
    ] = 48,
    state: Annotated[
        Path,
        typer.Option(
            "--state",
            envvar="PRAKERJA_STATE",
            help="The state file `prakerja up` wrote (URLs, credentials, population).",
        ),
    ] = Path(STATE_FILE),
    report_dir: Annotated[Path, typer.Option(help="Where funnel.html and funnel.json go.")] = Path(
        "simulation-report"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the funnel as JSON.")] = False,
) -> None:
    """Drive a whole wave through the running sandbox over HTTP and report its funnel.

    Register, verify, join, draw, buy on a digital platform, learn at a training provider,
    finish, review, link an account and get paid; a progress bar per stage, then the funnel
    table, the rules checked, and an HTML report with the funnel chart. Exits 1 if a rule failed.

    Example: prakerja up  (in one terminal), then: prakerja simulate --people 20000 --seed 7
    """
    try:
        ecosystem = Ecosystem.load(state)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--state") from None
    settings = Settings(
        people=people, seed=seed, scheme=scheme, quota=quota, concurrency=concurrency
    )
    columns = (
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console, disable=as_json) as progress:
            # Output to a file or a CI log draws no bars: a line per stage instead.
            announce = None if console.is_terminal or as_json else console.print
            funnel = asyncio.run(run_simulation(ecosystem, settings, progress, announce))
    except SimulationError as exc:
        console.print(f"[red]The simulation stopped:[/] {exc}")
        raise typer.Exit(2) from None
    written = write_reports(funnel, report_dir)
    if as_json:
        typer.echo(json.dumps(funnel.as_dict()))
    else:
        print_funnel(funnel, console)
        console.print(f"Report: {written['html']}  (and {written['json']})")
    if not funnel.ok:
        raise typer.Exit(1)
