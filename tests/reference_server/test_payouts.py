"""Disbursements over HTTP: owed once, sent with one id, recorded once whatever order the
partner's answers and callbacks come in; every rupiah paid is a ledger entry."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from contract.client import PartnerClient
from contract.endpoints import PAYOUT_CALLBACK, PAYOUT_SUMMARY, RUN_DUE, Role
from reference_server.runtime import Runtime
from reference_server.storage import tables as t
from tests.factories import Partner, Partners, assert_api_error, success_data
from tests.reference_server.payouts_support import (
    Holder,
    Sim,
    callback_body,
    card_holder,
    finish_first_training,
    linked,
    owe,
    review,
    running_partners,
    wait_for,
)


@pytest.fixture(scope="module")
def sim(runtime: Runtime, server_url: str) -> Iterator[Sim]:
    with running_partners(runtime, server_url, ("ovo",)) as running:
        yield running["ovo"]


@pytest.fixture(scope="module")
def office(partners: Partners) -> Partner:
    return partners.add(role=Role.PMO)


@pytest.fixture(scope="module")
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url) as client:
        yield client


def holder_of(runtime: Runtime, http: httpx.Client, scheme: str = "normal") -> Holder:
    return card_holder(runtime, http, scheme=scheme)


def run_due(office: Partner, as_of: datetime | None = None) -> dict[str, Any]:
    body = {"as_of": as_of.isoformat()} if as_of else {}
    return dict(success_data(office.post(RUN_DUE.path, body)))


def disbursements(runtime: Runtime, card_id: int) -> list[t.Disbursement]:
    with runtime.sessions() as session:
        return list(
            session.scalars(
                select(t.Disbursement)
                .where(t.Disbursement.card_id == card_id)
                .order_by(t.Disbursement.id)
            )
        )


def ledger(runtime: Runtime, card_id: int) -> int:
    with runtime.sessions() as session:
        return int(
            session.scalar(
                select(func.coalesce(func.sum(t.IncentiveLedgerEntry.amount), 0)).where(
                    t.IncentiveLedgerEntry.card_id == card_id
                )
            )
            or 0
        )


def paid(runtime: Runtime, card_id: int, count: int) -> bool:
    return sum(d.state == "PAID" for d in disbursements(runtime, card_id)) == count


def test_a_due_incentive_is_paid_once_and_the_ledger_says_so(
    runtime: Runtime,
    server_url: str,
    sim: Sim,
    office: Partner,
    http: httpx.Client,
) -> None:
    holder = holder_of(runtime, http)
    number = linked(sim, holder)
    owe(runtime, holder)
    made = run_due(office)
    assert made["disbursements"] >= 1
    wait_for(lambda: paid(runtime, holder.card_id, 1), what="the payment")
    assert sim.balance(number) == 600_000
    assert ledger(runtime, holder.card_id) == 600_000
    view = holder.incentives()
    assert view["total_paid"] == 600_000
    assert [s["status"] for s in view["schedule"] if s["kind"] == "incentive"] == ["paid"]
    assert view["history"][0]["status"] == "PAID"
    run_due(office, datetime.now(UTC) + timedelta(days=400))  # nothing more is owed
    assert len(disbursements(runtime, holder.card_id)) == 1
    assert sim.balance(number) == 600_000
    wait_for(
        lambda: any(
            e["event_type"] == "disbursement.settled"
            and e["data"]["disbursement_id"]
            == disbursements(runtime, holder.card_id)[0].disbursement_id
            for e in sim.webhooks()
        ),
        what="the signed disbursement.settled webhook",
    )


def test_semi_bansos_pays_four_months_each_when_due(
    runtime: Runtime,
    server_url: str,
    sim: Sim,
    office: Partner,
    http: httpx.Client,
) -> None:
    holder = holder_of(runtime, http, scheme="semi_bansos")
    number = linked(sim, holder)
    owe(runtime, holder)
    now = datetime.now(UTC)
    run_due(office, now)
    wait_for(lambda: paid(runtime, holder.card_id, 1))
    run_due(office, now + timedelta(days=61))
    wait_for(lambda: paid(runtime, holder.card_id, 3))
    run_due(office, now + timedelta(days=61))  # the same run again owes nothing new
    run_due(office, now + timedelta(days=95))
    wait_for(lambda: paid(runtime, holder.card_id, 4))
    assert sim.balance(number) == 4 * 600_000 == ledger(runtime, holder.card_id)
    steps = [s for s in holder.incentives()["schedule"] if s["kind"] == "incentive"]
    assert [s["step"] for s in steps] == [1, 2, 3, 4]
    due = [datetime.fromisoformat(s["due_at"]) for s in steps]
    assert [(b - a).days for a, b in zip(due, due[1:], strict=False)] == [30, 30, 30]


_clients: dict[str, PartnerClient] = {}


def _callback(creds: Any, server_url: str, body: dict[str, Any]) -> httpx.Response:
    """A signed callback as the partner sends it (one client per partner: fresh signatures)."""
    client = _clients.get(creds.client_code)
    if client is None:
        client = _clients[creds.client_code] = PartnerClient(
            server_url, creds.client_code, creds.sign_key
        )
    return client.post(PAYOUT_CALLBACK.path, body)


@pytest.fixture(scope="module", autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    for client in _clients.values():
        client.close()
    _clients.clear()


def test_callbacks_are_idempotent_and_contradictions_are_kept_not_applied(
    runtime: Runtime,
    server_url: str,
    sim: Sim,
    office: Partner,
    http: httpx.Client,
) -> None:
    holder = holder_of(runtime, http)
    linked(sim, holder)
    owe(runtime, holder)
    run_due(office)
    wait_for(lambda: paid(runtime, holder.card_id, 1))
    d = disbursements(runtime, holder.card_id)[0]
    body = callback_body(d)
    creds = sim.creds
    for _ in range(2):  # a late duplicate of the callback: the same answer
        assert success_data(_callback(creds, server_url, body)) == {
            "disbursement_id": d.disbursement_id,
            "status": "PAID",
        }
    failed = {**body, "status": "FAILED", "failure_code": "ERRPPR42201"}
    assert_api_error(_callback(creds, server_url, failed), "ERRINC40904", 409)
    assert_api_error(_callback(creds, server_url, {**body, "amount": 1}), "ERRINC40010")
    assert_api_error(_callback(creds, server_url, {**body, "status": "PENDING"}), "ERRINC40011")
    assert_api_error(
        _callback(creds, server_url, {**body, "failure_code": "ERRPPR42201"}), "ERRINC40011"
    )
    unknown = {**body, "disbursement_id": "DSB-" + secrets.token_hex(8).upper()}
    assert_api_error(_callback(creds, server_url, unknown), "ERRINC40403", 404)
    assert ledger(runtime, holder.card_id) == 600_000
    assert disbursements(runtime, holder.card_id)[0].state == "PAID"
    with runtime.sessions() as session:
        kept = session.scalars(
            select(t.PayoutAnomaly.kind).where(t.PayoutAnomaly.disbursement_id == d.disbursement_id)
        ).all()
    assert sorted(kept) == ["amount", "conflict"]


def test_a_partner_cannot_touch_another_partners_disbursement(
    runtime: Runtime,
    server_url: str,
    sim: Sim,
    office: Partner,
    http: httpx.Client,
) -> None:
    holder = holder_of(runtime, http)
    linked(sim, holder)
    owe(runtime, holder)
    run_due(office)
    wait_for(lambda: paid(runtime, holder.card_id, 1))
    d = disbursements(runtime, holder.card_id)[0]
    with running_partners(runtime, server_url, ("gopay",)) as others:
        other = others["gopay"].creds
        body = {
            "disbursement_id": d.disbursement_id,
            "partner_reference": "PR-x",
            "status": "FAILED",
            "failure_code": "ERRPPR42201",
            "amount": d.amount,
            "final_at": datetime.now(UTC).isoformat(),
        }
        assert_api_error(_callback(other, server_url, body), "ERRINC40403", 404)
    assert disbursements(runtime, holder.card_id)[0].state == "PAID"


def test_the_office_sees_every_partners_payouts(sim: Sim, office: Partner) -> None:
    data = success_data(office.post(PAYOUT_SUMMARY.path, {"partner_code": sim.code}))
    (row,) = data["partners"]
    assert row["paid_amount"] >= 600_000 and row["by_status"].get("PAID", 0) >= 1
    assert data["ledger_total"] >= row["paid_amount"]
    assert_api_error(
        office.post(PAYOUT_SUMMARY.path, {"partner_code": "pp-none"}), "ERRINC40401", 404
    )
    assert_api_error(
        office.post(RUN_DUE.path, {"as_of": "1999-12-31T00:00:00+00:00"}), "ERRINC40012"
    )


def test_incentives_start_by_themselves_once_the_last_condition_is_met(
    runtime: Runtime, server_url: str, sim: Sim, office: Partner, http: httpx.Client
) -> None:
    holder = holder_of(runtime, http)
    assert holder.incentives()["conditions"] == {
        "training_completed": False,
        "reviewed": False,
        "account_linked": False,
    }
    purchase = finish_first_training(runtime, holder)
    assert holder.incentives()["conditions"]["training_completed"] is True
    review(holder, purchase)
    view = holder.incentives()
    assert view["conditions"]["reviewed"] is True and view["eligible"] is False
    number = linked(sim, holder)  # the last condition: the first payment goes out at once
    wait_for(lambda: paid(runtime, holder.card_id, 1), what="the payment without a due run")
    assert holder.incentives()["eligible"] is True and sim.balance(number) == 600_000


def test_a_review_after_linking_is_picked_up_by_the_due_run(
    runtime: Runtime, server_url: str, sim: Sim, office: Partner, http: httpx.Client
) -> None:
    holder = holder_of(runtime, http)
    linked(sim, holder)
    purchase = finish_first_training(runtime, holder)
    run_due(office)
    assert disbursements(runtime, holder.card_id) == []  # finished but not reviewed: nothing
    review(holder, purchase)
    assert run_due(office)["newly_eligible"] >= 1
    wait_for(lambda: paid(runtime, holder.card_id, 1))
