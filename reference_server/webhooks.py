"""Webhooks to partners: an event is an outbox job written in the transaction that decides it,
and a worker POSTs it (``webhook_sender.Sender``), signed with the receiving partner's webhook
key, until a 2xx.

``emit`` adds one event for one partner; ``emit_to_role`` one for every active partner of a role
that has a webhook URL. A partner without a webhook URL gets nothing (there is nowhere to send
it); one whose URL is unset later has its pending events dropped with a log line. Anything but a
2xx, and any transport failure, is retried with the outbox's backoff, for ever: at-least-once.
The key is read at each delivery, so a rotated key applies to the retries.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.endpoints import Role
from contract.webhooks import EVENT_MODELS, EventType
from reference_server import outbox
from reference_server.storage.tables import Partner, iso_utc

WEBHOOK_JOB = "webhook"


def new_event_id() -> str:
    """A fresh event id (``EVT-`` + 20 random characters)."""
    return "EVT-" + secrets.token_hex(10).upper()


def emit(
    session: Session,
    partner_id: int,
    event_type: EventType,
    data: dict[str, Any],
    occurred_at: datetime,
) -> str:
    """Queue one event for one partner in the caller's transaction; its event id."""
    event_id = new_event_id()
    body = EVENT_MODELS[event_type](
        event_id=event_id, occurred_at=iso_utc(occurred_at), data=data
    ).model_dump(mode="json")
    payload = json.dumps({"partner_id": partner_id, "event": body}, separators=(",", ":"))
    outbox.enqueue(session, WEBHOOK_JOB, event_id, payload)
    return event_id


def emit_to_role(
    session: Session,
    role: Role,
    event_type: EventType,
    data: dict[str, Any],
    occurred_at: datetime,
) -> int:
    """Queue the event for every active partner of ``role`` with a webhook URL; how many."""
    ids = session.scalars(
        select(Partner.id).where(
            Partner.role == role.value,
            Partner.active.is_(True),
            Partner.webhook_url.is_not(None),
        )
    ).all()
    for partner_id in ids:
        emit(session, partner_id, event_type, data, occurred_at)
    return len(ids)


def has_webhook(session: Session, partner_id: int) -> bool:
    """Whether the partner has somewhere to receive webhooks."""
    return bool(session.scalar(select(Partner.webhook_url).where(Partner.id == partner_id)))
