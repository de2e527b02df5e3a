"""Commands owned by the reference server: serve, partners, fixtures, db, secret-key."""

from __future__ import annotations

import inspect
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from contract.endpoints import Role
from reference_server.openapi_export import export_cmd
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings

console = Console()
WORKER_HEALTHCHECK_SECONDS = 120

Port = Annotated[int, typer.Option("--port", envvar="PRAKERJA_PORT", help="Port to listen on.")]
Host = Annotated[str, typer.Option("--host", envvar="PRAKERJA_HOST", help="Address to bind.")]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="PRAKERJA_DATABASE_URL",
        help="SQLAlchemy URL (default: SQLite file).",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _settings(database_url: str | None) -> ServerSettings:
    if database_url:
        os.environ["PRAKERJA_DATABASE_URL"] = database_url  # worker processes read it too
    return ServerSettings()


def _runtime(database_url: str | None) -> Runtime:
    from reference_server.app import prepare

    runtime = Runtime(_settings(database_url))
    prepare(runtime)
    return runtime


def serve(
    port: Port = 8000,
    host: Host = "127.0.0.1",
    database_url: DatabaseUrl = None,
    workers: Annotated[
        int, typer.Option(help="uvicorn worker processes (PostgreSQL for > 1).")
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Run the reference server (migrates and seeds the database first).

    Example: prakerja serve --port 8000 --database-url postgresql+psycopg://127.0.0.1/test
    """
    import uvicorn

    from reference_server.app import prepare

    settings = _settings(database_url)
    if workers > 1 and settings.is_sqlite:
        raise typer.BadParameter(
            "several workers need PostgreSQL (--database-url)", param_hint="--workers"
        )
    runtime = Runtime(settings)
    prepare(runtime)  # migrate and seed once, before workers start
    with runtime.sessions() as session:
        _banner(host, port, settings.database_url, session)
    runtime.close()
    # uvicorn restarts a worker that does not answer its supervisor within the health-check
    # timeout (5 s by default): a worker still importing the app on a busy machine was killed
    # and restarted forever, so the check waits longer.
    patience = (
        {"timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS}
        if "timeout_worker_healthcheck" in inspect.signature(uvicorn.run).parameters
        else {}
    )
    with _shared_metrics(workers):
        uvicorn.run(
            "reference_server.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            **patience,  # type: ignore[arg-type]
        )


@contextmanager
def _shared_metrics(workers: int) -> Iterator[None]:
    """Several workers write their metrics to a fresh folder /metrics sums (removed after)."""
    from reference_server.metrics import MULTIPROC_ENV

    if workers <= 1 or os.environ.get(MULTIPROC_ENV):
        yield
        return
    folder = tempfile.mkdtemp(prefix="prakerja-metrics-")
    os.environ[MULTIPROC_ENV] = folder  # the workers inherit it
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


def _banner(host: str, port: int, database_url: str, session: Session) -> None:
    from reference_server.partners import list_partners

    base = f"http://{host}:{port}"
    table = Table(
        show_header=False, box=None, title="[bold]Prakerja partner sandbox[/]", title_justify="left"
    )
    table.add_row("Partner API", f"{base}/api/v1/integration/...")
    table.add_row("Registration", f"{base}/api/v1/registration/... (applicants)")
    table.add_row("Programme office", f"{base}/api/v1/admin/... (role pmo: waves, lottery)")
    table.add_row(
        "Catalogue", f"{base}/api/v1/catalogue/courses (public; curation: prakerja catalogue)"
    )
    table.add_row("Docs", f"{base}/docs")
    table.add_row("Inboxes", f"{base}/api/v1/sandbox/sms-inbox, /mail-inbox")
    table.add_row("Database", database_url.split("@")[-1])
    own = [p for p in list_partners(session) if not p["builtin"]]
    table.add_row("Partners", f"{len(own)} registered" + ("" if own else " — add one below"))
    console.print(table)
    console.print(
        '[dim]Next, in another terminal:[/]  prakerja partners add --role dp --name "My Marketplace"\n'
        "[dim]Then:[/]  prakerja fixtures --client-code <client_code>   [dim]Stop with Ctrl-C.[/]"
    )


partners_app = typer.Typer(
    help="Register partners and issue their credentials.", no_args_is_help=True
)


@partners_app.command("add")
def partners_add(
    role: Annotated[
        Role,
        typer.Option(
            help="dp (digital platform), lp (training provider), pp (payment partner), jp (job portal) or pmo (programme office: waves, lottery, curation)."
        ),
    ],
    name: Annotated[str, typer.Option(help="Display name, e.g. 'Tokopedia'.")],
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option(help="LP callback URL (repeatable) for url-generate and SSO."),
    ] = None,
    client_code: Annotated[
        str | None, typer.Option(help="Choose the client_code instead of a random one.")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="The partner's own API (payment partners, job portals) Prakerja calls."),
    ] = None,
    webhook_url: Annotated[
        str | None, typer.Option(help="Where Prakerja sends the partner signed webhooks.")
    ] = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Register a partner and print its client_code, sign_key and webhook_key (shown once).

    The partner signs its calls with the sign_key; Prakerja signs its calls and webhooks to the
    partner with the webhook_key.

    Example: prakerja partners add --role lp --name "LPK Maju" --redirect-uri http://127.0.0.1:9000/cb --json
    """
    from reference_server.partners import add_partner
    from reference_server.storage.db import transaction

    runtime = _runtime(database_url)
    try:
        with transaction(runtime.sessions) as session:
            creds = add_partner(
                session,
                runtime.keys,
                role=role,
                name=name,
                redirect_uris=tuple(redirect_uri or ()),
                client_code=client_code,
                base_url=base_url,
                webhook_url=webhook_url,
            )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        runtime.close()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "client_code": creds.client_code,
                    "sign_key": creds.sign_key,
                    "role": creds.role,
                    "name": creds.name,
                    "redirect_uris": list(creds.redirect_uris),
                    "webhook_key": creds.webhook_key,
                    "base_url": creds.base_url,
                    "webhook_url": creds.webhook_url,
                }
            )
        )
        return
    console.print(f"[green]Registered[/] {creds.role.upper()} [bold]{creds.name}[/]")
    console.print(f"  client_code  {creds.client_code}")
    console.print(f"  sign_key     {creds.sign_key}   [dim](you sign your calls with it)[/]")
    console.print(f"  webhook_key  {creds.webhook_key}   [dim](Prakerja signs its calls to you)[/]")
    console.print("[dim]Keep both keys secret: they are stored encrypted and not shown again.[/]")
    console.print(f"[dim]Its fixtures: prakerja fixtures --client-code {creds.client_code}[/]")


@partners_app.command("set-urls")
def partners_set_urls(
    client_code: Annotated[str, typer.Option(help="The partner.")],
    base_url: Annotated[
        str | None, typer.Option(help="The partner's own API that Prakerja calls.")
    ] = None,
    webhook_url: Annotated[
        str | None, typer.Option(help="Where Prakerja sends the partner signed webhooks.")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Point Prakerja at a partner's own API and webhook receiver.

    Example: prakerja partners set-urls --client-code pp-1a2b3c --base-url http://127.0.0.1:8401
    """
    from reference_server.partners import set_urls
    from reference_server.storage.db import transaction

    runtime = _runtime(database_url)
    try:
        with transaction(runtime.sessions) as session:
            set_urls(session, client_code, base_url=base_url, webhook_url=webhook_url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        runtime.close()
    console.print(f"[green]Updated[/] {client_code}")


@partners_app.command("rotate-webhook-key")
def partners_rotate_webhook_key(
    client_code: Annotated[str, typer.Option(help="The partner.")],
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Issue a partner a new webhook key (shown once); the old one stops at once.

    Example: prakerja partners rotate-webhook-key --client-code pp-1a2b3c --json
    """
    from reference_server.partners import rotate_webhook_key
    from reference_server.storage.db import transaction

    runtime = _runtime(database_url)
    try:
        with transaction(runtime.sessions) as session:
            key = rotate_webhook_key(session, runtime.keys, client_code)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        runtime.close()
    if as_json:
        typer.echo(json.dumps({"client_code": client_code, "webhook_key": key}))
        return
    console.print(f"  webhook_key  {key}")


@partners_app.command("list")
def partners_list(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """List partners (never their keys).

    Example: prakerja partners list --json
    """
    from reference_server.partners import list_partners

    runtime = _runtime(database_url)
    with runtime.sessions() as session:
        rows = list_partners(session)
    runtime.close()
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("client_code", "role", "name", "redirect URIs", "since")
    for row in rows:
        table.add_row(
            str(row["client_code"]),
            str(row["role"]),
            str(row["name"]),
            "\n".join(row["redirect_uris"]),  # type: ignore[arg-type]
            str(row["created_at"])[:19],
        )
    console.print(table)


@partners_app.command("add-redirect-uri")
def partners_add_redirect_uri(
    client_code: Annotated[str, typer.Argument(help="The LP's client_code.")],
    uri: Annotated[str, typer.Argument(help="Callback URL to allow.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Allow one more redirect URI for an LP.

    Example: prakerja partners add-redirect-uri lp-1a2b3c http://127.0.0.1:9000/callback
    """
    from reference_server.partners import add_redirect_uri
    from reference_server.storage.db import transaction

    runtime = _runtime(database_url)
    try:
        with transaction(runtime.sessions) as session:
            add_redirect_uri(session, client_code, uri)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        runtime.close()
    console.print(f"[green]Allowed[/] {uri} for {client_code}")


def fixtures_cmd(
    client_code: Annotated[str | None, typer.Option(help="Only this partner's fixtures.")] = None,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset",
            help="Put this partner's fixtures back as seeded (voids its test purchases, restores "
            "balances and PRAT- codes), then list them.",
        ),
    ] = False,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """List the sandbox fixtures: catalogue, test beneficiaries, PRAT- redeem codes.

    Example: prakerja fixtures --client-code dp-1a2b3c --reset --json
    """
    from sqlalchemy import select

    from reference_server.fixtures import describe, reset_partner_fixtures
    from reference_server.storage.db import transaction
    from reference_server.storage.tables import Partner

    runtime = _runtime(database_url)
    try:
        if reset:
            if not client_code:
                raise typer.BadParameter("--reset needs --client-code", param_hint="--reset")
            with transaction(runtime.sessions) as session:
                partner = session.scalar(select(Partner).where(Partner.client_code == client_code))
                if partner is None:
                    raise typer.BadParameter(f"unknown client_code {client_code!r}")
                done = reset_partner_fixtures(session, partner, actor="pmo-cli")
            if not as_json:
                console.print(
                    f"[green]Reset[/] {client_code}: {done.cards} card(s), "
                    f"{done.purchases_voided} purchase(s) voided, {done.redeem_codes} redeem code(s)"
                )
        with runtime.sessions() as session:
            data = describe(session, client_code)
    finally:
        runtime.close()
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    table = Table(
        "course_code",
        "method",
        "price",
        "min age / education",
        "schedules",
        title="Catalogue (any DP may sell)",
    )
    for course in data["catalogue"]:
        table.add_row(
            course["course_code"],
            course["method"],
            f"Rp{course['price']:,}",
            f"{course['min_age']} / {course['min_education']}",
            "\n".join(f"{s['schedule_code']}  ({s['purpose']})" for s in course["schedules"]),
        )
    console.print(table)
    for partner in data["partners"]:
        if partner["role"] == "dp":
            t = Table(
                "prakerja_id",
                "name",
                "balance",
                "card",
                "for",
                title=f"DP {partner['client_code']} — test beneficiaries",
            )
            for b in partner["beneficiaries"]:
                t.add_row(
                    b["prakerja_id"],
                    b["name"],
                    f"Rp{b['balance']:,}",
                    b["card_status"],
                    b["purpose"],
                )
        elif partner["role"] == "lp":
            t = Table(
                "test case",
                "redeem_code",
                "course_code",
                "resettable",
                "expect",
                title=f"LP {partner['client_code']} — redeem codes",
            )
            for r in partner["redeem_codes"]:
                t.add_row(
                    r["test_case"],
                    r["redeem_code"],
                    r["course_code"],
                    "yes" if r["resettable"] else "no",
                    r["expect"],
                )
        console.print(t)


def secret_key() -> None:
    """Print a new PRAKERJA_SECRET_KEY (Fernet) for PostgreSQL deployments.

    Example: export PRAKERJA_SECRET_KEY=$(prakerja secret-key)
    """
    from cryptography.fernet import Fernet

    typer.echo(Fernet.generate_key().decode())


def worker(
    database_url: DatabaseUrl = None,
    threads: Annotated[
        int | None, typer.Option(help="Jobs worked at once (default: PRAKERJA_WORKER_THREADS).")
    ] = None,
) -> None:
    """Work the outbox (verification and other background jobs) until Ctrl-C.

    For servers started with PRAKERJA_WORKER_INLINE=false. Several may run at once on
    PostgreSQL; on SQLite one is enough. Sources come from PRAKERJA_DUKCAPIL_URL, _DTKS_URL and
    _BIOMETRICS_URL.

    Example: PRAKERJA_WORKER_INLINE=false prakerja worker --threads 8
    """
    from reference_server import logs
    from reference_server.worker import Worker

    logs.configure()
    runtime = _runtime(database_url)
    try:
        console.print(f"[green]Outbox worker[/] on {runtime.settings.database_url.split('@')[-1]}")
        Worker(runtime, threads=threads).run_forever()
    finally:
        runtime.close()


def register(app: typer.Typer) -> None:
    """Mount these commands on the umbrella ``prakerja`` command."""
    app.command("serve")(serve)
    app.add_typer(partners_app, name="partners")
    app.command("fixtures")(fixtures_cmd)
    app.command("secret-key")(secret_key)
    app.command("worker")(worker)
    app.command("openapi")(export_cmd)
