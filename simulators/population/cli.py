"""``prakerja population``: generate a synthetic population file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from contract.population import Case
from simulators.population.generator import generate
from simulators.population.plan import DEFAULT_BAD_SHARE, PlanError

app = typer.Typer(
    name="population",
    help="Synthetic applicants: seeded, reproducible, with the ground truth of every case.",
    no_args_is_help=True,
)


@app.callback()
def population() -> None:
    """Synthetic applicants: seeded, reproducible, with the ground truth of every case."""


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise typer.BadParameter("must be a date YYYY-MM-DD") from exc


def _shares(values: list[str]) -> dict[Case, float]:
    shares: dict[Case, float] = {}
    for value in values:
        name, _, share = value.partition("=")
        try:
            shares[Case(name.strip().upper())] = float(share)
        except ValueError as exc:
            cases = ", ".join(c.value for c in Case if c is not Case.ELIGIBLE)
            raise typer.BadParameter(
                f"{value!r}: expected CASE=SHARE, CASE one of {cases}", param_hint="--case"
            ) from exc
    return shares


@app.command("generate")
def generate_command(
    count: int = typer.Option(..., "--count", min=1, help="people to generate"),
    seed: int = typer.Option(..., "--seed", help="same seed, same file"),
    out: Path = typer.Option(..., "--out", help="CSV file to write", dir_okay=False),
    as_of: str | None = typer.Option(
        None, "--as-of", help="day ages are counted on, YYYY-MM-DD (default: today)"
    ),
    bad_share: float = typer.Option(
        DEFAULT_BAD_SHARE,
        "--bad-share",
        help="share of people with a reason to be refused, spread evenly over every case",
    ),
    case_shares: list[str] = typer.Option(
        [],
        "--case",
        help="CASE=SHARE: this case's share of all people, taken from the bad share (repeatable)",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar, no summary"),
) -> None:
    """Write COUNT people to OUT and print the case counts (the ground truth).

    Example: prakerja population generate --count 100000 --seed 1 --out people.csv --as-of 2021-03-01
    """
    day = _as_of(as_of)
    shares = _shares(case_shares)
    try:
        summary = generate(
            out, count, seed, day, bad_share, shares, progress=None if not quiet else False
        )
    except PlanError as exc:
        raise typer.BadParameter(str(exc), param_hint="--count/--bad-share") from exc
    if quiet:
        return
    table = Table("case", "people", title=f"{summary.count:,} people written to {out}")
    for case in Case:
        table.add_row(case.value, f"{summary.counts[case]:,}")
    console = Console()
    console.print(table)
    console.print(
        f"{summary.count:,} rows in {summary.seconds:.2f} s ({summary.rate:,.0f} people/s), "
        f"seed {seed}, ages on {day.isoformat()}"
    )
