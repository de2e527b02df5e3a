"""Bundled simulators for the harness: ``prakerja simulators`` lists them, and ``prakerja certify
--simulator NAME [--mutant M]`` runs one on a free port, registered as a partner of the sandbox
(its database: ``PRAKERJA_DATABASE_URL``, as ``prakerja partners add``), so that a partner
engineer can see what a pass and a failure look like. Wiring lives here: the harness imports
neither the simulators nor the server.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from conformance.buyers import Participant, PlatformBuyer, Publisher
from conformance.cli import Simulated, SimulatorRequest
from conformance.client_mode import ClientContext
from conformance.errors import UsageError
from conformance.evidence import Redactor
from conformance.sandbox import Sandbox
from conformance.server_mode import Credentials, Receiver, ServerContext
from contract.endpoints import Role
from contract.requirements import Mode

console = Console()


def simulators_cmd(
    role: Annotated[
        str | None, typer.Option(help="Only this role's: dp, lp, pp, jp or gov.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List the bundled simulators and their mutants, each with the requirement it breaks.

    Example: prakerja simulators --role pp --json
    """
    from simulators.framework.registry import kinds

    found = kinds(role)
    if as_json:
        typer.echo(json.dumps([kind.as_dict() for kind in found]))
        return
    table = Table("simulator", "role", "mutant", "breaks", "what is wrong")
    for kind in found:
        table.add_row(kind.name, kind.role, "", "", kind.summary)
        for mutant in kind.mutants:
            table.add_row("", "", mutant.name, mutant.requirement or "", mutant.summary)
    console.print(table)


def _register(role: Role, name: str, redirect_uris: tuple[str, ...] = ()) -> Credentials:
    from reference_server.app import prepare
    from reference_server.partners import add_partner
    from reference_server.runtime import Runtime
    from reference_server.settings import ServerSettings
    from reference_server.storage.db import transaction

    runtime = Runtime(ServerSettings())
    try:
        prepare(runtime)
        with transaction(runtime.sessions) as session:
            made = add_partner(
                session, runtime.keys, role=role, name=name, redirect_uris=redirect_uris
            )
    finally:
        runtime.close()
    return Credentials(made.client_code, made.webhook_key, made.sign_key)


def _allow_callback(client_code: str, uri: str) -> None:
    from reference_server.partners import add_redirect_uri
    from reference_server.runtime import Runtime
    from reference_server.settings import ServerSettings
    from reference_server.storage.db import transaction

    runtime = Runtime(ServerSettings())
    try:
        with transaction(runtime.sessions) as session:
            add_redirect_uri(session, client_code, uri)
    finally:
        runtime.close()


@contextmanager
def launch(request: SimulatorRequest) -> Iterator[Simulated]:
    """Start the simulator asked for, registered at the sandbox, and the context to judge it."""
    from simulators.framework.registry import SimConfig, kind

    try:
        chosen = kind(request.simulator)
        if request.mutant:
            chosen.mutant(request.mutant)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    if chosen.role != request.role.value:
        raise UsageError(f"{chosen.name} plays role {chosen.role}, not {request.role.value}")
    label = f"{chosen.name} simulator" + (f" (mutant {request.mutant})" if request.mutant else "")
    creds = _register(request.role, f"{label} {secrets.token_hex(2)}")
    config = SimConfig(
        instance=chosen.name,
        sandbox_url=request.sandbox_url,
        client_code=creds.client_code,
        sign_key=creds.sign_key,
        webhook_key=creds.webhook_key,
        mutant=request.mutant,
    )
    redactor = Redactor([creds.sign_key, creds.webhook_key])
    caps = request.declaration.capabilities
    if request.role is Role.DP:
        from simulators.platform.launch import running_platforms

        with running_platforms([config]) as urls:
            buyer = PlatformBuyer(urls[chosen.name])
            context = ClientContext(
                role=Role.DP, partner=creds.client_code,
                sandbox=Sandbox(request.sandbox_url, creds.client_code, creds.sign_key),
                driver=buyer, capabilities=caps - {"webhooks"}, redactor=redactor,
            )  # fmt: skip
            try:
                yield Simulated(context, creds.client_code, creds.sign_key)
            finally:
                buyer.close()
    elif request.role is Role.LP:
        from simulators.provider.classroom import CALLBACK_PATH
        from simulators.provider.launch import running_providers

        with running_providers([config]) as urls:
            _allow_callback(creds.client_code, urls[chosen.name] + CALLBACK_PATH)
            participant = Participant(urls[chosen.name])
            context = ClientContext(
                role=Role.LP, partner=creds.client_code,
                sandbox=Sandbox(request.sandbox_url, creds.client_code, creds.sign_key),
                driver=participant, capabilities=caps - {"webhooks", "legacy_commit"},
                redactor=redactor,
            )  # fmt: skip
            try:
                yield Simulated(context, creds.client_code, creds.sign_key)
            finally:
                participant.close()
    elif request.role is Role.PP:
        from simulators.payment.app import WEBHOOK_PATH
        from simulators.payment.launch import running_payment_partners
        from simulators.payment.partners import PARTNERS

        spec = next(p for p in PARTNERS if (p.is_bank) == (chosen.name == "bank"))
        receiver = Receiver(client_code=creds.client_code, sign_key=creds.sign_key)
        keys = {spec.instance: {"client_code": creds.client_code, "sign_key": creds.sign_key,
                                "webhook_key": creds.webhook_key}}  # fmt: skip
        mutants = {spec.instance: request.mutant} if request.mutant else None
        with running_payment_partners(
            None, receiver.url, keys, specs=[spec], mutants=mutants
        ) as urls:
            url = urls[spec.instance]
            server = ServerContext(
                role=Role.PP, base_url=url, credentials=creds, capabilities=caps,
                redactor=redactor, settings=request.declaration.settings,
                webhook_url=url + WEBHOOK_PATH, receiver=receiver,
            )  # fmt: skip
            yield Simulated(server, creds.client_code, creds.sign_key)
    elif request.role is Role.JP:
        from simulators.jobportal.launch import portal_config, running_portals

        instance = "lokerkita"  # a portal that pushes, and serves its feed
        portal = portal_config(
            instance, sandbox_url=request.sandbox_url, client_code=creds.client_code,
            sign_key=creds.sign_key, webhook_key=creds.webhook_key, mutant=request.mutant,
            initial=40, push=request.mode is Mode.CLIENT,
        )  # fmt: skip
        with running_portals([portal]) as urls:
            if request.mode is Mode.CLIENT:
                publisher = Publisher(urls[instance])
                client = ClientContext(
                    role=Role.JP, partner=creds.client_code,
                    sandbox=Sandbox(request.sandbox_url, creds.client_code, creds.sign_key),
                    driver=publisher, capabilities=caps, redactor=redactor,
                )  # fmt: skip
                try:
                    yield Simulated(client, creds.client_code, creds.sign_key)
                finally:
                    publisher.close()
            else:
                feed = ServerContext(
                    role=Role.JP, base_url=urls[instance], credentials=creds, capabilities=caps,
                    redactor=redactor, settings=request.declaration.settings,
                )  # fmt: skip
                yield Simulated(feed, creds.client_code, creds.sign_key)
    else:
        raise UsageError(f"no bundled {request.role.value} simulator can be certified yet")
