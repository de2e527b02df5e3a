"""What the profile shows: only the granted scopes, and the buyer's id on the DP of the latest purchase."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from contract.payments import PaymentStatus
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Beneficiary,
    Card,
    Course,
    RedeemCode,
    Schedule,
    Transaction,
)
from tests.factories import Partner, Partners, beneficiary, redeem_code, sso_code

CALLBACK = "https://lp-profile.example/callback"
LOGIN = "https://lp-profile.example/login"


@pytest.fixture(scope="module")
def lp(partners: Partners) -> Partner:
    return partners.lp(redirect_uris=(CALLBACK, LOGIN))


@pytest.fixture(scope="module")
def dp(partners: Partners) -> Partner:
    """A DP of this module's own, whose test beneficiaries have bought nothing."""
    return partners.dp()


def profile_of(server_url: str, lp: Partner, card_number: str, scope: str) -> dict[str, Any]:
    """The profile an LP reads after the participant granted ``scope``."""
    code = sso_code(
        server_url, lp, card_number=card_number, redirect_uri=CALLBACK, login_uri=LOGIN, scope=scope
    )
    headers = {"X-Client-Id": lp.creds.client_code}
    issued = httpx.post(f"{server_url}/api/v1/oauth/token", json={"code": code}, headers=headers)
    assert issued.status_code == 200, issued.text
    assert issued.json()["data"]["scope"] == scope
    headers["Authorization"] = issued.json()["data"]["access_token"]
    response = httpx.get(f"{server_url}/api/v1/resource/user_profile", headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def person_of(runtime: Runtime, card_number: str) -> Beneficiary:
    with runtime.sessions() as session:
        return session.scalars(
            select(Beneficiary)
            .join(Card, Card.beneficiary_id == Beneficiary.id)
            .where(Card.card_number == card_number)
        ).one()


@pytest.mark.parametrize(
    ("scope", "shown"),
    [
        ("name", {"name"}),
        ("email", {"email"}),
        ("prakerjaid", {"no_prakerja"}),
        ("notelp", {"phone_number"}),
        ("email notelp", {"email", "phone_number"}),
        ("notelp name email prakerjaid", {"name", "email", "no_prakerja", "phone_number"}),
    ],
)
def test_profile_shows_only_the_granted_scope(
    server_url: str, lp: Partner, dp: Partner, runtime: Runtime, scope: str, shown: set[str]
) -> None:
    card_number = str(beneficiary(dp, "semi-bansos")["prakerja_id"])
    person = person_of(runtime, card_number)
    full = {
        "name": person.name,
        "email": person.email,
        "no_prakerja": card_number,
        "phone_number": person.phone_number,
    }
    data = profile_of(server_url, lp, card_number, scope)
    assert data["user_id"] == person.user_id  # always returned
    assert data["dp_user_id"] == ""  # always present; this participant bought nothing
    for field, value in full.items():
        assert data[field] == (value if field in shown else ""), field


def test_repeated_scopes_are_granted_once(server_url: str, lp: Partner, dp: Partner) -> None:
    card_number = str(beneficiary(dp, "young")["prakerja_id"])
    code = sso_code(
        server_url,
        lp,
        card_number=card_number,
        redirect_uri=CALLBACK,
        login_uri=LOGIN,
        scope="name  email name",
    )
    issued = httpx.post(
        f"{server_url}/api/v1/oauth/token",
        json={"code": code},
        headers={"X-Client-Id": lp.creds.client_code},
    )
    assert issued.json()["data"]["scope"] == "name email"


def purchase_of(runtime: Runtime, lp: Partner, test_case: str) -> tuple[str, Transaction]:
    """The card number and the fixture purchase behind one of the LP's own test codes."""
    with runtime.sessions() as session:
        card, txn = session.execute(
            select(Card, Transaction)
            .join(Transaction, Transaction.card_id == Card.id)
            .join(RedeemCode, RedeemCode.transaction_id == Transaction.id)
            .where(RedeemCode.code == redeem_code(lp, test_case))
        ).one()
        return card.card_number, txn


def test_dp_user_id_of_a_buyer(server_url: str, lp: Partner, runtime: Runtime) -> None:
    card_number, txn = purchase_of(runtime, lp, "TC1-001-200")
    assert txn.status == PaymentStatus.SUCCESS
    assert profile_of(server_url, lp, card_number, "name")["dp_user_id"] == txn.user_platform_id


def test_a_voided_purchase_gives_no_dp_user_id(
    server_url: str, lp: Partner, runtime: Runtime
) -> None:
    card_number, txn = purchase_of(runtime, lp, "TC3-001-400")
    assert txn.status == PaymentStatus.VOIDED
    assert profile_of(server_url, lp, card_number, "name")["dp_user_id"] == ""


def test_dp_user_id_of_the_latest_successful_purchase(
    server_url: str, lp: Partner, runtime: Runtime
) -> None:
    card_number, first = purchase_of(runtime, lp, "TC2-001-200")
    later = f"buyer-{secrets.token_hex(4)}"
    with transaction(runtime.sessions) as session:
        lp_id = session.scalars(select(Course.lp_id).where(Course.id == first.course_id)).one()
        other_course, other_schedule = session.execute(
            select(Course.id, Schedule.id)
            .join(Schedule, Schedule.course_id == Course.id)
            .where(Course.lp_id == lp_id, Course.id != first.course_id)
        ).first() or (None, None)
        for offset, status, platform_id in ((1, "SUCCESS", later), (2, "VOIDED", "voided-later")):
            session.add(
                Transaction(
                    transaction_code=f"T{secrets.token_hex(8)}",
                    dp_id=first.dp_id,
                    invoice_code=f"INV-{secrets.token_hex(6)}",
                    invoice_url="https://dp.example/invoice",
                    user_platform_id=platform_id,
                    card_id=first.card_id,
                    course_id=other_course,  # one live purchase per course: another course
                    schedule_id=other_schedule,
                    amount=first.amount,
                    status=status,
                    created_at=first.created_at + timedelta(days=offset),
                )
            )
    assert profile_of(server_url, lp, card_number, "prakerjaid")["dp_user_id"] == later
