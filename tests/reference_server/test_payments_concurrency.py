"""Concurrent purchases and voids never overspend, oversell, or spend a token twice.

Each race isolates one guard: one card buying twenty courses (only the card's conditional debit
decides), one card buying one course many times (the live-purchase unique index decides), many
cards racing for the last seats (only the schedule's conditional decrement decides), one token,
one void.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from contract.client import PartnerClient, compact, signed_headers
from contract.endpoints import AUTHORIZE, QUOTA_SCHEDULE, VOID
from reference_server.runtime import Runtime
from reference_server.storage.tables import Card, LedgerEntry, Transaction
from tests.factories import (
    Partner,
    Partners,
    beneficiary,
    buy,
    card_money,
    private_schedule,
    start_purchase,
)

COURSE, SCHEDULE, PRICE = "SBX-WEBINAR", "SBX-WEBINAR-OPEN", 1_000_000
TIMEOUT = 120.0
Call = Callable[[], httpx.Response]


def all_at_once(calls: list[Call]) -> list[httpx.Response]:
    """Run every call on its own thread, released together; each must finish within TIMEOUT."""
    gate = threading.Barrier(len(calls), timeout=TIMEOUT)

    def run(call: Call) -> httpx.Response:
        gate.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [f.result(timeout=TIMEOUT) for f in futures]


def authorize_all(
    server_url: str, purchases: list[tuple[Partner, str, str]], *, sign_some: bool = False
) -> list[httpx.Response]:
    """Authorize every (dp, token, otp) at once, each on its own connection and invoice code."""
    clients = [
        PartnerClient(server_url, dp.creds.client_code, dp.creds.sign_key, timeout=TIMEOUT)
        for dp, _, _ in purchases
    ]

    def call(i: int) -> Call:
        _, token, code = purchases[i]
        body = {"otp": code, "invoice_url": f"https://dp.example/i/{i}", "invoice_code": f"INV-{i}"}
        signed = sign_some and i % 2 == 0
        return lambda: clients[i].post(
            AUTHORIZE.path, body, authorization=f"Payment {token}", sign_authorization=signed
        )

    try:
        return all_at_once([call(i) for i in range(len(purchases))])
    finally:
        for client in clients:
            client.close()


def outcome(response: httpx.Response) -> str:
    return "OK" if response.status_code == 200 else str(response.json().get("code"))


def quota(dp: Partner, course: str = COURSE, schedule: str = SCHEDULE) -> int:
    body = {"course_code": course, "schedule_code": schedule}
    return int(dp.post(QUOTA_SCHEDULE.path, body).json()["data"]["quota"])


def test_twenty_authorizations_on_one_card(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    """Twenty purchases of different courses that together exceed the balance: 3 fit, no overspend."""
    dp = partners.dp()
    card = beneficiary(dp, "normal-2")["prakerja_id"]
    assert card_money(runtime, card) == (3_500_000, 3_500_000)
    courses = [private_schedule(runtime, price=PRICE) for _ in range(20)]
    purchases = [
        (
            dp,
            *start_purchase(
                dp, server_url, slot="normal-2", course_code=c, schedule_code=s, amount=PRICE
            ),
        )
        for c, s in courses
    ]
    # half the calls sign the Authorization value, half do not: both forms must race correctly
    responses = authorize_all(server_url, purchases, sign_some=True)

    assert Counter(outcome(r) for r in responses) == {"OK": 3, "ERRPLT40009": 17}
    assert card_money(runtime, card) == (500_000, 500_000)
    assert sum(quota(dp, c, s) for c, s in courses) == 20 * 10 - 3
    with runtime.sessions() as session:
        card_id = session.scalars(select(Card.id).where(Card.card_number == card)).one()
        bought = session.scalar(
            select(func.count()).where(
                Transaction.card_id == card_id, Transaction.status == "SUCCESS"
            )
        )
        debits = session.scalars(
            select(LedgerEntry.amount).where(
                LedgerEntry.card_id == card_id, LedgerEntry.kind == "purchase"
            )
        ).all()
    assert bought == 3
    assert sorted(debits) == [-PRICE] * 3


def test_one_course_bought_concurrently_by_one_card_is_bought_once(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    card = beneficiary(dp, "normal-2")["prakerja_id"]
    seats = quota(dp)
    purchases = [
        (dp, *start_purchase(dp, server_url, slot="normal-2", course_code=COURSE, amount=PRICE))
        for _ in range(8)
    ]
    responses = authorize_all(server_url, purchases)
    assert Counter(outcome(r) for r in responses) == {"OK": 1, "ERRPLT40019": 7}
    assert card_money(runtime, card) == (2_500_000, 2_500_000)
    assert quota(dp) == seats - 1


def test_many_cards_racing_for_the_last_seats(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    course, schedule = private_schedule(runtime, price=PRICE, quota=3)
    order = {"course_code": course, "schedule_code": schedule, "amount": PRICE}
    buyers = [
        (dp, slot) for dp in (partners.dp() for _ in range(4)) for slot in ("normal-1", "normal-2")
    ]
    purchases = [(dp, *start_purchase(dp, server_url, slot=slot, **order)) for dp, slot in buyers]
    responses = authorize_all(server_url, purchases)
    assert Counter(outcome(r) for r in responses) == {"OK": 3, "ERRPLT40004": 5}
    assert quota(buyers[0][0], course, schedule) == 0
    money = [card_money(runtime, beneficiary(dp, slot)["prakerja_id"]) for dp, slot in buyers]
    assert all(balance == ledger for balance, ledger in money)
    assert sum(3_500_000 - balance for balance, _ in money) == 3 * PRICE


def test_one_token_authorized_concurrently_buys_once(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    token, code = start_purchase(dp, server_url)
    responses = authorize_all(server_url, [(dp, token, code)] * 8)
    assert Counter(outcome(r) for r in responses) == {"OK": 1, "ERRPLT40016": 7}
    assert card_money(runtime, card) == (3_000_000, 3_000_000)


def test_concurrent_voids_refund_once(
    partners: Partners, server_url: str, runtime: Runtime
) -> None:
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    bought = buy(dp, server_url)
    text = compact(
        {"invoice_code": bought["invoice_code"], "transaction_code": bought["transaction_code"]}
    )
    now = int(time.time())
    clients = [httpx.Client(base_url=server_url, timeout=TIMEOUT) for _ in range(6)]

    def call(i: int) -> Call:
        # a distinct timestamp per call: the same body must not be refused as a replay
        headers = signed_headers(
            dp.creds.client_code, dp.creds.sign_key, VOID.path, text, timestamp=now - i
        )
        return lambda: clients[i].post(VOID.path, content=text.encode(), headers=headers)

    try:
        responses = all_at_once([call(i) for i in range(6)])
    finally:
        for client in clients:
            client.close()
    assert Counter(outcome(r) for r in responses) == {"OK": 1, "ERRPLT40028": 5}
    assert card_money(runtime, card) == (3_500_000, 3_500_000)
