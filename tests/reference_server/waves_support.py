"""Helpers of the wave tests: a PMO partner, waves through the admin API, joiners loaded in bulk.

Tests share one database, and waves may not overlap: every wave here opens now and is closed
early by the test that made it, so the next one can open after it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from contract.endpoints import (
    CLOSE_WAVE,
    COMMIT_WAVE,
    CREATE_WAVE,
    DRAW_WAVE,
    EXPORT_WAVE,
    Role,
)
from contract.registration import Stage
from reference_server import bulkload
from reference_server.runtime import Runtime
from reference_server.storage.tables import Applicant
from tests.factories import Partner, Partners, success_data


def pmo(partners: Partners) -> Partner:
    """A new programme-office partner."""
    return partners.add(role=Role.PMO)


def nik_prefix() -> str:
    """Eight random digits: NIKs of one test never meet another test's."""
    return f"{secrets.randbelow(10**8):08d}"


def niks(prefix: str, n: int) -> list[str]:
    """``n`` distinct 16-digit NIKs with ``prefix``."""
    return [f"{prefix}{i:08d}" for i in range(n)]


def create(office: Partner, *, quota: int, scheme: str = "normal", **times: datetime) -> Any:
    """A wave opening now (or at ``opens_at``) for a day (or until ``closes_at``)."""
    now = datetime.now(UTC)
    body = {
        "wave_code": f"T{secrets.token_hex(5)}",
        "quota": quota,
        "opens_at": times.get("opens_at", now).isoformat(),
        "closes_at": times.get("closes_at", now + timedelta(days=1)).isoformat(),
        "scheme": scheme,
    }
    return success_data(office.post(CREATE_WAVE.path, body))


def step(office: Partner, endpoint_path: str, code: str) -> Any:
    """commit, close, draw or status of a wave; the data."""
    return success_data(office.post(endpoint_path, {"wave_code": code}))


def drawn_wave(
    office: Partner, runtime: Runtime, *, quota: int, joiners: list[str], scheme: str = "normal"
) -> Any:
    """Create, load the joiners, commit, close and draw; the draw's data."""
    wave = create(office, quota=quota, scheme=scheme)
    bulkload.load_joiners(runtime.engine, wave["wave_code"], [{"nik": n} for n in joiners])
    step(office, COMMIT_WAVE.path, wave["wave_code"])
    step(office, CLOSE_WAVE.path, wave["wave_code"])
    return step(office, DRAW_WAVE.path, wave["wave_code"])


def export(office: Partner, code: str, which: str) -> list[str]:
    """The NIKs of an export (header checked)."""
    response = office.post(EXPORT_WAVE.path, {"wave_code": code, "list": which})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "nik"
    return lines[1:]


def not_selected(runtime: Runtime) -> int:
    """Applicants waiting to roll into the next wave."""
    with runtime.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Applicant)
                .where(Applicant.stage == Stage.NOT_SELECTED.value)
            )
            or 0
        )
