"""``prakerja jobportals``: list the job portal simulators and serve them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from simulators.framework.behaviour import Profile
from simulators.framework.registry import SimConfig
from simulators.framework.serving import serve_until_signal
from simulators.jobportal.kinds import JOB_PORTAL
from simulators.jobportal.launch import DEFAULT_PORTS, portal_config
from simulators.jobportal.portals import PORTALS, spec_of

console = Console()
app = typer.Typer(
    name="jobportals",
    help="Job portal simulators: LokerKita, KerjaNusa, InfoLoker Daerah.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold sign keys
)
CREDENTIAL_FIELDS = ("client_code", "sign_key", "webhook_key")


@app.callback()
def main() -> None:
    """Job portal simulators: publish vacancies, push them to the sandbox, serve their feeds."""


def load_credentials(path: Path) -> dict[str, dict[str, str]]:
    """Portal instance → its client_code, sign_key and webhook_key, from a JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc}", param_hint="--credentials") from exc
    if not isinstance(data, dict):
        raise typer.BadParameter("expected a JSON object of portals", param_hint="--credentials")
    found: dict[str, dict[str, str]] = {}
    for instance, creds in data.items():
        spec_of(str(instance))  # KeyError names the portals
        if not isinstance(creds, dict) or not all(
            isinstance(creds.get(f), str) and creds.get(f) for f in CREDENTIAL_FIELDS
        ):
            raise typer.BadParameter(
                f"{instance}: needs {', '.join(CREDENTIAL_FIELDS)}", param_hint="--credentials"
            )
        found[str(instance)] = {f: str(creds[f]) for f in CREDENTIAL_FIELDS}
    return found


def _mutants(assignments: list[str]) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for assignment in assignments:
        instance, _, mutant = assignment.partition("=")
        try:
            spec_of(instance)
            JOB_PORTAL.mutant(mutant)
        except KeyError as exc:
            raise typer.BadParameter(str(exc.args[0]), param_hint="--mutant") from exc
        chosen[instance] = mutant
    return chosen


@app.command("list")
def list_portals(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """The portals, their rates and profiles, and the job portal's mutants.

    Example: prakerja jobportals list --json
    """
    portals = [
        {
            "instance": spec.instance,
            "name": spec.name,
            "summary": spec.summary,
            "per_day": spec.per_day,
            "pushes": spec.push,
            "batch_size": spec.batch_size,
            "default_port": DEFAULT_PORTS[spec.instance],
            "profile": spec.profile.as_dict(),
        }
        for spec in PORTALS
    ]
    if as_json:
        typer.echo(json.dumps({"portals": portals, "kind": JOB_PORTAL.as_dict()}, indent=2))
        return
    table = Table(title="Job portal simulators", title_justify="left")
    for column in ("instance", "name", "per day", "pushes", "port"):
        table.add_column(column, no_wrap=True)
    for p in portals:
        table.add_row(
            str(p["instance"]),
            str(p["name"]),
            f"{p['per_day']:,}",
            "yes" if p["pushes"] else "feed only",
            str(p["default_port"]),
        )
    console.print(table)
    for p in portals:
        console.print(f"[bold]{p['name']}[/]: {p['summary']}")
    mutants = Table(title="Mutants (--mutant PORTAL=NAME)", title_justify="left")
    for column in ("name", "requirement", "the one way it is wrong"):
        mutants.add_column(column)
    for m in JOB_PORTAL.mutants:
        mutants.add_row(m.name, m.requirement or "", m.summary)
    console.print(mutants)


@app.command()
def serve(
    credentials: Annotated[
        Path | None,
        typer.Option(
            "--credentials",
            exists=True,
            dir_okay=False,
            help="JSON: portal → client_code, sign_key, webhook_key "
            "(`prakerja jobportals register` writes it).",
        ),
    ] = None,
    portal: Annotated[
        list[str] | None, typer.Option("--portal", help="Serve only these (repeatable).")
    ] = None,
    sandbox: Annotated[
        str,
        typer.Option("--sandbox", envvar="PRAKERJA_SANDBOX_URL", help="Base URL of the sandbox."),
    ] = "http://127.0.0.1:8000",
    time_scale: Annotated[
        float,
        typer.Option(min=0.001, help="Simulated seconds per real second (1440: a day a minute)."),
    ] = 1.0,
    per_day: Annotated[
        int | None, typer.Option(min=0, help="New vacancies per simulated day, for every portal.")
    ] = None,
    mutant: Annotated[
        list[str] | None,
        typer.Option("--mutant", help="Run a portal as a mutant: PORTAL=NAME (repeatable)."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option(help="No latency or failures: ignore the portals' own profiles.")
    ] = False,
    initial: Annotated[
        int, typer.Option(min=0, help="Vacancies each portal publishes at start (a stock).")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the vacancies (same seed, same ones).")] = 0,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port_base: Annotated[
        int, typer.Option(help="Port of the first portal; the others follow (0: any free).")
    ] = 8501,
) -> None:
    """Serve the job portals until interrupted: publishing, pushing and serving their feeds.

    Without --credentials they publish and serve a feed nobody may read; register them first.

    Example: prakerja jobportals register --out portals.json && prakerja jobportals serve --credentials portals.json --time-scale 1440
    """
    creds = load_credentials(credentials) if credentials else {}
    chosen = portal or [spec.instance for spec in PORTALS]
    try:
        specs = [spec_of(instance) for instance in chosen]
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--portal") from exc
    mutants = _mutants(mutant or [])
    options: dict[str, Any] = {"time_scale": time_scale, "seed": seed, "initial": initial}
    if per_day is not None:
        options["per_day"] = per_day
    configs: list[SimConfig] = []
    for spec in specs:
        given = creds.get(spec.instance, {})
        configs.append(
            portal_config(
                spec.instance,
                sandbox_url=sandbox,
                client_code=given.get("client_code"),
                sign_key=given.get("sign_key"),
                webhook_key=given.get("webhook_key"),
                profile=Profile() if quiet else None,
                mutant=mutants.get(spec.instance),
                **options,
            )
        )
        if not given:
            typer.echo(
                f"{spec.instance}: no credentials, so it neither pushes nor serves its feed."
            )
    ports = [0 if port_base == 0 else port_base + PORTALS.index(s) for s in specs]
    apps = [(config.instance, JOB_PORTAL.factory(config)) for config in configs]

    def announce(urls: dict[str, str]) -> None:
        for instance, url in urls.items():
            spec = spec_of(instance)
            what = "pushes and serves its feed" if spec.push else "serves its feed"
            typer.echo(f"{spec.name:<17} {url}  ({what}; {url}/_sim/portal)")
        typer.echo(f"Pushing to {sandbox}. Ctrl-C stops them.")

    serve_until_signal(apps, host=host, ports=ports, on_ready=announce)


if __name__ == "__main__":
    app()
