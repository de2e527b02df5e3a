"""Read-only sessions (``runtime.reads``): on SQLite they read beside the one writer, never write."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import AuditEvent


def _events(runtime: Runtime, marker: str) -> int:
    with runtime.reads() as session:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_id == marker)
        return int(session.scalar(query) or 0)


def _event(marker: str) -> object:
    return insert(AuditEvent).values(entity="test", entity_id=marker, action="x", actor="test")


def test_a_read_neither_waits_for_the_writer_nor_sees_what_it_has_not_committed(
    runtime: Runtime,
) -> None:
    marker = secrets.token_hex(8)
    with transaction(runtime.sessions) as writer:
        writer.execute(_event(marker))  # this process's write turn and SQLite's write lock held
        # Queued behind the writer, this read would wait for a turn this thread holds (30 s,
        # then TimeoutError); beside it, it answers from the last commit.
        assert _events(runtime, marker) == 0
    assert _events(runtime, marker) == 1


def test_a_write_through_a_read_session_fails_at_once(runtime: Runtime, database_kind: str) -> None:
    if database_kind != "sqlite":
        pytest.skip("on PostgreSQL reads and writes share one engine")
    marker = secrets.token_hex(8)
    with pytest.raises(OperationalError, match="readonly"), runtime.reads() as session:
        session.execute(_event(marker))
    assert _events(runtime, marker) == 0
