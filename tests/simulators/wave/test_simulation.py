"""``prakerja simulate`` against a real server and the government simulators, over HTTP only:
the funnel keeps the rules, and the same seed on a fresh sandbox gives the same numbers."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from contract.endpoints import Role
from reference_server.app import prepare
from reference_server.launch import running_server
from reference_server.partners import add_partner
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from reference_server.storage.db import transaction
from simulators.government.launch import running_government
from simulators.population.generator import generate
from simulators.wave.driver import Settings
from simulators.wave.ecosystem import Ecosystem
from simulators.wave.run import simulate

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("population") / "people.csv"
    generate(path, 600, 11, date.today(), progress=False)
    return path


@contextmanager
def fresh_sandbox(folder: Path, population: Path) -> Iterator[Ecosystem]:
    """A server of its own (SQLite), the government sources, and a programme office."""
    database = f"sqlite:///{folder / 'sandbox.db'}"
    secret = Fernet.generate_key().decode()
    runtime = Runtime(ServerSettings(database_url=database, secret_key=secret))
    try:
        prepare(runtime)
        with transaction(runtime.sessions) as session:
            office = add_partner(session, runtime.keys, role=Role.PMO, name="PMO simulasi")
    finally:
        runtime.close()
    with running_government(population) as gov:
        env = {
            **os.environ,
            **gov.env(),
            "PRAKERJA_DATABASE_URL": database,
            "PRAKERJA_SECRET_KEY": secret,
            "PRAKERJA_PASSWORD_HASH_COST": "10",
            "PRAKERJA_RATE_PER_ADDRESS": "1000000",
            "PRAKERJA_RETRY_BASE_SECONDS": "0.05",
        }
        with running_server(env, folder / "server.log", cwd=ROOT) as url:
            yield Ecosystem(
                sandbox_url=url,
                population=str(population),
                pmo_client_code=office.client_code,
                pmo_sign_key=office.sign_key,
            )


def _numbers(funnel: dict[str, Any]) -> dict[str, Any]:
    keep = ("funnel", "branches", "ineligible_reasons", "money", "checks", "ok")
    return {key: funnel[key] for key in keep}


def test_a_wave_keeps_the_rules_and_the_same_seed_repeats_its_numbers(
    tmp_path: Path, population: Path
) -> None:
    settings = Settings(people=120, seed=5, concurrency=16)
    runs = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        with fresh_sandbox(folder, population) as ecosystem:
            runs.append(asyncio.run(simulate(ecosystem, settings)).as_dict())
    first, second = runs
    assert first["ok"], [c for c in first["checks"] if not c["ok"]]
    funnel = first["funnel"]
    assert funnel["people"] == 120 and funnel["registered"] == 120
    assert 0 < funnel["eligible"] < funnel["identity_submitted"] <= funnel["phone_verified"]
    assert funnel["selected"] == min(48, funnel["joined"])  # 40% of the people
    assert sum(first["ineligible_reasons"].values()) == first["branches"]["ineligible"]
    assert _numbers(first) == _numbers(second)
