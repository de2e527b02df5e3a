"""The umbrella ``prakerja`` command: each package mounts the subcommands it owns."""

from __future__ import annotations

import typer

from prakerja_cli import client_commands
from reference_server import cli as server_cli

app = typer.Typer(
    name="prakerja",
    help="Kartu Prakerja partner sandbox: reference server, partner credentials, fixtures, signed calls.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold sign keys
)
server_cli.register(app)
app.command("call")(client_commands.call)
app.command("inbox")(client_commands.inbox)


if __name__ == "__main__":
    app()
