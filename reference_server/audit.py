"""Recording state changes with time and actor."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from reference_server.storage.tables import AuditEvent, utcnow


def record(
    session: Session, entity: str, entity_id: str | int, action: str, actor: str, **detail: Any
) -> None:
    """Add an audit event to the current unit of work (no NIK, no secret in ``detail``)."""
    session.add(
        AuditEvent(
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            actor=actor,
            detail=json.dumps(detail, default=str, separators=(",", ":")) if detail else None,
            at=utcnow(),
        )
    )
