"""Reset of PRAT- test codes: positive cases go back to their start; nothing else may be reset."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from contract.client import compact, signed_headers
from contract.endpoints import REDEEM_RESET, REDEEM_STATUS, TPM_STATUS, TPM_SUBMISSION
from reference_server.app import create_app
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from reference_server.storage.tables import Assignment, RedeemCode, VerificationLink
from tests.factories import (
    Partner,
    answer_verification,
    assert_api_error,
    purchased_redeem_code,
    redeem_code,
    success_data,
    verification_url,
    verify_stage,
)


def _status(lp: Partner, code: str, sequence: int = 1) -> Any:
    return success_data(lp.post(REDEEM_STATUS.path, {"redeem_code": code, "sequence": sequence}))


def _reset(lp: Partner, code: str) -> Any:
    return success_data(lp.post(REDEEM_RESET.path, {"redeem_code": code}))


def _rows(runtime: Runtime, code: str) -> tuple[str | None, int, int]:
    """The code's bound email, and how many links and assignments it has."""
    with runtime.sessions() as session:
        row = session.scalars(select(RedeemCode).where(RedeemCode.code == code)).one()
        links = session.scalar(
            select(func.count())
            .select_from(VerificationLink)
            .where(VerificationLink.redeem_code_id == row.id)
        )
        work = session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.redeem_code_id == row.id)
        )
        return row.email, int(links or 0), int(work or 0)


def test_self_paced_redeem_case_goes_back_to_not_redeemed(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-001-200")
    start = _status(lp, code)
    verify_stage(lp, code, 1, email="a@example.com")
    success_data(
        lp.post(
            TPM_SUBMISSION.path,
            {"redeem_code": code, "scope": "tpm", "sequence": 1, "url_file": "https://f.example/1"},
        )
    )
    verify_stage(lp, code, 999, email="a@example.com")
    assert _status(lp, code)["status"] == 2

    data = _reset(lp, code)
    assert data == start
    assert _rows(runtime, code) == (None, 0, 0)
    tpm = success_data(
        lp.post(TPM_STATUS.path, {"redeem_code": code, "scope": "tpm", "sequence": 1})
    )
    assert tpm["assignment"]["status"] == 0
    # A fresh run works again, with any email.
    verify_stage(lp, code, 1, email="b@example.com")
    assert _status(lp, code)["status"] == 1


def test_post_test_case_goes_back_to_sequence_1_verified_only(
    lp: Partner, runtime: Runtime
) -> None:
    code = redeem_code(lp, "TC1-999-200")
    verify_stage(lp, code, 999, email="a@example.com")
    assert _status(lp, code, 999)["attendance_status"] == 1
    data = _reset(lp, code)
    assert (data["status"], data["attendance_status"], data["sequence"]) == (1, 1, 1)
    assert data["redeem_at"] is not None
    assert _status(lp, code, 999)["attendance_status"] == 0
    assert _rows(runtime, code) == (None, 0, 0)


def test_webinar_cases_reset_to_their_start(lp: Partner) -> None:
    fresh, post_test = redeem_code(lp, "TC2-001-200"), redeem_code(lp, "TC2-999-200")
    verify_stage(lp, fresh, 1, email="a@example.com")
    verify_stage(lp, post_test, 999, email="b@example.com")
    assert _reset(lp, fresh)["status"] == 0
    assert _reset(lp, post_test)["status"] == 1
    assert [_status(lp, post_test, s)["attendance_status"] for s in (1, 2, 3, 4, 999)] == [
        1,
        1,
        1,
        1,
        0,
    ]


def test_an_open_link_dies_with_the_reset(lp: Partner) -> None:
    code = redeem_code(lp, "TC1-001-200")
    url = verification_url(lp, code, 1, email="a@example.com")
    _reset(lp, code)
    response = answer_verification(url)
    assert response.status_code == 400
    assert "ERRRDM40010" in response.text
    assert _status(lp, code)["attendance_status"] == 0


@pytest.mark.parametrize("case", ["TC1-002-400", "TC2-999-400", "TC3-001-400"])
def test_negative_cases_cannot_be_reset(lp: Partner, case: str) -> None:
    code = redeem_code(lp, case)
    before = _status(lp, code)
    assert_api_error(lp.post(REDEEM_RESET.path, {"redeem_code": code}), "ERRRDM40004")
    assert _status(lp, code) == before


def test_a_real_purchase_cannot_be_reset(lp: Partner, runtime: Runtime) -> None:
    code = purchased_redeem_code(runtime, lp)
    assert not code.startswith("PRAT-")
    verify_stage(lp, code, 1, email="a@example.com")
    assert_api_error(lp.post(REDEEM_RESET.path, {"redeem_code": code}), "ERRRDM40004")
    assert _status(lp, code)["status"] == 1


def test_ownership_is_checked_before_the_test_case(new_lp: Callable[..., Partner]) -> None:
    owner, other = new_lp(), new_lp()
    for case in ("TC1-001-200", "TC3-001-400"):
        response = other.post(REDEEM_RESET.path, {"redeem_code": redeem_code(owner, case)})
        assert_api_error(response, "ERRRDM40001")
    assert_api_error(other.post(REDEEM_RESET.path, {"redeem_code": "NOPE"}), "ERRRDM40001")


def test_reset_is_refused_outside_sandbox_mode(lp: Partner, settings: ServerSettings) -> None:
    production_like = settings.model_copy(update={"sandbox": False})
    runtime = Runtime(production_like)
    app = create_app(production_like, runtime)
    body = compact({"redeem_code": redeem_code(lp, "TC1-999-200")})
    headers = signed_headers(lp.creds.client_code, lp.creds.sign_key, REDEEM_RESET.path, body)

    async def call() -> httpx.Response:
        # The database is already migrated by the session's server, so no lifespan is needed.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
            return await client.post(REDEEM_RESET.path, content=body, headers=headers)

    try:
        response = asyncio.run(call())
    finally:
        runtime.close()
    assert_api_error(response, "ERRGEN40301", 403)
