"""The outbox: idempotent enqueue, leased claims, expired leases, backoff, SKIP LOCKED."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from reference_server import outbox
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from reference_server.storage.db import transaction, upgrade
from reference_server.storage.tables import OutboxJob, utcnow

LEASE = 30.0


@pytest.fixture
def rt(new_database: Callable[[], str]) -> Iterator[Runtime]:
    """A runtime on a fresh, migrated database of its own."""
    runtime = Runtime(
        ServerSettings(database_url=new_database(), secret_key=Fernet.generate_key().decode())
    )
    upgrade(runtime.engine)
    yield runtime
    runtime.close()


def add(rt: Runtime, kind: str, ref: str, **kwargs: object) -> bool:
    with transaction(rt.sessions) as session:
        return outbox.enqueue(session, kind, ref, **kwargs)  # type: ignore[arg-type]


def job_row(rt: Runtime, ref: str) -> OutboxJob:
    with rt.sessions() as session:
        return session.execute(select(OutboxJob).where(OutboxJob.ref == ref)).scalar_one()


def test_enqueue_is_idempotent_by_kind_and_ref(rt: Runtime) -> None:
    assert add(rt, "verify", "1")
    assert not add(rt, "verify", "1")
    assert add(rt, "other", "1")
    with rt.sessions() as session:
        assert len(session.scalars(select(OutboxJob)).all()) == 2


def test_enqueue_rolls_back_with_its_transaction(rt: Runtime) -> None:
    with pytest.raises(RuntimeError), transaction(rt.sessions) as session:
        outbox.enqueue(session, "verify", "7")
        raise RuntimeError("the request failed")
    assert outbox.claim(rt.sessions, "w", LEASE) == []


def test_claim_leases_a_job_once(rt: Runtime) -> None:
    add(rt, "verify", "1")
    [job] = outbox.claim(rt.sessions, "w1", LEASE)
    assert (job.kind, job.ref, job.attempts, job.locked_by) == ("verify", "1", 1, "w1")
    assert outbox.claim(rt.sessions, "w2", LEASE) == []  # leased: nobody else gets it
    row = job_row(rt, "1")
    assert row.status == "running" and row.locked_by == "w1"
    assert row.locked_until is not None and row.locked_until > utcnow() + timedelta(seconds=20)
    assert outbox.finish(rt.sessions, job)
    assert job_row(rt, "1").status == "done" and job_row(rt, "1").done_at is not None
    assert outbox.claim(rt.sessions, "w2", LEASE) == []


def test_future_jobs_wait(rt: Runtime) -> None:
    add(rt, "verify", "1", run_after=utcnow() + timedelta(seconds=60))
    assert outbox.claim(rt.sessions, "w", LEASE) == []
    due = outbox.next_due(rt.sessions)
    assert due is not None and due > utcnow() + timedelta(seconds=50)


def test_expired_lease_is_claimed_again_and_the_old_holder_cannot_finish(rt: Runtime) -> None:
    add(rt, "verify", "1")
    [first] = outbox.claim(rt.sessions, "dead-worker", 0.2)
    time.sleep(0.3)  # the lease runs out (a worker that died)
    [second] = outbox.claim(rt.sessions, "w2", LEASE)
    assert second.id == first.id and second.attempts == 2
    assert not outbox.finish(rt.sessions, first)  # lost its lease
    assert not outbox.retry(rt.sessions, first, "late", 1.0)
    assert outbox.finish(rt.sessions, second)


def test_retry_records_the_error_and_waits(rt: Runtime) -> None:
    add(rt, "verify", "1")
    [job] = outbox.claim(rt.sessions, "w", LEASE)
    assert outbox.retry(rt.sessions, job, "transient: dukcapil: HTTP 503", 0.2)
    row = job_row(rt, "1")
    assert row.status == "pending" and row.last_error == "transient: dukcapil: HTTP 503"
    assert row.locked_by is None
    assert outbox.claim(rt.sessions, "w", LEASE) == []
    time.sleep(0.25)
    [again] = outbox.claim(rt.sessions, "w", LEASE)
    assert again.attempts == 2


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    low = [outbox.backoff_seconds(n, 1.0, 60.0, rand=lambda: 0.0) for n in range(1, 10)]
    high = [outbox.backoff_seconds(n, 1.0, 60.0, rand=lambda: 1.0) for n in range(1, 10)]
    assert high[:7] == [1, 2, 4, 8, 16, 32, 60]
    assert low[:3] == [0.5, 1, 2]
    assert all(d <= 60.0 for d in high + low)
    assert outbox.backoff_seconds(10_000, 1.0, 60.0) <= 60.0  # no overflow after days of retries
    spread = {outbox.backoff_seconds(5, 1.0, 60.0) for _ in range(50)}
    assert len(spread) > 1 and all(8 <= d <= 16 for d in spread)


def test_claims_in_order_of_due_time(rt: Runtime) -> None:
    add(rt, "verify", "late", run_after=utcnow() - timedelta(seconds=1))
    add(rt, "verify", "early", run_after=utcnow() - timedelta(seconds=10))
    jobs = outbox.claim(rt.sessions, "w", LEASE, limit=2)
    assert [j.ref for j in jobs] == ["early", "late"]


def test_concurrent_claimers_never_share_a_job(rt: Runtime) -> None:
    for n in range(60):
        add(rt, "verify", str(n))
    taken: list[list[str]] = [[] for _ in range(4)]

    def claimer(i: int) -> None:
        while jobs := outbox.claim(rt.sessions, f"w{i}", LEASE, limit=3):
            taken[i].extend(j.ref for j in jobs)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    everything = [ref for refs in taken for ref in refs]
    assert sorted(everything, key=int) == [str(n) for n in range(60)]  # each exactly once
    assert outbox.counts(rt.sessions) == {"running": 60}


@pytest.mark.postgres_only
def test_skip_locked_passes_over_a_row_another_claimer_holds(
    rt: Runtime, database_kind: str
) -> None:
    """PostgreSQL: while one claimer's transaction holds a job, a second claims the next one at
    once instead of waiting for the first to commit."""
    if database_kind != "postgres":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises claimers")
    add(rt, "verify", "a", run_after=utcnow() - timedelta(seconds=10))
    add(rt, "verify", "b")
    with rt.sessions() as holder, holder.begin():
        held = holder.execute(
            select(OutboxJob).where(OutboxJob.ref == "a").with_for_update(skip_locked=True)
        ).scalar_one()
        holder.execute(update(OutboxJob).where(OutboxJob.id == held.id).values(locked_by="h"))
        started = time.monotonic()
        jobs = outbox.claim(rt.sessions, "w2", LEASE, limit=2)
        assert [j.ref for j in jobs] == ["b"]
        assert time.monotonic() - started < 2.0
