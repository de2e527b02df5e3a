"""``prakerja jobs`` (search the sandbox's vacancies, the state of the portals' feeds) and
``prakerja jobportals register`` (the three portal simulators as partners of a sandbox).

Search talks to a running sandbox over HTTP as any job seeker's app would; ``feeds`` and
``register`` work on the sandbox's database, as ``prakerja partners`` does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.endpoints import SEARCH_VACANCIES, Role
from contract.registration import Education
from contract.taxonomy import Industry, JobType
from reference_server.cli import AsJson, DatabaseUrl
from reference_server.keys import KeyBox
from reference_server.partners import ensure_partner
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from reference_server.storage.db import transaction
from reference_server.storage.tables import Partner, PortalFeed
from simulators.jobportal.launch import DEFAULT_PORTS
from simulators.jobportal.portals import PORTALS

console = Console()
app = typer.Typer(
    name="jobs",
    help="Vacancies in the sandbox: search them, see how the portals' feeds are read.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
Sandbox = Annotated[
    str, typer.Option("--sandbox", envvar="PRAKERJA_SANDBOX_URL", help="Base URL of the sandbox.")
]


def _runtime(database_url: str | None) -> Runtime:
    """The sandbox's database, migrated (flags, then PRAKERJA_* variables, then defaults)."""
    if database_url:
        os.environ["PRAKERJA_DATABASE_URL"] = database_url
    runtime = Runtime(ServerSettings())
    from reference_server.app import prepare  # the app's imports only where a command needs them

    prepare(runtime)
    return runtime


def _rupiah(amount: int) -> str:
    return f"Rp{amount:,}".replace(",", ".")


@app.command()
def search(
    q: Annotated[str | None, typer.Argument(help="Words of the title or company.")] = None,
    province: Annotated[str | None, typer.Option(help="Province code PP, e.g. 31.")] = None,
    regency: Annotated[str | None, typer.Option(help="Regency code PP.RR, e.g. 32.73.")] = None,
    education: Annotated[
        Education | None, typer.Option(help="Your education: jobs asking no more.")
    ] = None,
    industry: Annotated[Industry | None, typer.Option(help="Industry.")] = None,
    job_type: Annotated[JobType | None, typer.Option(help="Kind of job.")] = None,
    salary_min: Annotated[
        int | None, typer.Option(min=0, help="At least this pay is possible (rupiah a month).")
    ] = None,
    salary_max: Annotated[
        int | None, typer.Option(min=0, help="The pay starts at most at this (rupiah a month).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Vacancies per page.")] = 20,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of the page before.")] = None,
    sandbox: Sandbox = "http://127.0.0.1:8000",
    as_json: AsJson = False,
) -> None:
    """Search the live vacancies of a running sandbox, newest first.

    Example: prakerja jobs search kasir --province 31 --education SMA --salary-min 4000000
    """
    params: dict[str, Any] = {
        "q": q,
        "province": province,
        "regency": regency,
        "education": education.value if education else None,
        "industry": industry.value if industry else None,
        "job_type": job_type.value if job_type else None,
        "salary_min": salary_min,
        "salary_max": salary_max,
        "limit": limit,
        "cursor": cursor,
    }
    try:
        response = httpx.get(
            sandbox.rstrip("/") + SEARCH_VACANCIES.path,
            params={k: v for k, v in params.items() if v is not None},
            timeout=30,
        )
    except httpx.TransportError as exc:
        raise typer.BadParameter(f"cannot reach the sandbox at {sandbox}: {exc}") from exc
    payload = response.json()
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False))
        if not payload.get("success"):
            raise typer.Exit(1)
        return
    if not payload.get("success"):
        console.print(f"[red]{payload.get('code')}[/] {payload.get('message')}")
        raise typer.Exit(1)
    data = payload["data"]
    table = Table(show_lines=False, title_justify="left")
    for column in ("posted", "title", "company", "where", "pay a month", "asks", "type", "portal"):
        table.add_column(column, overflow="fold")
    for v in data["vacancies"]:
        table.add_row(
            v["posted_at"][:10],
            v["title"],
            v["company"],
            v["location"]["name"],
            f"{_rupiah(v['salary_min'])}–{_rupiah(v['salary_max'])}",
            v["min_education"],
            v["job_type"],
            v["portal"]["name"],
        )
    console.print(table)
    if data["next_cursor"]:
        console.print(f"[dim]More: --cursor {data['next_cursor']}[/]")
    elif not data["vacancies"]:
        console.print("No live vacancy matches.")


def feed_states(session: Session) -> list[dict[str, Any]]:
    """Every job portal with its base URL and how its feed is being read."""
    rows = session.execute(
        select(Partner, PortalFeed)
        .outerjoin(PortalFeed, PortalFeed.portal_id == Partner.id)
        .where(Partner.role == Role.JP.value)
        .order_by(Partner.id)
    ).all()
    return [
        {
            "client_code": partner.client_code,
            "name": partner.name,
            "base_url": partner.base_url,
            "cursor": feed.cursor if feed else None,
            "pulls": feed.pulls if feed else 0,
            "taken": feed.taken if feed else 0,
            "rejected": feed.rejected if feed else 0,
            "last_pulled_at": feed.last_pulled_at.isoformat()
            if feed and feed.last_pulled_at
            else None,
            "last_error": feed.last_error if feed else None,
        }
        for partner, feed in rows
    ]


@app.command()
def feeds(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """The job portals and how their feeds are read: cursor, pulls, taken, rejected, last error.

    Example: prakerja jobs feeds --json
    """
    runtime = _runtime(database_url)
    try:
        with runtime.sessions() as session:
            states = feed_states(session)
    finally:
        runtime.close()
    if as_json:
        typer.echo(json.dumps({"portals": states}))
        return
    table = Table(title="Job portals' feeds", title_justify="left")
    for column in ("portal", "base URL", "cursor", "pulls", "taken", "rejected", "last error"):
        table.add_column(column, overflow="fold")
    for s in states:
        table.add_row(
            f"{s['name']} ({s['client_code']})",
            s["base_url"] or "[dim]none: not pulled[/]",
            s["cursor"] or "",
            str(s["pulls"]),
            str(s["taken"]),
            str(s["rejected"]),
            s["last_error"] or "",
        )
    console.print(table)


# --- prakerja jobportals register (mounted on the simulators' group) -------------------------


def register_portals(
    session: Session, keys: KeyBox, host: str = "127.0.0.1", ports: dict[str, int] | None = None
) -> dict[str, dict[str, str]]:
    """The three portals as partners (``jp-<portal>``, registered once, the same keys after),
    each with its feed's URL; their credentials by portal."""
    chosen = {**DEFAULT_PORTS, **(ports or {})}
    found: dict[str, dict[str, str]] = {}
    for spec in PORTALS:
        creds = ensure_partner(
            session,
            keys,
            role=Role.JP,
            name=spec.name,
            client_code=f"jp-{spec.instance}",
            base_url=f"http://{host}:{chosen[spec.instance]}",
            actor="pmo-cli",
        )
        found[spec.instance] = {
            "client_code": creds.client_code,
            "sign_key": creds.sign_key,
            "webhook_key": creds.webhook_key,
        }
    return found


def register(
    out: Annotated[
        Path, typer.Option(help="Where to write the credentials (mode 0600: they are secret).")
    ] = Path("jobportals.json"),
    host: Annotated[str, typer.Option(help="Where the portals will listen.")] = "127.0.0.1",
    port_base: Annotated[int, typer.Option(help="Port of the first portal.")] = 8501,
    database_url: DatabaseUrl = None,
) -> None:
    """Register the three portal simulators as job portals of the sandbox; write their keys.

    LokerKita, KerjaNusa and InfoLoker Daerah become jp-lokerkita, jp-kerjanusa and
    jp-infoloker-daerah, each with its feed's base URL; run again, it reuses them and only points
    the URLs. The file is what `prakerja jobportals serve --credentials` reads.

    Example: prakerja jobportals register --out portals.json
    """
    ports = {spec.instance: port_base + n for n, spec in enumerate(PORTALS)}
    runtime = _runtime(database_url)
    try:
        with transaction(runtime.sessions) as session:
            found = register_portals(session, runtime.keys, host, ports)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        runtime.close()
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(found, file, indent=2)
    for instance, creds in found.items():
        typer.echo(
            f"{instance:<17} {creds['client_code']}  feed at http://{host}:{ports[instance]}"
        )
    typer.echo(f"Credentials written to {out}. Next: prakerja jobportals serve --credentials {out}")
