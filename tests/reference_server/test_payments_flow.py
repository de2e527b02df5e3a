"""The whole DP journey against the real server: quota, send-otp, authorize, status, void."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from contract.endpoints import AUTHORIZE, PAYMENT_STATUS, QUOTA_SCHEDULE, SEND_OTP, VOID
from reference_server.domain import otp
from reference_server.runtime import Runtime
from reference_server.storage.tables import AuditEvent, PaymentRequest, RedeemCode
from tests.factories import Partners, beneficiary, card_money, latest_otp

COURSE, SCHEDULE, PRICE = "SBX-MANDIRI", "SBX-MANDIRI-OPEN", 500_000


def quota(dp: Any) -> int:
    body = {"course_code": COURSE, "schedule_code": SCHEDULE}
    response = dp.post(QUOTA_SCHEDULE.path, body)
    assert response.status_code == 200, response.text
    return int(response.json()["data"]["quota"])


def test_purchase_status_void_and_back(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    person = beneficiary(dp, "normal-1")
    card = person["prakerja_id"]
    seats_before = quota(dp)
    assert card_money(runtime, card) == (3_500_000, 3_500_000)

    sent = dp.post(
        SEND_OTP.path,
        {
            "user_platform_id": "u-1",
            "prakerja_id": card,
            "course_code": COURSE,
            "schedule_code": SCHEDULE,
            "amount": PRICE,
        },
    )
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert (body["success"], body["message"]) == (True, "OTP berhasil dikirim.")
    token = body["data"]["payment_token"]
    assert body["data"]["expired_at"].endswith("Z")
    assert (
        body["data"]["phone_number"]
        == person["phone_number"][:4] + "****" + person["phone_number"][-4:]
    )

    code = latest_otp(server_url, card)
    paid = dp.post(
        AUTHORIZE.path,
        {"otp": code, "invoice_url": "https://dp.example/inv/1", "invoice_code": "INV-FLOW-1"},
        authorization=f"Payment {token}",
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["message"] == "Pelatihan berhasil dibeli."
    data = paid.json()["data"]
    assert data["invoice_code"] == "INV-FLOW-1"
    assert data["amount"] == PRICE
    assert data["status"] == "SUCCESS"
    assert data["prakerja_name"] == "user skema normal 1"
    assert len(data["transaction_code"]) == 16 and data["transaction_code"].isalnum()
    assert data["transaction_code"] == data["transaction_code"].upper()
    assert len(data["redeem_code"]) == 12 and not data["redeem_code"].startswith("PRAT-")
    assert quota(dp) == seats_before - 1
    assert card_money(runtime, card) == (3_000_000, 3_000_000)

    status = dp.post(PAYMENT_STATUS.path, {"invoice_code": "INV-FLOW-1"})
    assert status.status_code == 200, status.text
    assert status.json()["message"] == "OK"
    shown = status.json()["data"]
    assert shown["created_at"].endswith("Z")
    assert {
        k: shown[k] for k in ("transaction_code", "amount", "status", "redeem_code", "voided_at")
    } == {
        "transaction_code": data["transaction_code"],
        "amount": PRICE,
        "status": "SUCCESS",
        "redeem_code": data["redeem_code"],
        "voided_at": None,
    }

    void_body = {"invoice_code": "INV-FLOW-1", "transaction_code": data["transaction_code"]}
    voided = dp.post(VOID.path, void_body)
    assert voided.status_code == 200, voided.text
    assert voided.json() == {"success": True, "message": "Transaksi berhasil dibatalkan."}

    after = dp.post(PAYMENT_STATUS.path, {"invoice_code": "INV-FLOW-1"}).json()["data"]
    assert after["status"] == "VOIDED"
    assert after["voided_at"].endswith("Z")
    assert quota(dp) == seats_before
    assert card_money(runtime, card) == (3_500_000, 3_500_000)
    with runtime.sessions() as session:
        redeem = session.scalars(
            select(RedeemCode).where(RedeemCode.code == data["redeem_code"])
        ).one()
        assert redeem.status == 3

    again = dp.post(VOID.path, void_body)
    assert again.status_code == 400
    assert again.json() == {
        "success": False,
        "code": "ERRPLT40028",
        "message": "Transaksi sudah dibatalkan sebelumnya.",
    }
    assert card_money(runtime, card) == (3_500_000, 3_500_000)


def test_void_of_an_unknown_transaction(partners: Partners) -> None:
    dp = partners.dp()
    response = dp.post(VOID.path, {"invoice_code": "INV-X", "transaction_code": "NOSUCHTRANSACT01"})
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "code": "ERRVOD40001",
        "message": "Kode transaksi tidak ditemukan.",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"course_code": "", "schedule_code": SCHEDULE},
        {"course_code": COURSE, "schedule_code": ""},
        {"course_code": "", "schedule_code": ""},
        {"schedule_code": SCHEDULE},
        {"course_code": COURSE},
        {},
        {"course_code": "   ", "schedule_code": SCHEDULE},
        {"course_code": COURSE, "schedule_code": " \t"},
        {"course_code": None, "schedule_code": SCHEDULE},
        {"course_code": 12, "schedule_code": SCHEDULE},
    ],
)
def test_quota_with_empty_course_or_schedule(partners: Partners, body: dict[str, Any]) -> None:
    response = partners.dp().post(QUOTA_SCHEDULE.path, body)
    assert response.status_code == 400
    assert response.json()["code"] == "ERRPLT40036"
    assert response.json()["success"] is False


@pytest.mark.parametrize(
    ("course", "schedule", "code"),
    [
        (COURSE, "NO-SUCH-SCHEDULE", "ERRPLT40001"),
        ("NO-SUCH-COURSE", "NO-SUCH-SCHEDULE", "ERRPLT40001"),
        (COURSE, "SBX-WEBINAR-OPEN", "ERRPLT40002"),
        ("NO-SUCH-COURSE", SCHEDULE, "ERRPLT40002"),
    ],
)
def test_quota_of_an_unknown_or_foreign_schedule(
    partners: Partners, course: str, schedule: str, code: str
) -> None:
    response = partners.dp().post(
        QUOTA_SCHEDULE.path, {"course_code": course, "schedule_code": schedule}
    )
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_quota_of_a_full_schedule_is_zero(partners: Partners) -> None:
    response = partners.dp().post(
        QUOTA_SCHEDULE.path, {"course_code": "SBX-WEBINAR", "schedule_code": "SBX-WEBINAR-FULL"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "OK",
        "data": {"schedule_code": "SBX-WEBINAR-FULL", "course_code": "SBX-WEBINAR", "quota": 0},
    }


def test_only_hashes_are_stored_and_audited_without_secrets(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    sent = dp.post(
        SEND_OTP.path,
        {
            "user_platform_id": "u-1",
            "prakerja_id": card,
            "course_code": COURSE,
            "schedule_code": SCHEDULE,
            "amount": PRICE,
        },
    )
    token = sent.json()["data"]["payment_token"]
    code = latest_otp(server_url, card)
    with runtime.sessions() as session:
        row = session.scalars(
            select(PaymentRequest).where(PaymentRequest.token_hash == otp.digest(token))
        ).one()
        assert row.otp_hash == otp.digest(code)
        assert row.status == "pending" and row.attempts == 0
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "payment_request", AuditEvent.entity_id == str(row.id)
            )
        ).all()
    assert [e.action for e in events] == ["otp_sent"]
    assert events[0].actor == dp.creds.client_code
    assert token not in (events[0].detail or "") and code not in (events[0].detail or "")


def test_envelope_on_the_wire_is_exactly_the_portal_shape(partners: Partners) -> None:
    response = partners.dp().post(
        QUOTA_SCHEDULE.path, {"course_code": COURSE, "schedule_code": SCHEDULE}
    )
    assert response.headers["content-type"].startswith("application/json")
    assert list(response.json()) == ["success", "message", "data"]
    assert list(response.json()["data"]) == ["schedule_code", "course_code", "quota"]
