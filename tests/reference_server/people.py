"""Synthetic people for pipeline tests: population rows with ground truth, a server wired to the
government simulators, and the registration of a row over HTTP."""

from __future__ import annotations

import itertools
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from contract.population import (
    COLUMNS,
    OCCUPATION_STUDENT,
    OFFICIAL_OCCUPATIONS,
    Case,
    identity_of,
)
from contract.registration import Channel
from reference_server.launch import running_server
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from simulators.framework.behaviour import Profile
from simulators.government.launch import running_government
from simulators.government.registry import Registry
from tests.reference_server.applicants import PASSWORD, REG, REGION, Applicant, nik_for

ROOT = Path(__file__).resolve().parents[2]
_serial = itertools.count(1)
FINAL = ("ELIGIBLE", "INELIGIBLE")


def person(case: Case = Case.ELIGIBLE, **changes: str) -> dict[str, str]:
    """One population row that fails exactly ``case`` (or nothing), unique NIK, KK, face and
    contacts; ``changes`` override columns (to make groups share a KK, a NIK or a face)."""
    n = next(_serial)
    tag = secrets.token_hex(4)
    birth, sex = (date(1990, 1, 1 + n % 28), "M") if n % 2 else (date(1992, 3, 1 + n % 28), "F")
    if case is Case.UNDERAGE:
        birth = date(date.today().year - 16, 5, 5)
    nik = nik_for(birth, sex, serial=n % 9999 + 1)
    row = {
        "nik": nik,
        "kk": f"{REGION}{n:010d}",
        "name": f"Warga {tag}",
        "declared_name": f"Warga {tag}",
        "sex": sex,
        "birth_date": birth.isoformat(),
        "birth_place": "Jakarta",
        "region_code": "31.71.01",
        "address": "Jl. Kebon Sirih 1",
        "rural": "0",
        "phone": f"0813{secrets.randbelow(10**8):08d}",
        "email": f"warga-{tag}@example.test",
        "education": "SMA",
        "occupation": "WIRASWASTA",
        "employment_status": "UNEMPLOYED",
        "is_official": "0",
        "dtks": "0",
        "face_id": f"face-{tag}",
        "selfie": f"selfie-{tag}",
        "selfie_face": f"face-{tag}",
        "selfie_live": "1",
        "has_account": "1",
        "disability": "0",
        "migrant_worker": "0",
        "case": case.value,
    }
    if case is Case.DATA_MISMATCH:
        row["declared_name"] = f"Orang Lain {tag}"
    elif case is Case.LIVENESS_FAILED:
        row["selfie_live"] = "0"
    elif case is Case.FACE_MISMATCH:
        row["selfie_face"] = f"someone-else-{tag}"
    elif case is Case.STUDENT:
        row["occupation"] = OCCUPATION_STUDENT
    elif case is Case.OFFICIAL:
        row["occupation"] = OFFICIAL_OCCUPATIONS[n % len(OFFICIAL_OCCUPATIONS)]
    elif case is Case.SOCIAL_ASSISTANCE:
        row["dtks"] = "1"
    row.update(changes)
    assert set(row) == set(COLUMNS)
    return row


def second_account(original: Mapping[str, str]) -> dict[str, str]:
    """The same person again under new contacts and a new selfie of the same face."""
    tag = secrets.token_hex(4)
    return {
        **original,
        "phone": f"0813{secrets.randbelow(10**8):08d}",
        "email": f"again-{tag}@example.test",
        "selfie": f"selfie-{tag}",
        "case": Case.DUPLICATE_NIK.value,
    }


def same_face(original: Mapping[str, str]) -> dict[str, str]:
    """Another NIK whose registry photo and selfie are the original's face."""
    face = original["face_id"]
    return person(Case.DUPLICATE_FACE, face_id=face, selfie_face=face)


@dataclass
class Sandbox:
    """A reference server wired to the government simulators, and a handle on its database."""

    url: str
    runtime: Runtime
    http: httpx.Client


@contextmanager
def sandbox(
    rows: list[dict[str, str]],
    database_url: str,
    log: Path,
    *,
    dukcapil: Profile = Profile(),
    dtks: Profile = Profile(),
    biometrics: Profile = Profile(),
    **settings: str,
) -> Iterator[Sandbox]:
    """The simulators answering from ``rows`` and a server pointed at them (its own database)."""
    secret = Fernet.generate_key().decode()
    registry = Registry.from_rows(rows)
    with running_government(registry, dukcapil=dukcapil, dtks=dtks, biometrics=biometrics) as gov:
        env = {
            **os.environ,
            **gov.env(),
            "PRAKERJA_DATABASE_URL": database_url,
            "PRAKERJA_SECRET_KEY": secret,
            "PRAKERJA_SEED_FIXTURES": "false",
            "PRAKERJA_RATE_PER_ACCOUNT": "100000",
            "PRAKERJA_RATE_PER_ADDRESS": "100000",
            "PRAKERJA_RETRY_BASE_SECONDS": "0.05",
            "PRAKERJA_RETRY_MAX_SECONDS": "0.5",
            **{f"PRAKERJA_{k.upper()}": v for k, v in settings.items()},
        }
        with running_server(env, log, cwd=ROOT) as url:
            runtime = Runtime(ServerSettings(database_url=database_url, secret_key=secret))
            try:
                with httpx.Client(base_url=url, timeout=30) as http:
                    yield Sandbox(url, runtime, http)
            finally:
                runtime.close()


def register(http: httpx.Client, row: Mapping[str, str]) -> Applicant:
    """Sign the row's person up, verify both contacts, send identity and selfie as declared."""
    applicant = Applicant(http, row["email"], row["phone"])
    answer = http.post(
        f"{REG}/accounts",
        json={"email": row["email"], "phone": row["phone"], "password": PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    applicant.token = answer.json()["data"]["access_token"]
    applicant.account_id = answer.json()["data"]["account_id"]
    for channel in Channel:
        assert applicant.verify(channel).status_code == 200
    answer = applicant.post("/identity", identity_of(row))
    assert answer.status_code == 200, answer.text
    answer = applicant.post("/selfie", {"liveness_token": row["selfie"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["stage"] == "VERIFYING"
    return applicant


def wait_for_verdicts(
    applicants: list[Applicant], timeout: float, progress: Callable[[], Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Poll until every applicant is ELIGIBLE or INELIGIBLE (bounded); their statuses."""
    deadline = time.monotonic() + timeout
    final: dict[str, dict[str, Any]] = {}
    while True:
        for applicant in applicants:
            if applicant.account_id not in final:
                status = applicant.status()
                if status["stage"] in FINAL:
                    final[applicant.account_id] = status
        if len(final) == len(applicants) or time.monotonic() > deadline:
            return final
        time.sleep(0.1)


def verify_jobs_when_settled(runtime: Runtime, timeout: float = 10.0) -> list[Any]:
    """The verify jobs once none is pending or running: a verdict is visible a moment before the
    worker records its job as done (two transactions), so a test reading both must wait."""
    from sqlalchemy import select

    from reference_server.services.registration import VERIFY_JOB
    from reference_server.storage.tables import OutboxJob

    deadline = time.monotonic() + timeout
    while True:
        with runtime.sessions() as session:
            jobs = list(session.scalars(select(OutboxJob).where(OutboxJob.kind == VERIFY_JOB)))
        if all(job.status == "done" for job in jobs) or time.monotonic() > deadline:
            return jobs
        time.sleep(0.05)
