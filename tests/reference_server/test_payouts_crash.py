"""Exactly-once money under crashes and flaky partners, across processes.

The crash test: 10,000 payments due (``PRAKERJA_CRASH_PAYMENTS``), the six payment-partner
simulators at their own latency and failure profiles, the server (with its worker) and a worker
process SIGKILLed at random moments (``PRAKERJA_CRASH_KILLS`` times, seeded) and started again;
then every due payment must have been made exactly once and the ledger must hold exactly what the
partners say they paid.

The flaky test: every partner failing 30% of calls (20% 503, 10% hanging past Prakerja's
timeout); all due payments still settle exactly once.

The limit test: three processes, 24 threads, one steady partner and a limit of 2: the partner
never has more than 2 of Prakerja's calls at once. (With partners that time out the partner may
still be busy with a call Prakerja gave up on; the slot stays taken one more timeout's length,
which a slow enough partner outlasts — so the crash test checks money, this one the limit.)

A larger run is one command away, e.g.
``PRAKERJA_CRASH_PAYMENTS=10000 PRAKERJA_CRASH_KILLS=6 .venv/bin/pytest tests/reference_server/test_payouts_crash.py -k crashes``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from benchmarks.payout_cluster import (
    POLL_SECONDS,
    Cluster,
    Seeded,
    payout_cluster,
    wait_settled,
)
from reference_server.storage import tables as t
from simulators.payment.partners import BY_INSTANCE, PARTNERS, ZERO_LATENCY, adjust
from tests.reference_server.payouts_support import wait_for

PAYMENTS = int(os.environ.get("PRAKERJA_CRASH_PAYMENTS", "1000"))
KILLS = int(os.environ.get("PRAKERJA_CRASH_KILLS", "4"))
FLAKY_PAYMENTS = int(os.environ.get("PRAKERJA_FLAKY_PAYMENTS", "200"))
LIMIT_PAYMENTS = 80
CONCURRENCY = 4  # below the 16 threads of the two processes
SEED = 20_240_601
SETTINGS = {
    "payout_timeout_seconds": "1",
    "payout_concurrency": str(CONCURRENCY),
    "payout_poll_seconds": "3",  # a PENDING one's callback usually comes first
    "retry_base_seconds": "0.05",
    "retry_max_seconds": "1",
    "worker_threads": "8",
    # A dead worker's jobs are taken up again after 5 s (its calls time out after 1 s).
    "worker_lease_seconds": "5",
    "source_timeout_seconds": "0.5",
}
# Hangs end well after Prakerja's 1 s timeout; the banks' slower settling and LinkAja's late and
# duplicate callbacks stay as they are.
SIMULATED = adjust(PARTNERS, every={"hang_seconds": 3.0, "late_callback_s": 2.0})


def assert_paid_exactly_once(cluster: Cluster, seeded: Seeded) -> None:
    """Every due step paid once, one ledger entry each, and the partners agree to the rupiah."""
    with cluster.runtime.reads() as session:
        statuses = dict(
            session.execute(
                select(t.IncentiveStep.status, func.count()).group_by(t.IncentiveStep.status)
            ).all()
        )
        assert statuses == {"paid": seeded.steps}, statuses
        live = session.execute(
            select(t.Disbursement.step_id, func.count())
            .where(t.Disbursement.state != "FAILED")
            .group_by(t.Disbursement.step_id)
            .having(func.count() > 1)
        ).all()
        assert live == [], f"steps with two live disbursements: {live[:5]}"
        ours = dict(
            session.execute(
                select(t.Disbursement.disbursement_id, t.Disbursement.amount).where(
                    t.Disbursement.state == "PAID"
                )
            ).all()
        )
        entries = session.scalar(select(func.count()).select_from(t.IncentiveLedgerEntry))
        ledger = session.scalar(select(func.coalesce(func.sum(t.IncentiveLedgerEntry.amount), 0)))
        anomalies = session.scalar(select(func.count()).select_from(t.PayoutAnomaly))
    assert len(ours) == seeded.steps and entries == seeded.steps
    assert ledger == seeded.amount == sum(ours.values())
    theirs = cluster.paid_at_partners()
    twice = {did: v for did, v in theirs.items() if v[0] != 1}
    assert twice == {}, f"paid more than once at the partner: {list(twice.items())[:5]}"
    assert set(theirs) == set(ours), "the partners paid other disbursements than Prakerja recorded"
    assert all(theirs[did][1] == amount for did, amount in ours.items())
    assert sum(total for _, total in theirs.values()) == ledger
    assert anomalies == 0


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    return tmp_path


def paid_so_far(cluster: Cluster) -> int:
    """Ledger entries written so far (payments recorded as made)."""
    with cluster.runtime.reads() as session:
        return int(session.scalar(select(func.count()).select_from(t.IncentiveLedgerEntry)) or 0)


# The whole run's bound grows with its size (10,000 payments and 6 kills took 7-8 minutes).
@pytest.mark.timeout(max(300, PAYMENTS // 10 * (KILLS + 2) // 4))
def test_crashes_at_random_moments_neither_pay_twice_nor_lose_a_payment(
    new_database: Callable[[], str], logs: Path
) -> None:
    dice = random.Random(SEED)
    # Crash after a random amount of the work is done: wherever the processes are then (in a
    # call, between the call and the record, in a commit), they die without a word.
    moments = sorted(dice.sample(range(1, max(2, PAYMENTS * 4 // 5)), KILLS))
    with payout_cluster(
        new_database(), logs, payments=PAYMENTS, specs=SIMULATED, workers=1, **SETTINGS
    ) as (cluster, seeded):
        for moment in moments:
            cluster.start()
            cluster.run_due()  # idempotent: a second run creates nothing new
            wait_for(
                lambda m=moment: paid_so_far(cluster) >= m,
                timeout=max(120.0, PAYMENTS / 20),
                what=f"{moment} paid",
                every=POLL_SECONDS,
            )
            cluster.kill()
        cluster.start()
        cluster.run_due()
        wait_settled(cluster, seeded, timeout=max(90.0, PAYMENTS / 50))
        assert_paid_exactly_once(cluster, seeded)


def test_every_partner_failing_30_percent_of_calls_still_pays_each_once(
    new_database: Callable[[], str], logs: Path
) -> None:
    flaky = adjust(SIMULATED, every={"error_rate": 0.2, "timeout_rate": 0.1})
    with payout_cluster(
        new_database(), logs, payments=FLAKY_PAYMENTS, specs=flaky, workers=0, **SETTINGS
    ) as (cluster, seeded):
        cluster.start()
        cluster.run_due()  # (the worker's daily due run may have queued them already)
        wait_settled(cluster, seeded, timeout=120.0)
        assert_paid_exactly_once(cluster, seeded)


def test_the_concurrency_limit_holds_across_processes(
    new_database: Callable[[], str], logs: Path
) -> None:
    # One partner answering in 200 ms, never failing; 24 threads in three processes want it.
    steady = adjust([BY_INSTANCE["bca"]], every={**ZERO_LATENCY, "latency_ms": 200.0})
    limit = {**SETTINGS, "payout_concurrency": "2"}
    with payout_cluster(
        new_database(), logs, payments=LIMIT_PAYMENTS, specs=steady, workers=2, **limit
    ) as (cluster, seeded):
        cluster.start()
        cluster.run_due()
        wait_settled(cluster, seeded, timeout=120.0)
        assert_paid_exactly_once(cluster, seeded)
        assert cluster.traffic() == {"bca": 2}  # the limit, reached and never passed
