"""``prakerja platforms``: run digital platform simulators against a sandbox."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from simulators.framework.registry import SimConfig
from simulators.framework.serving import url_of
from simulators.platform.kinds import DIGITAL_PLATFORM, ROLE
from simulators.platform.launch import FIRST_PORT, serve_platforms
from simulators.provider.cli import AsJson, Credentials, Sandbox, mutant_option, read

console = Console()
app = typer.Typer(
    name="platforms",
    help="Digital platform (DP) simulators: a storefront from the catalogue, their providers' "
    "courses submitted for curation, checkout with OTP, invoices, redeem codes and voids.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold sign keys
)


@app.callback()
def main() -> None:
    """Digital platform simulators that talk to a running sandbox."""


@app.command()
def serve(
    credentials: Credentials,
    sandbox: Sandbox = "http://127.0.0.1:8000",
    provider: Annotated[
        list[str] | None,
        typer.Option(
            "--provider",
            help="URL of a provider simulator the platforms carry (repeatable); they submit its "
            "courses with POST /seller/submissions.",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port of the first platform; the next get +1.")
    ] = FIRST_PORT,
    mutant: Annotated[
        str | None,
        typer.Option(
            help="Run every instance as this mutant: "
            + ", ".join(m.name for m in DIGITAL_PLATFORM.mutants)
            + "."
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Serve one digital platform per partner in --credentials until interrupted.

    Example: prakerja partners add --role dp --name Tokopedia --json >> dps.jsonl && prakerja platforms serve --credentials dps.jsonl --provider http://127.0.0.1:8301
    """
    mutant = mutant_option(mutant, [m.name for m in DIGITAL_PLATFORM.mutants])
    partners = read(credentials, ROLE)
    carried = tuple(url.rstrip("/") for url in provider or ())
    configs = [
        SimConfig(
            instance=partner.client_code,
            sandbox_url=sandbox,
            client_code=partner.client_code,
            sign_key=partner.sign_key,
            mutant=mutant,
            options={"name": partner.name, "providers": carried},
        )
        for partner in partners
    ]

    def ready(urls: dict[str, str]) -> None:
        rows = [
            {"instance": p.client_code, "name": p.name, "url": urls[p.client_code]}
            for p in partners
        ]
        if as_json:
            typer.echo(json.dumps({"platforms": rows, "providers": list(carried)}))
            return
        table = Table("platform", "client_code", "storefront")
        for column in table.columns:
            column.overflow = "fold"  # the URLs are for copying: never cut them
        for row in rows:
            table.add_row(row["name"], row["instance"], row["url"] + "/courses")
        console.print(table)
        console.print(
            f"[dim]Against {sandbox}{f', as mutant {mutant}' if mutant else ''}; "
            f"carrying {len(carried)} provider(s). Ctrl-C stops them.[/]"
        )

    try:
        serve_platforms(
            configs, host=host, ports=[port + i for i in range(len(configs))], on_ready=ready
        )
    except OSError as exc:
        raise typer.BadParameter(f"cannot listen on {url_of(host, port)}…: {exc}") from exc
