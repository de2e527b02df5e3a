"""``prakerja providers``: run training provider simulators against a sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from simulators.credentials import CredentialsError, PartnerCredentials, load
from simulators.framework.registry import SimConfig
from simulators.framework.serving import url_of
from simulators.provider.classroom import CALLBACK_PATH
from simulators.provider.kinds import ROLE, TRAINING_PROVIDER
from simulators.provider.launch import FIRST_PORT, serve_providers

console = Console()
app = typer.Typer(
    name="providers",
    help="Training provider (LP) simulators: courses, redeem and attendance through Prakerja's "
    "verification page, TPM/UK, post-tests and certificates.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold sign keys
)

Sandbox = Annotated[
    str, typer.Option("--sandbox", envvar="PRAKERJA_SANDBOX_URL", help="Base URL of the sandbox.")
]
Credentials = Annotated[
    Path,
    typer.Option(
        "--credentials",
        exists=True,
        dir_okay=False,
        help="The providers' credentials: `prakerja partners add --role lp --json` output, one "
        "a line (or a JSON list).",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the instances as JSON once ready.")]


@app.callback()
def main() -> None:
    """Training provider simulators that talk to a running sandbox."""


def mutant_option(value: str | None, kind_mutants: list[str]) -> str | None:
    """A mutant name checked against the kind's (``typer.BadParameter`` naming the valid ones)."""
    if value is not None and value not in kind_mutants:
        raise typer.BadParameter(
            f"no mutant {value!r}; mutants: {', '.join(kind_mutants)}", param_hint="--mutant"
        )
    return value


def read(path: Path, role: str) -> list[PartnerCredentials]:
    """The partners of a credentials file, or a clear ``--credentials`` error."""
    try:
        return load(path, role=role)
    except CredentialsError as exc:
        raise typer.BadParameter(str(exc), param_hint="--credentials") from exc


@app.command()
def serve(
    credentials: Credentials,
    sandbox: Sandbox = "http://127.0.0.1:8000",
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port of the first provider; the next get +1.")
    ] = FIRST_PORT,
    mutant: Annotated[
        str | None,
        typer.Option(
            help="Run every instance as this mutant: "
            + ", ".join(m.name for m in TRAINING_PROVIDER.mutants)
            + "."
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed of the courses and the participants' scores.")
    ] = 7,
    courses: Annotated[
        int, typer.Option(min=1, max=20, help="Courses each provider publishes.")
    ] = 3,
    as_json: AsJson = False,
) -> None:
    """Serve one training provider per partner in --credentials until interrupted.

    Each provider's registered redirect URI must be its callback, http://HOST:PORT/callback:
    register the partners with it before you start them.

    Example: prakerja partners add --role lp --name "LPK Maju" --redirect-uri http://127.0.0.1:8301/callback --json >> lps.jsonl && prakerja providers serve --credentials lps.jsonl
    """
    mutant = mutant_option(mutant, [m.name for m in TRAINING_PROVIDER.mutants])
    partners = read(credentials, ROLE)
    configs = [
        SimConfig(
            instance=partner.client_code,
            sandbox_url=sandbox,
            client_code=partner.client_code,
            sign_key=partner.sign_key,
            mutant=mutant,
            options={"name": partner.name, "seed": seed, "courses": courses},
        )
        for partner in partners
    ]
    ports = [port + i for i in range(len(configs))]

    def ready(urls: dict[str, str]) -> None:
        rows = [
            {
                "instance": partner.client_code,
                "name": partner.name,
                "url": urls[partner.client_code],
                "redirect_uri": urls[partner.client_code] + CALLBACK_PATH,
            }
            for partner in partners
        ]
        if as_json:
            typer.echo(json.dumps({"providers": rows}))
            return
        table = Table("provider", "client_code", "URL", "register this redirect URI")
        for column in table.columns:
            column.overflow = "fold"  # the URLs are for copying: never cut them
        for row in rows:
            table.add_row(row["name"], row["instance"], row["url"], row["redirect_uri"])
        console.print(table)
        console.print(
            f"[dim]Against {sandbox}{f', as mutant {mutant}' if mutant else ''}. "
            "Ctrl-C stops them.[/]"
        )

    try:
        serve_providers(configs, host=host, ports=ports, on_ready=ready)
    except OSError as exc:
        raise typer.BadParameter(f"cannot listen on {url_of(host, port)}…: {exc}") from exc
