"""Engine and sessions: SQLite (WAL, one writer at a time) or PostgreSQL, same code."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and write-ahead locking."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" below decide when a transaction starts.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        _serialise_transactions(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def make_read_engine(engine: Engine) -> Engine:
    """The engine of read-only transactions: ``engine`` itself on PostgreSQL; on SQLite a pool of
    its own whose connections may not write and begin deferred, outside the one-writer queue.

    WAL lets readers run beside the writer on a snapshot of the last commit, so a request that
    only reads (a status poll, an inbox) need not queue behind every write of the process.
    ``PRAGMA query_only`` makes a write on one of these connections fail at once as a bug,
    where a deferred transaction upgrading to a writer could meet "database is locked".
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine  # (a database in memory is one per connection: it must stay shared)
    readers = create_engine(
        engine.url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(readers, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below starts transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(readers, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")  # deferred: one snapshot for the whole transaction

    return readers


def _serialise_transactions(engine: Engine) -> None:
    """One SQLite transaction at a time per process, queued in Python rather than in SQLite.

    Every transaction takes SQLite's write lock up front (BEGIN IMMEDIATE): a deferred one that
    reads and then writes can fail with "database is locked" instead of waiting its turn. Waiting
    threads queue on a Python lock, which hands over as soon as it is free; SQLite's own busy
    handler polls with sleeps of up to 100 ms, which under load turned queueing into long tails.
    Other processes (the CLI) still meet SQLite's busy timeout.
    """
    turn = threading.Lock()

    def release(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS_TURN, False):
            turn.release()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if not turn.acquire(timeout=30):
            raise TimeoutError("no SQLite transaction slot within 30 s")
        conn.info[_HOLDS_TURN] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(conn.info)
            raise

    @event.listens_for(engine, "commit")
    def _commit(conn: Any) -> None:
        # Fires just before the COMMIT; the next BEGIN IMMEDIATE waits out only that instant.
        release(conn.info)

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Any) -> None:
        release(conn.info)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        # Safety net: a connection back in the pool never keeps the turn.
        release(record.info)


_HOLDS_TURN = "prakerja_holds_sqlite_turn"


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any exception."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (serialised across processes on PostgreSQL)."""
    config = alembic_config(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(727274)"))
            try:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(727274)"))
                conn.commit()
    else:
        command.upgrade(config, "head")
