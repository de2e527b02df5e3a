"""A partner's fixtures can be put back as seeded, so that its test runs repeat."""

from __future__ import annotations

from sqlalchemy import select

from contract.endpoints import PAYMENT_STATUS, REDEEM_STATUS
from reference_server.fixtures import reset_partner_fixtures
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import Partner as PartnerRow
from tests.factories import (
    Partner,
    beneficiary,
    buy,
    card_money,
    redeem_code,
    success_data,
    verify_stage,
)


def _reset(runtime: Runtime, partner: Partner) -> tuple[int, int, int]:
    with transaction(runtime.sessions) as session:
        row = session.scalars(
            select(PartnerRow).where(PartnerRow.client_code == partner.creds.client_code)
        ).one()
        done = reset_partner_fixtures(session, row, actor="test")
    return done.cards, done.purchases_voided, done.redeem_codes


def test_a_dp_reset_voids_its_test_purchases_and_restores_balances(
    dp: Partner, server_url: str, runtime: Runtime
) -> None:
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    bought = buy(dp, server_url)
    assert card_money(runtime, card) == (3_000_000, 3_000_000)

    cards, voided, codes = _reset(runtime, dp)

    assert (voided, codes) == (1, 0) and cards == 7
    assert card_money(runtime, card) == (3_500_000, 3_500_000)
    status = success_data(dp.post(PAYMENT_STATUS.path, {"invoice_code": bought["invoice_code"]}))
    assert status["status"] == "VOIDED"
    buy(dp, server_url)  # the same course can be bought again: the run repeats


def test_an_lp_reset_puts_every_test_code_back(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-001-200")
    assert verify_stage(lp, code, 1, email="reset@example.com").status_code == 303
    before = success_data(lp.post(REDEEM_STATUS.path, {"redeem_code": code, "sequence": 1}))
    assert before["attendance_status"] == 1

    assert _reset(runtime, lp) == (0, 0, 7)

    after = success_data(lp.post(REDEEM_STATUS.path, {"redeem_code": code, "sequence": 1}))
    assert (after["status"], after["attendance_status"], after["redeem_at"]) == (0, 0, None)
    # The email binding went with it: another email may verify now.
    assert verify_stage(lp, code, 1, email="other@example.com").status_code == 303
