"""The whole sandbox on one machine: the reference server and every simulator, wired together.

What ``prakerja up`` runs, and what end-to-end tests run: a synthetic population (generated on
first start, seeded), the programme's history loaded from it, the simulators' credentials
registered as partners of the sandbox (fixed client codes, the same keys at every start), every
simulator on one event loop in this process, and the reference server as a process of its own
(on this machine's two cores the server and the simulators then do not share one interpreter
lock). ``running_sandbox`` yields the ``Ecosystem`` (URLs, credentials, population) that
``prakerja simulate`` reads from the state file.

This is wiring, the one place besides tests allowed to know both the server and the simulators.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fastapi import FastAPI

from contract.endpoints import Role
from reference_server import bulkload
from reference_server import cli as server_cli
from reference_server.launch import running_server
from reference_server.partners import Credentials, ensure_partner, set_urls
from reference_server.storage.db import transaction
from simulators.framework.serving import running
from simulators.government.launch import source_apps
from simulators.payment import launch as payment_launch
from simulators.payment.partners import PARTNERS as PAYMENT_PARTNERS
from simulators.population.generator import generate
from simulators.wave.ecosystem import STATE_FILE, Ecosystem, Instance

PMO_CLIENT_CODE = "pmo-sandbox"
GOVERNMENT_PORTS = (8101, 8102, 8103)
PAYMENT_PORTS = tuple(8401 + n for n in range(len(PAYMENT_PARTNERS)))
SANDBOX_PASSWORD_COST = 10
# Everything a local sandbox serves comes from 127.0.0.1: a per-address limit would throttle a
# whole simulated wave as if it were one person.
LOCAL_RATE_PER_ADDRESS = 1_000_000


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What to start, where."""

    folder: Path
    port: int = 8000
    host: str = "127.0.0.1"
    database_url: str | None = None
    population: Path = Path("prakerja-population.csv")
    people: int = 100_000
    seed: int = 2020
    free_ports: bool = False  # every simulator on a free port (tests, a busy machine)
    government_ports: tuple[int, int, int] = GOVERNMENT_PORTS
    password_cost: int = SANDBOX_PASSWORD_COST


@dataclass
class Started:
    """What ``running_sandbox`` started, for the table ``prakerja up`` prints."""

    ecosystem: Ecosystem
    pmo: Credentials
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (what, URL, client_code)
    notes: list[str] = field(default_factory=list)


def ensure_population(plan: Plan) -> tuple[Path, bool]:
    """The population file (generated when missing); whether it was made now."""
    path = plan.population if plan.population.is_absolute() else plan.folder / plan.population
    if path.exists():
        return path, False
    generate(path, plan.people, plan.seed, date.today())
    return path, True


def _register(plan: Plan, population: Path) -> tuple[Credentials, dict[str, Credentials], int]:
    """Migrate, seed, load the history, and register the simulators as partners."""
    runtime = server_cli._runtime(plan.database_url)
    try:
        with population.open(encoding="utf-8", newline="") as handle:
            loaded = bulkload.load_history(runtime.engine, csv.DictReader(handle)).written
        with transaction(runtime.sessions) as session:
            pmo = ensure_partner(
                session,
                runtime.keys,
                role=Role.PMO,
                name="Programme office (sandbox)",
                client_code=PMO_CLIENT_CODE,
            )
            payment = {
                spec.instance: ensure_partner(
                    session,
                    runtime.keys,
                    role=Role.PP,
                    name=f"{spec.name} (simulator)",
                    client_code=f"pp-{spec.instance}",
                )
                for spec in PAYMENT_PARTNERS
            }
    finally:
        runtime.close()
    return pmo, payment, loaded


def _point_partners_at(plan: Plan, urls: dict[str, tuple[str, str]]) -> None:
    """Record each simulator's own API and webhook receiver (client_code → (base, webhook))."""
    runtime = server_cli._runtime(plan.database_url)
    try:
        with transaction(runtime.sessions) as session:
            for client_code, (base, webhook) in urls.items():
                set_urls(session, client_code, base_url=base, webhook_url=webhook)
    finally:
        runtime.close()


def _ports(plan: Plan, defaults: Sequence[int]) -> list[int]:
    return [0] * len(defaults) if plan.free_ports else list(defaults)


def _server_env(plan: Plan, gov: dict[str, str]) -> dict[str, str]:
    env = {
        **os.environ,
        "PRAKERJA_DUKCAPIL_URL": gov["dukcapil"],
        "PRAKERJA_DTKS_URL": gov["dtks"],
        "PRAKERJA_BIOMETRICS_URL": gov["biometrics"],
        "PRAKERJA_PASSWORD_HASH_COST": os.environ.get(
            "PRAKERJA_PASSWORD_HASH_COST", str(plan.password_cost)
        ),
        "PRAKERJA_RATE_PER_ADDRESS": os.environ.get(
            "PRAKERJA_RATE_PER_ADDRESS", str(LOCAL_RATE_PER_ADDRESS)
        ),
    }
    if plan.database_url:
        env["PRAKERJA_DATABASE_URL"] = plan.database_url
    return env


@contextmanager
def running_sandbox(plan: Plan) -> Iterator[Started]:
    """Everything running until the block ends; then stopped, always, and the state file gone."""
    population, _ = ensure_population(plan)
    pmo, payment, _ = _register(plan, population)
    sandbox_url = f"http://{plan.host}:{plan.port}"
    apps: list[tuple[str, FastAPI]] = list(source_apps(population))
    ports = _ports(plan, plan.government_ports)
    book = payment_launch.book_of(population, payment_launch.DEFAULT_SEED, PAYMENT_PARTNERS)
    apps += payment_launch.partner_apps(
        book,
        sandbox_url,
        {instance: _keys(creds) for instance, creds in payment.items()},
    )
    ports += _ports(plan, PAYMENT_PORTS)
    with running(apps, host=plan.host, ports=ports) as urls:
        _point_partners_at(
            plan,
            {
                payment[spec.instance].client_code: (
                    urls[spec.instance],
                    payment_launch.webhook_url(urls[spec.instance]),
                )
                for spec in PAYMENT_PARTNERS
            },
        )
        log = plan.folder / "prakerja-server.log"
        with running_server(
            _server_env(plan, urls), log, cwd=plan.folder, port=plan.port, host=plan.host
        ) as url:
            instances = [
                Instance(kind="gov", instance=name, url=urls[name])
                for name in ("dukcapil", "dtks", "biometrics")
            ] + [
                Instance(
                    kind="payment-partner",
                    instance=spec.instance,
                    url=urls[spec.instance],
                    client_code=payment[spec.instance].client_code,
                )
                for spec in PAYMENT_PARTNERS
            ]
            ecosystem = Ecosystem(
                sandbox_url=url,
                population=str(population.resolve()),
                pmo_client_code=pmo.client_code,
                pmo_sign_key=pmo.sign_key,
                simulators=tuple(instances),
            )
            state = plan.folder / STATE_FILE
            ecosystem.save(state)
            started = Started(ecosystem=ecosystem, pmo=pmo)
            started.rows.append(("Reference server", url, "—"))
            started.rows += [
                (f"{i.kind}: {i.instance}", i.url, i.client_code or "—") for i in instances
            ]
            try:
                yield started
            finally:
                state.unlink(missing_ok=True)


def _keys(creds: Credentials) -> payment_launch.Credentials:
    return payment_launch.Credentials(creds.client_code, creds.sign_key, creds.webhook_key)
