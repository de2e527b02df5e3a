"""Undoing a purchase: the one place a void's effects are written (API void and fixture reset)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contract.attendance import RedeemStatus
from contract.payments import PaymentStatus
from contract.webhooks import EventType
from reference_server import audit, webhooks
from reference_server.storage.tables import (
    Card,
    Course,
    LedgerEntry,
    RedeemCode,
    Schedule,
    Transaction,
    iso_utc,
)


def undo_purchase(
    session: Session, txn: Transaction, actor: str, now: datetime, **detail: Any
) -> None:
    """Void ``txn``: seat back, redeem code voided, card credited with a ledger entry, audited."""
    txn.status, txn.voided_at = PaymentStatus.VOIDED, now
    session.execute(
        update(RedeemCode)
        .where(RedeemCode.transaction_id == txn.id)
        .values(status=RedeemStatus.VOIDED)
    )
    # Seat before card: authorize's lock order, so the two never deadlock on PostgreSQL.
    # Increments in SQL, not read-then-write: a concurrent purchase may be moving the same rows.
    seat = update(Schedule).where(Schedule.id == txn.schedule_id)
    session.execute(seat.values(quota=Schedule.quota + 1))
    credit = update(Card).where(Card.id == txn.card_id)
    session.execute(credit.values(balance=Card.balance + txn.amount))
    session.add(
        LedgerEntry(
            card_id=txn.card_id,
            amount=txn.amount,
            kind="void",
            reference=txn.transaction_code,
            actor=actor,
            created_at=now,
        )
    )
    audit.record(session, "transaction", txn.transaction_code, "voided", actor, **detail)
    course = session.get_one(Course, txn.course_id)
    if webhooks.has_webhook(session, course.lp_id):
        redeem = session.scalar(select(RedeemCode.code).where(RedeemCode.transaction_id == txn.id))
        webhooks.emit(
            session,
            course.lp_id,
            EventType.PURCHASE_VOIDED,
            {
                "transaction_code": txn.transaction_code,
                "course_code": course.course_code,
                "redeem_code": redeem,
                "voided_at": iso_utc(now),
            },
            now,
        )
