"""The draw from the database (SQL on PostgreSQL, streamed on SQLite) equals the pure draw."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from contract.endpoints import CLOSE_WAVE, COMMIT_WAVE
from contract.registration import Stage
from reference_server import bulkload, draw
from reference_server.domain import lottery
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import Applicant, Wave
from tests.factories import Partners
from tests.reference_server import waves_support as ws

SEED = "c0ffee" * 10 + "beef"


@pytest.fixture(scope="module")
def wave(partners: Partners, runtime: Runtime) -> tuple[int, list[str]]:
    """A closed wave of 2,000 joiners of whom 300 (plus any carried in) are still eligible."""
    office = ws.pmo(partners)
    code = ws.create(office, quota=1)["wave_code"]
    joiners = ws.niks(ws.nik_prefix(), 2_000)
    bulkload.load_joiners(runtime.engine, code, [{"nik": n} for n in joiners], chunk=700)
    ws.step(office, COMMIT_WAVE.path, code)
    ws.step(office, CLOSE_WAVE.path, code)
    eligible = joiners[::6][:300]
    with transaction(runtime.sessions) as session:
        wave_id = session.scalar(select(Wave.id).where(Wave.wave_code == code))
        assert wave_id is not None
        session.execute(
            update(Applicant)
            .where(Applicant.nik.in_(joiners), Applicant.nik.not_in(eligible))
            .values(stage=Stage.INELIGIBLE.value)
        )
    with runtime.sessions() as session:
        in_draw = list(draw.stream_niks(session, wave_id))
    # Applicants not selected by earlier tests' waves rolled in too (carried joiners).
    assert set(eligible) <= set(in_draw) and len(in_draw) < 400
    return wave_id, in_draw


@pytest.mark.parametrize("quota", [0, 1, 17, 200, 299, 300, 301, 5_000])
def test_database_draw_equals_pure_draw(
    runtime: Runtime, wave: tuple[int, list[str]], quota: int
) -> None:
    """quota 200 of 300 eligible among 2,000 rows: the first bound is too tight and widens."""
    wave_id, eligible = wave
    with runtime.sessions() as session:
        from_db = draw.select_winners(session, wave_id, SEED, quota)
        assert draw.eligible_count(session, wave_id) == len(eligible)
    assert from_db == lottery.draw(SEED, eligible, quota)
    assert len(from_db) == min(quota, len(eligible))


def test_threshold_of_all_rows_is_too_tight_for_the_eligible_few() -> None:
    """What the quota-200 case above exercises: too few pass the first bound, so it widens."""
    bound = lottery.threshold(2_000, 200)
    eligible = ws.niks("77", 300)
    passing = sum(1 for nik in eligible if lottery.draw_key(SEED, nik) <= bound)
    assert passing < 200
