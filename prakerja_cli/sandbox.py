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

import asyncio
import csv
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
from fastapi import FastAPI

from contract.endpoints import Role
from reference_server import bulkload
from reference_server.launch import running_server
from reference_server.partners import Credentials, add_redirect_uri, ensure_partner, set_urls
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from reference_server.storage.db import transaction
from simulators.framework.registry import SimConfig
from simulators.framework.serving import running
from simulators.government.launch import source_apps
from simulators.jobportal.kinds import JOB_PORTAL
from simulators.jobportal.launch import portal_config
from simulators.jobportal.portals import PORTALS
from simulators.payment import launch as payment_launch
from simulators.payment.partners import PARTNERS as PAYMENT_PARTNERS
from simulators.platform.launch import platform_apps
from simulators.population.generator import generate
from simulators.provider.classroom import CALLBACK_PATH
from simulators.provider.launch import provider_apps
from simulators.wave.curation import CurationResult, curate_pending
from simulators.wave.driver import Office
from simulators.wave.ecosystem import STATE_FILE, Ecosystem, Instance
from simulators.wave.http import Api, Signer

PMO_CLIENT_CODE = "pmo-sandbox"
ROLE_LABELS = {
    "gov": "government",
    "digital-platform": "platform (DP)",
    "training-provider": "provider (LP)",
    "payment-partner": "payment (PP)",
    "job-portal": "job portal (JP)",
}
DEFAULT_DATABASE_FILE = "prakerja-sandbox.db"
GOVERNMENT_PORTS = (8101, 8102, 8103)
PAYMENT_PORTS = tuple(8401 + n for n in range(len(PAYMENT_PARTNERS)))
# The seven marketplaces of 2021 (simulated: names of the programme's platforms, nothing of
# theirs), and training providers; each platform carries three providers, each provider is
# carried by two or three platforms.
PLATFORMS: tuple[tuple[str, str], ...] = (
    ("tokopedia", "Tokopedia"),
    ("bukalapak", "Bukalapak"),
    ("pintaria", "Pintaria"),
    ("sekolahmu", "Sekolahmu"),
    ("pijarmahir", "Pijar Mahir"),
    ("sisnaker", "Sisnaker"),
    ("maubelajarapa", "MauBelajarApa"),
)
PROVIDERS: tuple[tuple[str, str], ...] = (
    ("lpk-maju", "LPK Maju Bersama"),
    ("kursus-nusantara", "Kursus Nusantara"),
    ("akademi-digital", "Akademi Digital Indonesia"),
    ("dapur-ilmu", "Dapur Ilmu Kuliner"),
    ("bengkel-karya", "Bengkel Karya Teknik"),
    ("pusat-bahasa", "Pusat Bahasa Cakap"),
    ("rumah-usaha", "Rumah Usaha Mandiri"),
    ("tani-cerdas", "Tani Cerdas"),
    ("kantor-prima", "Kantor Prima Administrasi"),
)
CARRIED = 3
PLATFORM_PORTS = tuple(8201 + n for n in range(len(PLATFORMS)))
PORTAL_PORTS = tuple(8501 + n for n in range(len(PORTALS)))
# Job portals publish a simulated day every real hour, and open with a day's vacancies.
PORTAL_TIME_SCALE = 24.0
SANDBOX_PULL_SECONDS = 60
PROVIDER_PORTS = tuple(8301 + n for n in range(len(PROVIDERS)))
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
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # role, name, URL, code
    notes: list[str] = field(default_factory=list)


def ensure_population(plan: Plan) -> tuple[Path, bool]:
    """The population file (generated when missing); whether it was made now."""
    path = plan.population if plan.population.is_absolute() else plan.folder / plan.population
    if path.exists():
        return path, False
    generate(path, plan.people, plan.seed, date.today())
    return path, True


@dataclass(frozen=True)
class Registered:
    """The sandbox's own partners: the office and every simulator, by instance."""

    pmo: Credentials
    payment: dict[str, Credentials]
    platforms: dict[str, Credentials]
    providers: dict[str, Credentials]
    portals: dict[str, Credentials]
    history: int  # earlier beneficiaries loaded from the population this start


def _register(plan: Plan, population: Path) -> Registered:
    """Migrate, seed, load the history, and register the simulators as partners."""
    runtime = _runtime(plan)
    try:
        with population.open(encoding="utf-8", newline="") as handle:
            history = bulkload.load_history(runtime.engine, csv.DictReader(handle)).written
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
            platforms = {
                instance: ensure_partner(
                    session,
                    runtime.keys,
                    role=Role.DP,
                    name=f"{name} (simulator)",
                    client_code=f"dp-{instance}",
                )
                for instance, name in PLATFORMS
            }
            providers = {
                instance: ensure_partner(
                    session,
                    runtime.keys,
                    role=Role.LP,
                    name=f"{name} (simulator)",
                    client_code=f"lp-{instance}",
                )
                for instance, name in PROVIDERS
            }
            portals = {
                spec.instance: ensure_partner(
                    session,
                    runtime.keys,
                    role=Role.JP,
                    name=f"{spec.name} (simulator)",
                    client_code=f"jp-{spec.instance}",
                )
                for spec in PORTALS
            }
    finally:
        runtime.close()
    return Registered(pmo, payment, platforms, providers, portals, history)


def carried_by(index: int) -> tuple[str, ...]:
    """The providers platform ``index`` carries: three neighbours, round the list."""
    return tuple(PROVIDERS[(index + k) % len(PROVIDERS)][0] for k in range(CARRIED))


def _point_partners_at(
    plan: Plan, urls: dict[str, tuple[str, str | None]], callbacks: dict[str, str]
) -> None:
    """Record each simulator's own API and webhook receiver (client_code → (base, webhook)) and
    each provider's callback as its registered redirect URI (client_code → URI)."""
    runtime = _runtime(plan)
    try:
        with transaction(runtime.sessions) as session:
            for client_code, (base, webhook) in urls.items():
                set_urls(session, client_code, base_url=base, webhook_url=webhook)
            for client_code, uri in callbacks.items():
                add_redirect_uri(session, client_code, uri, "prakerja-up")
    finally:
        runtime.close()


def database_url(plan: Plan) -> str:
    """The plan's database: given, or the embedded default in the plan's folder."""
    return plan.database_url or f"sqlite:///{plan.folder.resolve() / DEFAULT_DATABASE_FILE}"


def _runtime(plan: Plan) -> Runtime:
    """The server's database, migrated and seeded, opened in this process."""
    runtime = Runtime(ServerSettings(database_url=database_url(plan)))
    from reference_server.app import prepare  # the app's imports only where a command needs them

    prepare(runtime)
    return runtime


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
        # The portals publish a simulated day an hour: read the pulled one every minute.
        "PRAKERJA_JOBS_PULL_SECONDS": os.environ.get(
            "PRAKERJA_JOBS_PULL_SECONDS", str(SANDBOX_PULL_SECONDS)
        ),
    }
    env["PRAKERJA_DATABASE_URL"] = database_url(plan)
    return env


@contextmanager
def running_sandbox(plan: Plan) -> Iterator[Started]:
    """Everything running until the block ends; then stopped, always, and the state file gone."""
    population, _ = ensure_population(plan)
    registered = _register(plan, population)
    pmo, payment = registered.pmo, registered.payment
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
    listening: dict[str, str] = {}
    apps += provider_apps(
        [
            SimConfig(
                instance=instance,
                sandbox_url=sandbox_url,
                client_code=registered.providers[instance].client_code,
                sign_key=registered.providers[instance].sign_key,
                options={"name": name, "seed": plan.seed + n},
            )
            for n, (instance, name) in enumerate(PROVIDERS)
        ]
    )
    ports += _ports(plan, PROVIDER_PORTS)
    apps += platform_apps(
        [
            SimConfig(
                instance=instance,
                sandbox_url=sandbox_url,
                client_code=registered.platforms[instance].client_code,
                sign_key=registered.platforms[instance].sign_key,
                options={"name": name, "providers": _carried_urls(listening, carried_by(n))},
            )
            for n, (instance, name) in enumerate(PLATFORMS)
        ]
    )
    ports += _ports(plan, PLATFORM_PORTS)
    for spec in PORTALS:
        keys = registered.portals[spec.instance]
        config = portal_config(
            spec.instance,
            sandbox_url=sandbox_url,
            client_code=keys.client_code,
            sign_key=keys.sign_key,
            webhook_key=keys.webhook_key,
            time_scale=PORTAL_TIME_SCALE,
            seed=plan.seed,
        )
        apps.append((spec.instance, JOB_PORTAL.factory(config)))
    ports += _ports(plan, PORTAL_PORTS)
    with running(apps, host=plan.host, ports=ports) as urls:
        listening.update({instance: urls[instance] for instance, _ in PROVIDERS})
        _open_pulled_portals(urls)
        _point_partners_at(
            plan,
            {
                payment[spec.instance].client_code: (
                    urls[spec.instance],
                    payment_launch.webhook_url(urls[spec.instance]),
                )
                for spec in PAYMENT_PARTNERS
            }
            | {
                registered.portals[spec.instance].client_code: (urls[spec.instance], None)
                for spec in PORTALS
            },
            {
                registered.providers[instance].client_code: urls[instance] + CALLBACK_PATH
                for instance, _ in PROVIDERS
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
            instances += [
                Instance(
                    kind="training-provider",
                    instance=instance,
                    url=urls[instance],
                    client_code=registered.providers[instance].client_code,
                )
                for instance, _ in PROVIDERS
            ]
            instances += [
                Instance(
                    kind="digital-platform",
                    instance=instance,
                    url=urls[instance],
                    client_code=registered.platforms[instance].client_code,
                )
                for instance, _ in PLATFORMS
            ]
            instances += [
                Instance(
                    kind="job-portal",
                    instance=spec.instance,
                    url=urls[spec.instance],
                    client_code=registered.portals[spec.instance].client_code,
                )
                for spec in PORTALS
            ]
            ecosystem = Ecosystem(
                sandbox_url=url,
                population=str(population.resolve()),
                pmo_client_code=pmo.client_code,
                pmo_sign_key=pmo.sign_key,
                simulators=tuple(instances),
            )
            curated = asyncio.run(open_the_catalogue(ecosystem))
            state = plan.folder / STATE_FILE
            ecosystem.save(state)
            started = Started(ecosystem=ecosystem, pmo=pmo)
            if registered.history:
                started.notes.append(
                    f"Loaded the history of {registered.history:,} earlier beneficiaries."
                )
            started.notes.append(
                f"The platforms submitted their providers' courses: the office approved "
                f"{curated.approved}, rejected {curated.rejected} (with reasons)."
            )
            started.rows.append(("Prakerja", "reference server", url, "—"))
            started.rows += [
                (ROLE_LABELS.get(i.kind, i.kind), i.instance, i.url, i.client_code or "—")
                for i in instances
            ]
            try:
                yield started
            finally:
                state.unlink(missing_ok=True)


def _open_pulled_portals(urls: dict[str, str]) -> None:
    """A portal Prakerja only reads publishes its opening day before the server starts, so that
    the server's first pull (at its start) finds it."""
    with httpx.Client(timeout=30) as http:
        for spec in PORTALS:
            if not spec.push:
                answer = http.post(
                    f"{urls[spec.instance]}/_sim/publish", json={"new": spec.per_day}
                )
                answer.raise_for_status()


async def open_the_catalogue(ecosystem: Ecosystem) -> CurationResult:
    """Every platform submits its providers' courses; the office assesses what is pending; the
    job portals that push publish a day's vacancies and push them."""
    api = Api(ecosystem.sandbox_url, concurrency=8)
    try:
        for portal in ecosystem.of_kind("job-portal"):
            spec = next(s for s in PORTALS if s.instance == portal.instance)
            if not spec.push:  # published before the server started (_open_pulled_portals)
                continue
            await api.call("POST", f"{portal.url}/_sim/publish", json={"new": spec.per_day})
            await api.call("POST", f"{portal.url}/_sim/flush")
        for platform in ecosystem.of_kind("digital-platform"):
            answer = await api.call("POST", f"{platform.url}/seller/submissions")
            if answer.status_code != 200:
                raise RuntimeError(
                    f"{platform.instance} could not submit its courses: {answer.text[:300]}"
                )
        office = Office(api, Signer(ecosystem.pmo_client_code, ecosystem.pmo_sign_key))
        return await curate_pending(office)
    finally:
        await api.close()


def _carried_urls(listening: dict[str, str], carried: tuple[str, ...]) -> Callable[[], list[str]]:
    def urls() -> list[str]:
        return [listening[name] for name in carried if name in listening]

    return urls


def _keys(creds: Credentials) -> payment_launch.Credentials:
    return payment_launch.Credentials(creds.client_code, creds.sign_key, creds.webhook_key)
