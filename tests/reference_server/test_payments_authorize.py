"""Authorize: the OTP rules, the token's binding to its DP, both signing forms, all-or-nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from contract.client import compact, signed_headers
from contract.endpoints import AUTHORIZE, PAYMENT_STATUS, QUOTA_SCHEDULE
from reference_server.domain import otp
from reference_server.runtime import Runtime
from reference_server.storage.tables import Card, PaymentRequest, Schedule, Transaction, utcnow
from tests.factories import (
    Partner,
    Partners,
    authorize,
    beneficiary,
    buy,
    card_money,
    private_schedule,
    send_otp,
    start_purchase,
)

WRONG = "000000"


def wrong_otp(right: str) -> str:
    return WRONG if right != WRONG else "111111"


def request_row(runtime: Runtime, token: str) -> PaymentRequest:
    with runtime.sessions() as session:
        digest = otp.digest(token)
        return session.scalars(
            select(PaymentRequest).where(PaymentRequest.token_hash == digest)
        ).one()


def code_of(response: object) -> str:
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == 400, response.text
    assert response.json()["success"] is False
    return str(response.json()["code"])


def quota_of(dp: Partner, course: str, schedule: str) -> int:
    body = {"course_code": course, "schedule_code": schedule}
    return int(dp.post(QUOTA_SCHEDULE.path, body).json()["data"]["quota"])


def test_an_otp_is_single_use(partners: Partners, server_url: str) -> None:
    dp = partners.dp()
    token, code = start_purchase(dp, server_url)
    assert authorize(dp, token, code).status_code == 200
    assert code_of(authorize(dp, token, code)) == "ERRPLT40016"
    assert code_of(authorize(dp, token, wrong_otp(code))) == "ERRPLT40016"


def test_an_expired_otp_is_refused_even_when_right(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    token, code = start_purchase(dp, server_url)
    with runtime.sessions() as session, session.begin():
        session.execute(
            update(PaymentRequest)
            .where(PaymentRequest.token_hash == otp.digest(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert code_of(authorize(dp, token, code)) == "ERRPLT40013"
    assert code_of(authorize(dp, token, wrong_otp(code))) == "ERRPLT40013"
    assert request_row(runtime, token).attempts == 0
    assert card_money(runtime, card) == (3_500_000, 3_500_000)


def test_expiry_is_the_configured_ttl(partners: Partners, runtime: Runtime) -> None:
    dp = partners.dp()
    data = send_otp(dp).json()["data"]
    row = request_row(runtime, data["payment_token"])
    assert data["expired_at"] == row.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    ttl = timedelta(seconds=runtime.settings.otp_ttl_seconds)
    assert ttl - timedelta(seconds=1) < row.expires_at - row.created_at <= ttl


def test_wrong_otps_count_and_lock_the_token(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    token, code = start_purchase(dp, server_url)
    limit = runtime.settings.otp_max_attempts
    for attempt in range(1, limit):
        assert code_of(authorize(dp, token, wrong_otp(code))) == "ERRPLT40012"
        assert request_row(runtime, token).attempts == attempt  # committed despite the error
    assert code_of(authorize(dp, token, wrong_otp(code))) == "ERRPLT40014"
    row = request_row(runtime, token)
    assert (row.attempts, row.status) == (limit, "locked")
    # the token is dead: the right OTP no longer helps
    assert code_of(authorize(dp, token, code)) == "ERRPLT40014"
    assert card_money(runtime, card) == (3_500_000, 3_500_000)
    # a fresh send-otp starts over
    token2, code2 = start_purchase(dp, server_url)
    assert authorize(dp, token2, code2).status_code == 200


def test_a_wrong_then_right_otp_buys(partners: Partners, server_url: str) -> None:
    dp = partners.dp()
    token, code = start_purchase(dp, server_url)
    assert code_of(authorize(dp, token, wrong_otp(code))) == "ERRPLT40012"
    assert authorize(dp, token, code).status_code == 200


def test_a_token_is_bound_to_the_dp_that_asked(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    owner, other = partners.dp(), partners.dp()
    token, code = start_purchase(owner, server_url)
    assert code_of(authorize(other, token, code)) == "ERRPLT40015"
    assert code_of(authorize(other, token, wrong_otp(code))) == "ERRPLT40015"
    assert request_row(runtime, token).attempts == 0  # the stranger's tries do not count
    assert authorize(owner, token, code).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Payment",
        "Bearer {token}",
        "{token}",
        "Payment x",
        "Payment {token}x",
        "Payment nosuchtoken_nosuchtoken",
    ],
)
def test_bad_authorization_headers(partners: Partners, server_url: str, header: str | None) -> None:
    dp = partners.dp()
    token, code = start_purchase(dp, server_url)
    text = compact({"otp": code, "invoice_url": "https://dp.example/i/1", "invoice_code": "INV-1"})
    headers = signed_headers(dp.creds.client_code, dp.creds.sign_key, AUTHORIZE.path, text)
    if header is not None:
        headers["Authorization"] = header.format(token=token)
    response = dp.client.http.post(AUTHORIZE.path, content=text.encode(), headers=headers)
    assert code_of(response) == "ERRPLT40015"
    assert authorize(dp, token, code).status_code == 200


@pytest.mark.parametrize(
    "sign_authorization", [True, False], ids=["signed-with-auth", "signed-without"]
)
def test_both_signing_forms_are_accepted(
    partners: Partners, server_url: str, sign_authorization: bool
) -> None:
    dp = partners.dp()
    token, code = start_purchase(dp, server_url)
    body = {"otp": code, "invoice_url": "https://dp.example/i/1", "invoice_code": "INV-SIGN"}
    response = dp.post(
        AUTHORIZE.path,
        body,
        authorization=f"Payment {token}",
        sign_authorization=sign_authorization,
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "SUCCESS"


def test_a_signature_over_another_authorization_is_refused(
    partners: Partners, server_url: str
) -> None:
    dp = partners.dp()
    token, code = start_purchase(dp, server_url)
    text = compact({"otp": code, "invoice_url": "https://dp.example/i/1", "invoice_code": "INV-1"})
    headers = signed_headers(
        dp.creds.client_code,
        dp.creds.sign_key,
        AUTHORIZE.path,
        text,
        authorization="Payment someone-elses-token-xxxxxxxx",
        sign_authorization=True,
    )
    headers["Authorization"] = f"Payment {token}"
    response = dp.client.http.post(AUTHORIZE.path, content=text.encode(), headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "ERRAUT40103"


def test_an_invoice_code_is_used_once_per_dp(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp, other = partners.dp(), partners.dp()
    first = buy(dp, server_url)
    token, code = start_purchase(dp, server_url, course_code="SBX-WEBINAR", amount=1_000_000)
    assert code_of(authorize(dp, token, code, invoice_code=first["invoice_code"])) == "ERRPLT40017"
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    assert card_money(runtime, card) == (3_000_000, 3_000_000)
    # the token survives a refused invoice: retry with a new one
    assert authorize(dp, token, code, invoice_code="INV-NEW").status_code == 200
    # another DP has its own invoice numbering
    token, code = start_purchase(other, server_url)
    assert authorize(other, token, code, invoice_code=first["invoice_code"]).status_code == 200


def test_an_integer_invoice_code_is_echoed_as_a_string(partners: Partners, server_url: str) -> None:
    dp = partners.dp()
    token, code = start_purchase(dp, server_url)
    body = {"otp": code, "invoice_url": "https://dp.example/i/7", "invoice_code": 7_654_321}
    response = dp.post(AUTHORIZE.path, body, authorization=f"Payment {token}")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["invoice_code"] == "7654321"
    status = dp.post(PAYMENT_STATUS.path, {"invoice_code": 7_654_321})
    assert status.json()["data"]["invoice_code"] == "7654321"


def transactions_of(runtime: Runtime, card: str) -> int:
    with runtime.sessions() as session:
        card_id = session.scalars(select(Card.id).where(Card.card_number == card)).one()
        return session.scalar(select(func.count()).where(Transaction.card_id == card_id)) or 0


def test_training_started_after_send_otp(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    course, schedule = private_schedule(runtime)
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    token, code = start_purchase(dp, server_url, course_code=course, schedule_code=schedule)
    with runtime.sessions() as session, session.begin():
        session.execute(
            update(Schedule)
            .where(Schedule.schedule_code == schedule)
            .values(start_at=utcnow() - timedelta(minutes=1))
        )
    assert code_of(authorize(dp, token, code)) == "ERRPLT40003"
    assert quota_of(dp, course, schedule) == 10
    assert card_money(runtime, card) == (3_500_000, 3_500_000)
    assert transactions_of(runtime, card) == 0


def test_last_seat_taken_after_send_otp(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    course, schedule = private_schedule(runtime, quota=1)
    dp = partners.dp()
    order = {"course_code": course, "schedule_code": schedule}
    first = start_purchase(dp, server_url, slot="normal-1", **order)
    second = start_purchase(dp, server_url, slot="normal-2", **order)
    assert authorize(dp, *first).status_code == 200
    assert code_of(authorize(dp, *second)) == "ERRPLT40004"
    assert quota_of(dp, course, schedule) == 0
    card = beneficiary(dp, "normal-2")["prakerja_id"]
    assert card_money(runtime, card) == (3_500_000, 3_500_000)
    assert transactions_of(runtime, card) == 0


def test_card_revoked_after_send_otp(partners: Partners, server_url: str, runtime: Runtime) -> None:
    course, schedule = private_schedule(runtime)
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    token, code = start_purchase(dp, server_url, course_code=course, schedule_code=schedule)
    with runtime.sessions() as session, session.begin():
        session.execute(update(Card).where(Card.card_number == card).values(status="revoked"))
    assert code_of(authorize(dp, token, code)) == "ERRPLT40008"
    # the seat taken inside the refused transaction went back with it
    assert quota_of(dp, course, schedule) == 10
    assert card_money(runtime, card) == (3_500_000, 3_500_000)
    assert transactions_of(runtime, card) == 0


def test_balance_spent_after_send_otp(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    a_course, a_schedule = private_schedule(runtime, price=2_000_000)
    b_course, b_schedule = private_schedule(runtime, price=2_000_000)
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    first = start_purchase(
        dp, server_url, course_code=a_course, schedule_code=a_schedule, amount=2_000_000
    )
    second = start_purchase(
        dp, server_url, course_code=b_course, schedule_code=b_schedule, amount=2_000_000
    )
    assert authorize(dp, *first).status_code == 200
    assert code_of(authorize(dp, *second)) == "ERRPLT40009"
    assert quota_of(dp, b_course, b_schedule) == 10
    assert card_money(runtime, card) == (1_500_000, 1_500_000)
    assert transactions_of(runtime, card) == 1
    # a refused purchase leaves the token usable: nothing was spent
    assert request_row(runtime, second[0]).status == "pending"


def test_two_pending_tokens_for_one_course_buy_it_once(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    first = start_purchase(dp, server_url)
    second = start_purchase(dp, server_url)  # send-otp allows it: nothing is bought yet
    assert authorize(dp, *first).status_code == 200
    refused = authorize(dp, *second)
    assert refused.status_code == 400
    assert refused.json()["code"] == "ERRPLT40019"
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    assert card_money(runtime, card) == (3_000_000, 3_000_000)
