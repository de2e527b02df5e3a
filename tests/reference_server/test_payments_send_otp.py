"""Send-otp refuses every order the rules forbid, with its exact code, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from contract.endpoints import SEND_OTP
from reference_server.runtime import Runtime
from reference_server.storage.tables import PaymentRequest, SmsMessage
from tests.factories import Partners, beneficiary, buy, card_money, private_schedule, send_otp

CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "unknown course",
        {"course_code": "NO-SUCH-COURSE", "schedule_code": "SBX-MANDIRI-OPEN"},
        "ERRPLT40011",
    ),
    ("unknown schedule", {"schedule_code": "NO-SUCH-SCHEDULE"}, "ERRPLT40001"),
    ("schedule of another course", {"schedule_code": "SBX-WEBINAR-OPEN"}, "ERRPLT40002"),
    ("training started", {"schedule_code": "SBX-MANDIRI-STARTED"}, "ERRPLT40003"),
    ("no seats left", {"schedule_code": "SBX-MANDIRI-FULL"}, "ERRPLT40004"),
    ("card revoked", {"slot": "revoked"}, "ERRPLT40008"),
    (
        "too young",
        {"slot": "young", "course_code": "SBX-LANJUTAN", "amount": 750_000},
        "ERRPLT40005",
    ),
    (
        "education too low",
        {"slot": "primary-school", "course_code": "SBX-LANJUTAN", "amount": 750_000},
        "ERRPLT40006",
    ),
    ("amount is not the price", {"amount": 499_999}, "ERRPLT40010"),
    ("amount above the price", {"amount": 500_001}, "ERRPLT40010"),
    ("balance too low", {"slot": "low-balance"}, "ERRPLT40009"),
]


def inbox_size(runtime: Runtime) -> tuple[int, int]:
    with runtime.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(PaymentRequest)) or 0,
            session.scalar(select(func.count()).select_from(SmsMessage)) or 0,
        )


@pytest.mark.parametrize(
    ("order", "code"), [(o, c) for _, o, c in CASES], ids=[n for n, _, _ in CASES]
)
def test_refusals(partners: Partners, runtime: Runtime, order: dict[str, Any], code: str) -> None:
    dp = partners.dp()
    before = inbox_size(runtime)
    response = send_otp(dp, **order)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["success"] is False
    assert body["code"] == code
    assert body["message"]
    assert inbox_size(runtime) == before


def test_unknown_card(partners: Partners) -> None:
    dp = partners.dp()
    response = dp.post(
        SEND_OTP.path,
        {
            "user_platform_id": "u",
            "prakerja_id": "0000000000000000",
            "course_code": "SBX-MANDIRI",
            "schedule_code": "SBX-MANDIRI-OPEN",
            "amount": 500_000,
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "code": "ERRPLT40007",
        "message": "Nomor Kartu Prakerja tidak ditemukan.",
    }


def test_a_course_already_bought_cannot_be_bought_again(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    buy(dp, server_url)
    response = send_otp(dp)
    assert response.status_code == 400
    assert response.json()["code"] == "ERRPLT40019"
    # another course is still fine
    assert send_otp(dp, course_code="SBX-WEBINAR", amount=1_000_000).status_code == 200
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    assert card_money(runtime, card) == (3_000_000, 3_000_000)


def test_first_failing_rule_wins(partners: Partners) -> None:
    # revoked card, wrong price and a full schedule: the schedule is checked first
    dp = partners.dp()
    response = send_otp(dp, slot="revoked", schedule_code="SBX-MANDIRI-FULL", amount=1)
    assert response.json()["code"] == "ERRPLT40004"
    response = send_otp(dp, slot="low-balance", amount=1)
    assert response.json()["code"] == "ERRPLT40010"


def test_max_age_when_the_course_sets_one(partners: Partners, runtime: Runtime) -> None:
    course, schedule = private_schedule(runtime, max_age=29)
    dp = partners.dp()
    older = send_otp(dp, slot="normal-1", course_code=course, schedule_code=schedule)  # 30 years
    younger = send_otp(dp, slot="normal-2", course_code=course, schedule_code=schedule)  # 27 years
    assert older.json()["code"] == "ERRPLT40005"
    assert younger.status_code == 200, younger.text


def test_every_send_texts_a_fresh_otp(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    import httpx

    dp = partners.dp()
    card = beneficiary(dp, "normal-2")["prakerja_id"]
    tokens = {send_otp(dp, slot="normal-2").json()["data"]["payment_token"] for _ in range(3)}
    assert len(tokens) == 3
    messages = httpx.get(
        f"{server_url}/api/v1/sandbox/sms-inbox", params={"prakerja_id": card}
    ).json()
    assert len(messages["data"]["messages"]) == 3
    assert all(
        "Rp500.000" in m["text"] and m["otp"] in m["text"] for m in messages["data"]["messages"]
    )
