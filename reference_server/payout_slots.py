"""The per-partner concurrency limit: at most N calls to one payment partner at a time, across
every worker thread of every process.

A partner has N slot rows (``payout_slots``: partner, slot 0..N-1). A worker thread about to call
the partner leases a free one (``held_by``, ``held_until``) in a short transaction — on
PostgreSQL ``FOR UPDATE SKIP LOCKED``, so claimers never wait on each other; on SQLite the
transaction is serialised anyway — and gives it back when the call is over. A thread that dies
holding a slot loses it when the lease ends, so a crash never shrinks the limit for long. Rows
are created on first use; lowering N leaves the higher slots unused.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reference_server.storage.tables import PayoutSlot, utcnow


def _free(partner_id: int, limit: int, now: Any) -> Any:
    return (
        select(PayoutSlot)
        .where(
            PayoutSlot.partner_id == partner_id,
            PayoutSlot.slot < limit,
            or_(PayoutSlot.held_by.is_(None), PayoutSlot.held_until <= now),
        )
        .order_by(PayoutSlot.slot)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def _create(session: Session, partner_id: int, limit: int) -> None:
    insert: Any = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    rows = [{"partner_id": partner_id, "slot": n} for n in range(limit)]
    session.execute(insert(PayoutSlot).values(rows).on_conflict_do_nothing())


def take(
    session: Session,
    partner_id: int,
    limit: int,
    holder: str,
    lease_seconds: float,
    now: datetime,
) -> int | None:
    """Lease a free slot of the partner for ``holder`` in the caller's transaction; None when
    all ``limit`` are held."""
    row = session.scalars(_free(partner_id, limit, now)).first()
    if row is None:
        have = session.scalar(
            select(func.count())
            .select_from(PayoutSlot)
            .where(PayoutSlot.partner_id == partner_id, PayoutSlot.slot < limit)
        )
        if (have or 0) >= limit:
            return None
        _create(session, partner_id, limit)
        row = session.scalars(_free(partner_id, limit, now)).first()
        if row is None:
            return None
    row.held_by = holder[:80]
    row.held_until = now + timedelta(seconds=lease_seconds)
    return int(row.slot)


def give_back(
    session: Session, partner_id: int, slot: int, holder: str, *, after: float = 0.0
) -> None:
    """Free the slot in the caller's transaction (if ``holder`` still has it), now or ``after``
    seconds from now (it is then taken again by nobody before)."""
    values: dict[str, Any] = {"held_by": None, "held_until": None}
    if after > 0:
        values = {"held_until": utcnow() + timedelta(seconds=after)}
    session.execute(
        update(PayoutSlot)
        .where(
            PayoutSlot.partner_id == partner_id,
            PayoutSlot.slot == slot,
            PayoutSlot.held_by == holder[:80],
        )
        .values(**values)
    )


def in_flight(session: Session, partner_id: int) -> int:
    """Slots of the partner leased right now."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(PayoutSlot)
            .where(
                PayoutSlot.partner_id == partner_id,
                PayoutSlot.held_by.is_not(None),
                PayoutSlot.held_until > utcnow(),
            )
        )
        or 0
    )
