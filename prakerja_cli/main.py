"""The umbrella ``prakerja`` command: each package mounts the subcommands it owns."""

from __future__ import annotations

import typer

from conformance import cli as certify_cli
from prakerja_cli import client_commands, jobs, loadtest, seed, simulated, up
from reference_server import admin_cli, catalogue_cli, payouts_cli
from reference_server import cli as server_cli
from simulators.government import cli as government_cli
from simulators.jobportal import cli as jobportal_cli
from simulators.payment import cli as payment_cli
from simulators.platform import cli as platform_cli
from simulators.population import cli as population_cli
from simulators.provider import cli as provider_cli
from simulators.wave import cli as wave_cli

app = typer.Typer(
    name="prakerja",
    help="Kartu Prakerja partner sandbox: reference server, simulators, partner credentials, "
    "fixtures, signed calls, waves and the lottery, conformance certification.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold sign keys
)
server_cli.register(app)
app.command("up")(up.up)
app.command("call")(client_commands.call)
app.command("inbox")(client_commands.inbox)
app.command("loadtest")(loadtest.loadtest)
app.command("seed")(seed.seed)
app.command("simulate")(wave_cli.simulate)

# `prakerja population generate` (simulators) and `prakerja population load` (the server's
# database) are one group for the person typing, though two packages own them.
population_cli.app.command("load")(admin_cli.population_load)
app.add_typer(population_cli.app, name="population")
app.add_typer(government_cli.app, name="government")
app.add_typer(payment_cli.app, name="payment-partners")
app.add_typer(platform_cli.app, name="platforms")
app.add_typer(provider_cli.app, name="providers")
app.add_typer(admin_cli.waves_app, name="waves")
app.add_typer(admin_cli.lottery_app, name="lottery")
app.add_typer(certify_cli.app, name="certify")
certify_cli.install_simulator_launcher(simulated.launch)  # --simulator: the bundled ones
app.command("simulators")(simulated.simulators_cmd)
app.add_typer(catalogue_cli.catalogue_app, name="catalogue")
app.add_typer(payouts_cli.payouts_app, name="payouts")
# `prakerja jobportals list / serve` (simulators) and `register` (the sandbox's database).
jobportal_cli.app.command("register")(jobs.register)
app.add_typer(jobportal_cli.app, name="jobportals")
app.add_typer(jobs.app, name="jobs")


if __name__ == "__main__":
    app()
