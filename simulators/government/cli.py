"""``prakerja government``: run the Dukcapil, DTKS and biometrics simulators from a population."""

from __future__ import annotations

import dataclasses
import time
import types
import typing
from pathlib import Path
from typing import Annotated, Any

import typer

from simulators.framework.behaviour import Profile
from simulators.government.launch import DEFAULT_PORTS, GovernmentUrls, serve_government
from simulators.government.registry import PopulationFileError, Registry

SOURCES = ("dukcapil", "dtks", "biometrics")

app = typer.Typer(
    name="government",
    help="Government source simulators: Dukcapil, DTKS, biometrics.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main() -> None:
    """Government source simulators (Dukcapil, DTKS, biometrics) answering from a population."""


def _convert(hint: Any, text: str) -> Any:
    """``text`` as a value of the type ``hint`` (float, int, or either or None)."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if text.strip().lower() == "none" and type(None) in options:
        return None
    base = next(option for option in options if option is not type(None))
    return base(text)


def apply_overrides(profiles: dict[str, Profile], assignments: list[str]) -> dict[str, Profile]:
    """Apply ``SOURCE.FIELD=VALUE`` assignments (``dukcapil.error_rate=0.3``) to the profiles."""
    hints = typing.get_type_hints(Profile)
    changes: dict[str, dict[str, Any]] = {source: {} for source in profiles}
    for assignment in assignments:
        target, _, text = assignment.partition("=")
        source, _, field = target.strip().partition(".")
        if source not in profiles or field not in hints or not _:
            raise typer.BadParameter(
                f"{assignment!r}: expected SOURCE.FIELD=VALUE with SOURCE one of "
                f"{', '.join(profiles)} and FIELD one of {', '.join(hints)}",
                param_hint="--set",
            )
        try:
            changes[source][field] = _convert(hints[field], text)
        except ValueError as exc:
            raise typer.BadParameter(f"{assignment!r}: {exc}", param_hint="--set") from exc
    try:
        return {
            source: dataclasses.replace(profile, **changes[source])
            for source, profile in profiles.items()
        }
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--set") from exc


def _announce(urls: GovernmentUrls) -> None:
    typer.echo(f"Dukcapil    {urls.dukcapil}")
    typer.echo(f"DTKS        {urls.dtks}")
    typer.echo(f"Biometrics  {urls.biometrics}")
    typer.echo("Point the reference server at them:")
    for name, value in urls.env().items():
        typer.echo(f"  export {name}={value}")
    typer.echo("Ctrl-C stops them.")


@app.command()
def serve(
    population: Annotated[
        Path,
        typer.Option(
            "--population", exists=True, dir_okay=False, help="Population CSV file to answer from."
        ),
    ],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    dukcapil_port: Annotated[int, typer.Option(help="Dukcapil port (0: any free).")] = (
        DEFAULT_PORTS[0]
    ),
    dtks_port: Annotated[int, typer.Option(help="DTKS port (0: any free).")] = DEFAULT_PORTS[1],
    biometrics_port: Annotated[int, typer.Option(help="Biometrics port (0: any free).")] = (
        DEFAULT_PORTS[2]
    ),
    error_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of calls answered 503.")
    ] = 0.0,
    timeout_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of calls that hang, then 504.")
    ] = 0.0,
    latency_ms: Annotated[float, typer.Option(min=0.0, help="Median answer delay (ms).")] = 0.0,
    latency_p99_ms: Annotated[
        float | None,
        typer.Option(min=0.0, help="99th-percentile delay (ms): log-normal latency; unset: fixed."),
    ] = None,
    hang_seconds: Annotated[
        float, typer.Option(min=0.0, help="How long a timing-out call hangs before its 504.")
    ] = 30.0,
    slow_ms: Annotated[
        float, typer.Option(min=0.0, help="Delay of a call sent with X-Simulate: slow (ms).")
    ] = 1000.0,
    seed: Annotated[int | None, typer.Option(help="Seed for repeatable failures.")] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Per-source profile field, repeatable: --set dukcapil.error_rate=0.3",
        ),
    ] = None,
) -> None:
    """Serve Dukcapil, DTKS and biometrics from a population file until interrupted.

    The profile flags apply to all three sources; --set changes one field of one source.

    Example: prakerja government serve --population people.csv --set dukcapil.error_rate=0.3 --set dukcapil.timeout_rate=0.1 --hang-seconds 10
    """
    try:
        common = Profile(
            latency_ms=latency_ms,
            latency_p99_ms=latency_p99_ms,
            error_rate=error_rate,
            timeout_rate=timeout_rate,
            hang_seconds=hang_seconds,
            slow_ms=slow_ms,
            seed=seed,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    profiles = apply_overrides(dict.fromkeys(SOURCES, common), overrides or [])
    started = time.monotonic()
    try:
        registry = Registry.load(population)
    except PopulationFileError as exc:
        raise typer.BadParameter(str(exc), param_hint="--population") from exc
    typer.echo(
        f"Loaded {registry.people} people, {registry.selfies} selfies and "
        f"{registry.recipients} DTKS recipients in {time.monotonic() - started:.1f}s."
    )
    serve_government(
        registry,
        dukcapil=profiles["dukcapil"],
        dtks=profiles["dtks"],
        biometrics=profiles["biometrics"],
        host=host,
        ports=(dukcapil_port, dtks_port, biometrics_port),
        on_ready=_announce,
    )


if __name__ == "__main__":
    app()
