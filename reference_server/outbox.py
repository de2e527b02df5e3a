"""The outbox: durable jobs written in the transaction that decides them, worked until done.

A job is one row of ``outbox_jobs``, unique by (kind, ref), so enqueueing twice is a no-op and a
request that enqueues commits its state change and its job together, or neither. Workers claim
due jobs with a lease (``locked_until``): on PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED``
so several processes never take the same row and never wait on each other; on SQLite the claim
runs inside BEGIN IMMEDIATE, which serialises claimers. A worker that dies leaves its lease to
run out; the job is then claimed again. Nothing is dropped: a failure goes back to pending with
exponential backoff and jitter, capped at ``retry_max_seconds``, and is retried forever;
failures that are our bug (a source refusing our request) are recorded in ``last_error`` and
retried at the cap, so a fix deployed later finishes them.

Life of a job: pending → running (claimed, leased) → done; or running → pending (failed, later).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from reference_server.storage.db import transaction
from reference_server.storage.tables import OutboxJob, utcnow

ERROR_TEXT_LIMIT = 2000


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"


class RetryLater(Exception):
    """A handler's way to say "not now": the job goes back to pending, due in ``delay`` seconds,
    with ``reason`` recorded (a partner at its concurrency limit, a payment still pending)."""

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = max(0.0, delay)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed job, as its handler sees it."""

    id: int
    kind: str
    ref: str
    payload: str | None
    attempts: int  # including this one
    locked_by: str


# --- waking workers of this process ------------------------------------------------------------

_bells: set[threading.Event] = set()
_bells_lock = threading.Lock()


def listen(bell: threading.Event) -> None:
    """Have ``bell`` set whenever a job is committed in this process (a worker's wake-up)."""
    with _bells_lock:
        _bells.add(bell)


def unlisten(bell: threading.Event) -> None:
    """Stop ringing ``bell``."""
    with _bells_lock:
        _bells.discard(bell)


def ring(*_: Any) -> None:
    """Wake every listening worker of this process."""
    with _bells_lock:
        bells = list(_bells)
    for bell in bells:
        bell.set()


# --- enqueue ---------------------------------------------------------------------------------


def _changed(session: Session, statement: Executable) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def _insert(session: Session) -> Any:
    bind = session.get_bind()
    return postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert


def enqueue(
    session: Session,
    kind: str,
    ref: str,
    payload: str | None = None,
    run_after: datetime | None = None,
) -> bool:
    """Add the job (kind, ref) to the caller's transaction unless it exists; True if added.

    Workers of this process are woken when that transaction commits, not before: a job is not
    visible to them until then.
    """
    now = utcnow()
    statement = (
        _insert(session)(OutboxJob)
        .values(
            kind=kind,
            ref=ref,
            payload=payload,
            status=JobStatus.PENDING,
            attempts=0,
            run_after=run_after or now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[OutboxJob.kind, OutboxJob.ref])
        .returning(OutboxJob.id)  # rowcount is unreliable with RETURNING, which the ORM adds
    )
    added = session.execute(statement).scalar_one_or_none() is not None
    if added and not event.contains(session, "after_commit", ring):
        event.listen(session, "after_commit", ring)
    return added


# --- claim, finish, retry --------------------------------------------------------------------


def _claimable(statement: Any, kinds: tuple[str, ...] | None, limit: int) -> Any:
    if kinds:
        statement = statement.where(OutboxJob.kind.in_(kinds))
    # SKIP LOCKED: rows another claimer holds are passed over, not waited for (PostgreSQL);
    # SQLite renders no FOR UPDATE and relies on BEGIN IMMEDIATE instead.
    return statement.limit(limit).with_for_update(skip_locked=True)


def claim(
    sessions: sessionmaker[Session],
    worker_id: str,
    lease_seconds: float,
    limit: int = 1,
    kinds: tuple[str, ...] | None = None,
) -> list[Job]:
    """Lease up to ``limit`` due jobs: running ones whose lease ran out first (their worker
    died), then pending ones in order of due time.

    Two queries rather than one with OR: each walks the ``(status, run_after)`` index in order
    and stops at ``limit``, where an OR of the two made both databases sort every due job on
    every claim (quadratic once tens of thousands are queued).
    """
    now = utcnow()
    expired = select(OutboxJob).where(
        OutboxJob.status == JobStatus.RUNNING, OutboxJob.locked_until <= now
    )
    pending = (
        select(OutboxJob)
        .where(OutboxJob.status == JobStatus.PENDING, OutboxJob.run_after <= now)
        .order_by(OutboxJob.run_after)
    )
    until = now + timedelta(seconds=lease_seconds)
    claimed: list[Job] = []
    with transaction(sessions) as session:
        rows = list(session.scalars(_claimable(expired, kinds, limit)).all())
        if len(rows) < limit:
            rows += session.scalars(_claimable(pending, kinds, limit - len(rows))).all()
        for row in rows:
            row.status = JobStatus.RUNNING
            row.attempts += 1
            row.locked_until = until
            row.locked_by = worker_id
            claimed.append(Job(row.id, row.kind, row.ref, row.payload, row.attempts, worker_id))
    return claimed


FINISHED = object()
"""What a handler returns when it marked its job done itself (``finish_in``, in the transaction
that did the job's work): the worker then spends no transaction of its own on it."""


def finish_in(session: Session, job: Job) -> bool:
    """Mark the job done in the caller's transaction if this worker still holds it."""
    return (
        _changed(
            session,
            update(OutboxJob)
            .where(
                OutboxJob.id == job.id,
                OutboxJob.status == JobStatus.RUNNING,
                OutboxJob.locked_by == job.locked_by,
            )
            .values(status=JobStatus.DONE, done_at=utcnow(), locked_until=None, last_error=None),
        )
        > 0
    )


def finish(sessions: sessionmaker[Session], job: Job) -> bool:
    """Mark the job done if this worker still holds it; False when its lease was lost."""
    with transaction(sessions) as session:
        return finish_in(session, job)


def backoff_seconds(
    attempts: int, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Delay before retry number ``attempts`` (1 = first): base·2^(n-1) capped, then "equal
    jitter" (half fixed, half random) so retries of one outage spread out instead of marching
    in step; never more than ``cap``."""
    exponent = min(max(attempts - 1, 0), 62)
    ceiling = min(cap, base * float(2**exponent))
    return min(cap, ceiling / 2 + rand() * ceiling / 2)


def retry(
    sessions: sessionmaker[Session],
    job: Job,
    error: str,
    delay_seconds: float,
) -> bool:
    """Put the job back to pending, due after ``delay_seconds``, with the error recorded; False
    when this worker no longer holds it (another took it over after the lease ran out)."""
    now = utcnow()
    with transaction(sessions) as session:
        changed = _changed(
            session,
            update(OutboxJob)
            .where(
                OutboxJob.id == job.id,
                OutboxJob.status == JobStatus.RUNNING,
                OutboxJob.locked_by == job.locked_by,
            )
            .values(
                status=JobStatus.PENDING,
                run_after=now + timedelta(seconds=delay_seconds),
                locked_until=None,
                locked_by=None,
                last_error=error[:ERROR_TEXT_LIMIT],
            ),
        )
        return changed > 0


def next_due(sessions: sessionmaker[Session]) -> datetime | None:
    """When the soonest job not done becomes claimable (its run_after or its lease's end)."""
    with sessions() as session:
        pending = session.scalar(
            select(func.min(OutboxJob.run_after)).where(OutboxJob.status == JobStatus.PENDING)
        )
        leased = session.scalar(
            select(func.min(OutboxJob.locked_until)).where(OutboxJob.status == JobStatus.RUNNING)
        )
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None


def counts(
    sessions: sessionmaker[Session], statuses: tuple[str, ...] | None = None
) -> dict[str, int]:
    """Jobs per status (for status lines, metrics and tests); only ``statuses`` when given."""
    query = select(OutboxJob.status, func.count()).group_by(OutboxJob.status)
    if statuses is not None:  # the queue without the done jobs, which only ever grow
        query = query.where(OutboxJob.status.in_(statuses))
    with sessions() as session:
        rows = session.execute(query).all()
    return {str(status): int(n) for status, n in rows}


def oldest_due_pending(sessions: sessionmaker[Session], now: datetime) -> datetime | None:
    """When the longest-waiting due job became due (None when nothing waits)."""
    with sessions() as session:
        oldest: datetime | None = session.scalar(
            select(func.min(OutboxJob.run_after)).where(
                OutboxJob.status == JobStatus.PENDING, OutboxJob.run_after <= now
            )
        )
    return oldest
