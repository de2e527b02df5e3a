"""The admin API over HTTP with a signed PMO client: a wave's life, every illegal step, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contract import errors as err
from contract.endpoints import (
    CLOSE_WAVE,
    COMMIT_WAVE,
    CREATE_WAVE,
    DRAW_WAVE,
    EXPORT_WAVE,
    REVOKE_EXPIRED,
    WAVE_STATUS,
    WAVES,
)
from contract.errors import ApiError
from reference_server import bulkload
from reference_server.domain import lottery
from reference_server.runtime import Runtime
from reference_server.services import waves
from tests.factories import Partner, Partners, assert_api_error, success_data
from tests.reference_server import waves_support as ws


@pytest.fixture
def office(partners: Partners) -> Partner:
    return ws.pmo(partners)


def test_lifecycle_commit_close_draw_export_and_public_list(
    office: Partner, runtime: Runtime, server_url: str
) -> None:
    waiting = ws.not_selected(runtime)
    wave = ws.create(office, quota=40)
    code = wave["wave_code"]
    assert wave["status"] == "OPEN"
    assert wave["seed_commitment"] is None and wave["seed"] is None
    assert wave["joiners"] == waiting  # not-selected applicants of earlier waves rolled in
    joiners = ws.niks(ws.nik_prefix(), 120)
    bulkload.load_joiners(runtime.engine, code, [{"nik": n} for n in joiners])

    committed = ws.step(office, COMMIT_WAVE.path, code)
    commitment = committed["seed_commitment"]
    assert len(commitment) == 64 and committed["seed"] is None
    public = success_data(httpx.get(server_url + WAVES.path))["waves"]
    mine = next(w for w in public if w["wave_code"] == code)
    assert mine["seed_commitment"] == commitment and mine["seed"] is None
    assert mine["joiners"] == 120 + waiting

    closed = ws.step(office, CLOSE_WAVE.path, code)
    assert closed["status"] == "CLOSED"
    drawn = ws.step(office, DRAW_WAVE.path, code)
    assert drawn["status"] == "DRAWN"
    assert lottery.check_reveal(drawn["seed"], commitment)
    assert drawn["eligible_joiners"] == 120 + waiting
    assert drawn["winners"] == 40

    everyone = ws.export(office, code, "joiners")
    winners = ws.export(office, code, "winners")
    assert set(joiners) <= set(everyone) and len(everyone) == 120 + waiting
    assert winners == lottery.draw(drawn["seed"], everyone, 40)  # in draw order
    public = success_data(httpx.get(server_url + WAVES.path))["waves"]
    mine = next(w for w in public if w["wave_code"] == code)
    assert mine["seed"] == drawn["seed"] and mine["winners"] == 40
    assert ws.not_selected(runtime) == 120 + waiting - 40


def test_losers_roll_into_a_later_wave_at_the_draw(office: Partner, runtime: Runtime) -> None:
    first = ws.create(office, quota=10)
    code = first["wave_code"]
    now = datetime.now(UTC)
    later = ws.create(
        office,
        quota=5,
        opens_at=now + timedelta(days=400),
        closes_at=now + timedelta(days=401),
    )
    bulkload.load_joiners(runtime.engine, code, [{"nik": n} for n in ws.niks(ws.nik_prefix(), 30)])
    ws.step(office, COMMIT_WAVE.path, code)
    ws.step(office, CLOSE_WAVE.path, code)
    drawn = ws.step(office, DRAW_WAVE.path, code)
    status = ws.step(office, WAVE_STATUS.path, later["wave_code"])
    assert status["joiners"] == later["joiners"] + drawn["eligible_joiners"] - 10
    assert ws.not_selected(runtime) == 0
    # Put the later wave out of the way of the other tests: commit and close it (no draw).
    ws.step(office, COMMIT_WAVE.path, later["wave_code"])
    ws.step(office, CLOSE_WAVE.path, later["wave_code"])


def test_quota_larger_than_joiners_selects_all(office: Partner, runtime: Runtime) -> None:
    waiting = ws.not_selected(runtime)
    drawn = ws.drawn_wave(
        office, runtime, quota=10_000, joiners=ws.niks(ws.nik_prefix(), 25), scheme="semi_bansos"
    )
    assert drawn["winners"] == drawn["eligible_joiners"] == 25 + waiting
    assert ws.not_selected(runtime) == 0


def test_every_illegal_step_is_wave_state(office: Partner) -> None:
    code = ws.create(office, quota=3)["wave_code"]
    conflict = 409
    # Close and draw before the commitment.
    assert_api_error(
        office.post(CLOSE_WAVE.path, {"wave_code": code}), err.WAVE_STATE.code, conflict
    )
    assert_api_error(
        office.post(DRAW_WAVE.path, {"wave_code": code}), err.WAVE_STATE.code, conflict
    )
    assert_api_error(
        office.post(EXPORT_WAVE.path, {"wave_code": code, "list": "joiners"}),
        err.WAVE_STATE.code,
        conflict,
    )
    ws.step(office, COMMIT_WAVE.path, code)
    # Commit twice; draw while open.
    assert_api_error(
        office.post(COMMIT_WAVE.path, {"wave_code": code}), err.WAVE_STATE.code, conflict
    )
    assert_api_error(
        office.post(DRAW_WAVE.path, {"wave_code": code}), err.WAVE_STATE.code, conflict
    )
    ws.step(office, CLOSE_WAVE.path, code)
    # Close twice; commit after closing; export before the draw.
    assert_api_error(
        office.post(CLOSE_WAVE.path, {"wave_code": code}), err.WAVE_STATE.code, conflict
    )
    assert_api_error(
        office.post(COMMIT_WAVE.path, {"wave_code": code}), err.WAVE_STATE.code, conflict
    )
    assert_api_error(
        office.post(EXPORT_WAVE.path, {"wave_code": code, "list": "winners"}),
        err.WAVE_STATE.code,
        conflict,
    )
    ws.step(office, DRAW_WAVE.path, code)
    # Draw twice; anything after the draw.
    for path in (DRAW_WAVE.path, CLOSE_WAVE.path, COMMIT_WAVE.path):
        assert_api_error(office.post(path, {"wave_code": code}), err.WAVE_STATE.code, conflict)


def test_create_refuses_bad_waves(office: Partner) -> None:
    now = datetime.now(UTC)
    base = {
        "wave_code": "BAD-1",
        "quota": 5,
        "opens_at": (now + timedelta(days=900)).isoformat(),
        "closes_at": (now + timedelta(days=901)).isoformat(),
        "scheme": "normal",
    }
    assert_api_error(
        office.post(CREATE_WAVE.path, {**base, "scheme": "nope"}), err.SCHEME_UNKNOWN.code, 400
    )
    assert_api_error(
        office.post(CREATE_WAVE.path, {**base, "closes_at": base["opens_at"]}),
        err.WAVE_TIMES_INVALID.code,
        400,
    )
    assert_api_error(
        office.post(
            CREATE_WAVE.path,
            {
                **base,
                "opens_at": (now - timedelta(days=3)).isoformat(),
                "closes_at": (now - timedelta(days=2)).isoformat(),
            },
        ),
        err.WAVE_TIMES_INVALID.code,
        400,
    )
    for opens, closes in (
        ("9999-12-31T20:00:00-05:00", "9999-12-31T23:00:00-05:00"),  # past year 9999 in UTC
        ("0001-01-01T01:00:00+05:00", "2031-01-01T00:00:00+00:00"),
        ("2150-01-01T00:00:00+00:00", "2150-02-01T00:00:00+00:00"),
    ):
        assert_api_error(
            office.post(CREATE_WAVE.path, {**base, "opens_at": opens, "closes_at": closes}),
            err.WAVE_TIMES_INVALID.code,
            400,
        )
    assert_api_error(
        office.post(REVOKE_EXPIRED.path, {"as_of": "9999-12-31T23:00:00-05:00"}),
        err.BAD_REQUEST.code,
        400,
    )
    code = ws.create(
        office,
        quota=5,
        opens_at=now + timedelta(days=900),
        closes_at=now + timedelta(days=901),
    )["wave_code"]
    assert_api_error(
        office.post(CREATE_WAVE.path, {**base, "wave_code": code}), err.WAVE_EXISTS.code, 409
    )
    overlapping = {
        **base,
        "wave_code": "BAD-2",
        "opens_at": (now + timedelta(days=900, hours=12)).isoformat(),
        "closes_at": (now + timedelta(days=902)).isoformat(),
    }
    assert_api_error(office.post(CREATE_WAVE.path, overlapping), err.WAVE_OVERLAP.code, 409)
    for body in (
        {**base, "quota": 0},
        {**base, "quota": "5"},
        {**base, "opens_at": "2030-01-01T00:00:00"},  # no zone
        {**base, "wave_code": "spaces not allowed"},
        {**base, "extra": 1},
    ):
        assert_api_error(office.post(CREATE_WAVE.path, body), err.BAD_REQUEST.code, 400)
    ws.step(office, COMMIT_WAVE.path, code)
    ws.step(office, CLOSE_WAVE.path, code)


def test_unknown_wave_and_wrong_role(office: Partner, partners: Partners) -> None:
    for path in (COMMIT_WAVE.path, CLOSE_WAVE.path, DRAW_WAVE.path, WAVE_STATUS.path):
        assert_api_error(office.post(path, {"wave_code": "NOPE"}), err.WAVE_NOT_FOUND.code, 404)
    assert_api_error(
        office.post(EXPORT_WAVE.path, {"wave_code": "NOPE", "list": "joiners"}),
        err.WAVE_NOT_FOUND.code,
        404,
    )
    assert_api_error(
        office.post(EXPORT_WAVE.path, {"wave_code": "NOPE", "list": "losers"}),
        err.BAD_REQUEST.code,
        400,
    )
    dp = partners.dp()
    assert_api_error(dp.post(WAVE_STATUS.path, {"wave_code": "NOPE"}), err.WRONG_ROLE.code, 403)


def test_in_the_sandbox_the_office_may_commit_to_its_own_seed_for_reproducible_draws(
    office: Partner, runtime: Runtime, settings: Any
) -> None:
    seed = "5eed" * 16
    wave = ws.create(office, quota=3)
    code = wave["wave_code"]
    for malformed in ("5EED" * 16, "5eed", "zz" * 32, 7):
        response = office.post(COMMIT_WAVE.path, {"wave_code": code, "seed": malformed})
        assert_api_error(response, err.BAD_REQUEST.code)
    production = Runtime(settings.model_copy(update={"sandbox": False}))
    try:
        with pytest.raises(ApiError) as refused:
            waves.commit_wave(production, "pmo:test", code, seed)
    finally:
        production.close()
    assert refused.value.error is err.SANDBOX_ONLY

    joiners = ws.niks(ws.nik_prefix(), 10)
    bulkload.load_joiners(runtime.engine, code, [{"nik": n} for n in joiners])
    committed = success_data(office.post(COMMIT_WAVE.path, {"wave_code": code, "seed": seed}))
    assert committed["seed_commitment"] == lottery.commitment(seed)
    ws.step(office, CLOSE_WAVE.path, code)
    drawn = ws.step(office, DRAW_WAVE.path, code)
    assert drawn["seed"] == seed
