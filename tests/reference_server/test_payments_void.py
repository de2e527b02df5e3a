"""Void and status: a DP sees and cancels only its own purchases, and only before redemption."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, update

from contract.endpoints import PAYMENT_STATUS, VOID
from reference_server.runtime import Runtime
from reference_server.storage.tables import Attendance, AuditEvent, RedeemCode, utcnow
from tests.factories import Partners, beneficiary, buy, card_money, send_otp


def error_code(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    assert response.json()["success"] is False
    return str(response.json()["code"])


def test_another_dp_can_neither_read_nor_void(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    owner, stranger = partners.dp(), partners.dp()
    bought = buy(owner, server_url)
    card = beneficiary(owner, "normal-1")["prakerja_id"]
    invoice = {"invoice_code": bought["invoice_code"]}
    both = invoice | {"transaction_code": bought["transaction_code"]}

    assert error_code(stranger.post(PAYMENT_STATUS.path, invoice)) == "ERRPLT40018"
    assert error_code(stranger.post(VOID.path, both)) == "ERRVOD40001"
    assert card_money(runtime, card) == (3_000_000, 3_000_000)
    status = owner.post(PAYMENT_STATUS.path, invoice)
    assert status.json()["data"]["status"] == "SUCCESS"
    assert owner.post(VOID.path, both).status_code == 200


def test_status_of_an_unknown_invoice(partners: Partners) -> None:
    response = partners.dp().post(PAYMENT_STATUS.path, {"invoice_code": "INV-NEVER"})
    assert response.json() == {
        "success": False,
        "code": "ERRPLT40018",
        "message": "Kode invoice tidak ditemukan.",
    }


def test_transaction_and_invoice_must_match(partners: Partners, server_url: str) -> None:
    dp = partners.dp()
    first = buy(dp, server_url)
    second = buy(dp, server_url, course_code="SBX-WEBINAR", amount=1_000_000)
    crossed = {
        "invoice_code": second["invoice_code"],
        "transaction_code": first["transaction_code"],
    }
    assert error_code(dp.post(VOID.path, crossed)) == "ERRVOD40001"
    both = {"invoice_code": first["invoice_code"], "transaction_code": first["transaction_code"]}
    assert dp.post(VOID.path, both).status_code == 200


@pytest.mark.parametrize("how", ["redeemed", "attended"])
def test_a_used_redeem_code_blocks_the_void(
    partners: Partners, server_url: str, runtime: Runtime, how: str
) -> None:
    dp = partners.dp()
    bought = buy(dp, server_url)
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    with runtime.sessions() as session, session.begin():
        redeem = session.scalars(
            select(RedeemCode).where(RedeemCode.code == bought["redeem_code"])
        ).one()
        if how == "redeemed":
            session.execute(update(RedeemCode).where(RedeemCode.id == redeem.id).values(status=1))
        else:
            session.add(
                Attendance(redeem_code_id=redeem.id, sequence=1, via="page", verified_at=utcnow())
            )
    both = {"invoice_code": bought["invoice_code"], "transaction_code": bought["transaction_code"]}
    response = dp.post(VOID.path, both)
    assert error_code(response) == "ERRPLT40020"
    assert card_money(runtime, card) == (3_000_000, 3_000_000)
    status = dp.post(PAYMENT_STATUS.path, {"invoice_code": bought["invoice_code"]})
    assert status.json()["data"]["status"] == "SUCCESS"


def test_a_voided_course_can_be_bought_again(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    first = buy(dp, server_url)
    both = {"invoice_code": first["invoice_code"], "transaction_code": first["transaction_code"]}
    assert dp.post(VOID.path, both).status_code == 200
    again = buy(dp, server_url)
    assert again["transaction_code"] != first["transaction_code"]
    assert card_money(runtime, card) == (3_000_000, 3_000_000)


def test_void_is_audited_with_its_actor(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    bought = buy(dp, server_url)
    both = {"invoice_code": bought["invoice_code"], "transaction_code": bought["transaction_code"]}
    assert dp.post(VOID.path, both).status_code == 200
    with runtime.sessions() as session:
        actions = session.execute(
            select(AuditEvent.action, AuditEvent.actor)
            .where(
                AuditEvent.entity == "transaction",
                AuditEvent.entity_id == bought["transaction_code"],
            )
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(a) for a in actions] == [
        ("purchased", dp.creds.client_code),
        ("voided", dp.creds.client_code),
    ]


def test_a_pending_send_otp_is_no_purchase(partners: Partners) -> None:
    dp = partners.dp()
    assert send_otp(dp).status_code == 200
    response = dp.post(VOID.path, {"invoice_code": "INV-1", "transaction_code": "X" * 16})
    assert error_code(response) == "ERRVOD40001"
