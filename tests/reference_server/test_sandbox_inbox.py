"""The sandbox SMS inbox: OTPs readable by card or phone, newest first, only on a sandbox."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reference_server.app import create_app
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from tests.factories import Partners, beneficiary, send_otp

INBOX = "/api/v1/sandbox/sms-inbox"


def inbox(server_url: str, **params: str) -> httpx.Response:
    return httpx.get(f"{server_url}{INBOX}", params=params)


def test_newest_first_at_most_twenty(partners: Partners, server_url: str) -> None:
    dp = partners.dp()
    person = beneficiary(dp, "normal-1")
    tokens = [send_otp(dp).json()["data"]["payment_token"] for _ in range(21)]
    assert len(set(tokens)) == 21

    by_card = inbox(server_url, prakerja_id=person["prakerja_id"])
    assert by_card.status_code == 200
    assert by_card.json()["success"] is True and by_card.json()["message"] == "OK"
    messages = by_card.json()["data"]["messages"]
    assert len(messages) == 20
    assert [m["sent_at"] for m in messages] == sorted(
        (m["sent_at"] for m in messages), reverse=True
    )
    assert all(m["sent_at"].endswith("Z") for m in messages)
    first = messages[0]
    assert first["purpose"] == "payment"
    assert first["phone_number"] == person["phone_number"]
    assert first["prakerja_id"] == person["prakerja_id"]
    assert len(first["otp"]) == 6 and first["otp"].isdigit()
    assert first["otp"] in first["text"] and "Kode OTP Kartu Prakerja" in first["text"]

    by_phone = inbox(server_url, phone_number=person["phone_number"]).json()["data"]["messages"]
    assert by_phone == messages
    both = inbox(server_url, prakerja_id=person["prakerja_id"], phone_number=person["phone_number"])
    assert both.json()["data"]["messages"] == messages


def test_the_newest_otp_is_the_one_that_works(partners: Partners, server_url: str) -> None:
    from tests.factories import authorize, latest_otp

    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    older = send_otp(dp).json()["data"]["payment_token"]
    older_otp = latest_otp(server_url, card)
    newer = send_otp(dp).json()["data"]["payment_token"]
    newer_otp = latest_otp(server_url, card)
    if older_otp != newer_otp:  # one in a million they coincide; then the check says nothing
        assert authorize(dp, newer, older_otp).json()["code"] == "ERRPLT40012"
    assert authorize(dp, older, older_otp).status_code == 200


def test_other_people_see_nothing_of_it(partners: Partners, server_url: str) -> None:
    dp = partners.dp()
    send_otp(dp)
    quiet = beneficiary(dp, "normal-2")
    assert inbox(server_url, prakerja_id=quiet["prakerja_id"]).json()["data"]["messages"] == []
    assert inbox(server_url, phone_number="081200000000").json()["data"]["messages"] == []
    mixed = inbox(
        server_url,
        prakerja_id=quiet["prakerja_id"],
        phone_number=beneficiary(dp, "normal-1")["phone_number"],
    )
    assert mixed.json()["data"]["messages"] == []


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"prakerja_id": "0000000000000000"}, 400, "ERRPLT40007"),
        ({}, 400, "ERRGEN40001"),
        ({"prakerja_id": ""}, 400, "ERRGEN40001"),
        ({"prakerja_id": "9" * 200}, 400, "ERRGEN40001"),
        ({"phone_number": "0812\x00"}, 400, "ERRGEN40001"),
    ],
)
def test_refusals(server_url: str, params: dict[str, str], status: int, code: str) -> None:
    response = inbox(server_url, **params)
    assert response.status_code == status, response.text
    assert response.json()["success"] is False
    assert response.json()["code"] == code


def test_refused_outside_the_sandbox(settings: ServerSettings, runtime: Runtime) -> None:
    production = Runtime(settings.model_copy(update={"sandbox": False}))
    app = create_app(runtime=production)

    async def ask() -> httpx.Response:
        # ASGITransport runs no lifespan: the database is the test session's, already migrated
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
            return await client.get(INBOX, params={"prakerja_id": "0000000000000000"})

    try:
        response = asyncio.run(ask())
    finally:
        production.close()
    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "code": "ERRGEN40301",
        "message": "Fitur ini hanya tersedia di sandbox.",
    }
