"""When a payment goes wrong: an answer lost after the debit, a partner that would pay twice on
a retried key, a refused disbursement. Each ends with the money paid exactly once."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from contract.payouts import DISBURSE_PATH, STATUS_PATH
from reference_server.runtime import Runtime
from reference_server.services.payouts import run_due
from reference_server.storage import tables as t
from simulators.payment.kinds import PAYS_TWICE_ON_RETRY
from tests.reference_server.payouts_support import (
    Holder,
    card_holder,
    linked,
    owe,
    running_partners,
    wait_for,
)


@pytest.fixture(scope="module")
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url) as client:
        yield client


def _states(runtime: Runtime, holder: Holder) -> list[str]:
    with runtime.sessions() as session:
        return list(
            session.scalars(
                select(t.Disbursement.state)
                .where(t.Disbursement.card_id == holder.card_id)
                .order_by(t.Disbursement.id)
            )
        )


def _pay(runtime: Runtime, holder: Holder) -> None:
    owe(runtime, holder)
    run_due(runtime)


def test_an_answer_lost_after_the_debit_is_asked_about_not_paid_again(
    runtime: Runtime, server_url: str, http: httpx.Client
) -> None:
    # The mutant would pay again on a retried key: only asking first keeps the money safe.
    with running_partners(
        runtime, server_url, ("gopay",), mutants={"gopay": PAYS_TWICE_ON_RETRY}
    ) as sims:
        sim = sims["gopay"]
        holder = card_holder(runtime, http)
        number = linked(sim, holder)
        # Paid, no answer, and the callback two minutes late: only the status can tell.
        sim.queue("timeout-after-debit,late-callback:120s", operation="disburse", times=1)
        _pay(runtime, holder)
        wait_for(lambda: _states(runtime, holder) == ["PAID"], timeout=60, what="the payment")
        assert sim.calls(DISBURSE_PATH) == 1 and sim.calls(STATUS_PATH) >= 1
        assert sim.balance(number) == 600_000
        assert [count for count, _ in sim.paid().values()] == [1]


def test_a_refused_payment_waits_for_a_new_link_and_is_then_paid_once(
    runtime: Runtime, server_url: str, http: httpx.Client
) -> None:
    with running_partners(runtime, server_url, ("ovo", "bca")) as sims:
        ovo, bca = sims["ovo"], sims["bca"]
        holder = card_holder(runtime, http)
        wallet = linked(ovo, holder)
        ovo.put_account(holder, account_status="BLOCKED")  # blocked after it was linked
        _pay(runtime, holder)
        wait_for(lambda: _states(runtime, holder) == ["FAILED"], what="the refusal")
        view = holder.incentives()
        assert view["account"] is None  # the link is suspended: link again
        assert [s["status"] for s in view["schedule"] if s["kind"] == "incentive"] == ["failed"]
        assert view["history"][0]["failure_code"] == "ERRPPR42201"
        run_due(runtime)  # nothing is sent without an account
        assert _states(runtime, holder) == ["FAILED"]
        account = linked(bca, holder, account_number=None)  # a bank account this time
        wait_for(lambda: _states(runtime, holder) == ["FAILED", "PAID"], what="the second try")
        assert bca.balance(account) == 600_000 and ovo.balance(wallet) == 0
        assert holder.incentives()["total_paid"] == 600_000
