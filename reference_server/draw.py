"""The draw over a wave's joiners, read from the database: the same winners as domain.lottery.

Who is in the draw: the wave's joiners whose applicant is still eligible for it, i.e. stage
``JOINED`` with ``applicants.wave_id`` this wave (a joiner found ineligible, or moved on, since
joining is left out; carried joiners are ``JOINED`` to the wave they rolled into).

- PostgreSQL computes the keys itself: ``sha256(seed || convert_to(nik, 'UTF8'))`` is exactly
  :func:`reference_server.domain.lottery.draw_key`. A threshold ``WHERE`` (from the lottery's
  :func:`~reference_server.domain.lottery.threshold` over the number of joiner rows) lets the sort
  see only about ``quota`` rows; ``ORDER BY key, nik LIMIT quota`` then gives the exact winners.
  When fewer than ``quota`` pass (many joiners dropped out, or bad luck), the bound widens and the
  query runs again: exact either way. Only the winners cross the wire.
- SQLite has no SHA-256: the NIKs stream through a cursor (``fetchmany``) into the lottery's
  selection in Python, with the same threshold; memory stays ``O(quota)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from contract.registration import Stage
from reference_server.domain import lottery

FETCH = 20_000
PG_WORK_MEM = "256MB"  # room for the threshold's survivors to sort in memory

ELIGIBLE_FROM = (
    " FROM wave_joiners wj JOIN applicants a ON a.id = wj.applicant_id"
    " WHERE wj.wave_id = :wave AND a.wave_id = :wave AND a.stage = :stage"
)


def joiner_rows(session: Session, wave_id: int) -> int:
    """Rows of the wave's joiners (an upper bound on the draw's size; read from the index)."""
    value = session.execute(
        text("SELECT count(*) FROM wave_joiners WHERE wave_id = :wave"), {"wave": wave_id}
    ).scalar_one()
    return int(value)


def eligible_count(session: Session, wave_id: int) -> int:
    """How many joiners are in the wave's draw."""
    value = session.execute(
        text("SELECT count(*)" + ELIGIBLE_FROM), {"wave": wave_id, "stage": Stage.JOINED.value}
    ).scalar_one()
    return int(value)


def select_winners(session: Session, wave_id: int, seed: str, quota: int) -> list[str]:
    """The wave's winners' NIKs in draw order: ``lottery.draw`` over its eligible joiners."""
    if quota < 0:
        raise ValueError("quota must not be negative")
    key = lottery.seed_bytes(seed)
    if quota == 0:
        return []
    rows = joiner_rows(session, wave_id)
    if session.get_bind().dialect.name == "postgresql":
        return _select_postgres(session, wave_id, key, quota, rows)
    return lottery.draw(seed, NikStream(session, wave_id), quota, count=rows)


def _select_postgres(
    session: Session, wave_id: int, key: bytes, quota: int, rows: int
) -> list[str]:
    session.execute(text(f"SET LOCAL work_mem = '{PG_WORK_MEM}'"))
    query = text(
        "SELECT nik FROM (SELECT wj.nik, sha256(CAST(:seed AS bytea)"
        " || convert_to(wj.nik, 'UTF8')) AS k" + ELIGIBLE_FROM + ") keyed"
        ' WHERE k <= :bound ORDER BY k, nik COLLATE "C" LIMIT :quota'
    )
    bound = lottery.threshold(rows, quota)
    while True:
        params: dict[str, Any] = {
            "seed": key,
            "wave": wave_id,
            "stage": Stage.JOINED.value,
            "bound": bound,
            "quota": quota,
        }
        winners = [nik for (nik,) in session.execute(query, params)]
        if len(winners) >= quota or bound == lottery.ACCEPT_ALL:
            return winners
        bound = lottery.widen(bound)


class NikStream:
    """The eligible joiners' NIKs, read afresh from the database on every iteration."""

    def __init__(self, session: Session, wave_id: int) -> None:
        self._session = session
        self._wave_id = wave_id

    def __iter__(self) -> Iterator[str]:
        return stream_niks(self._session, self._wave_id)


def stream_niks(session: Session, wave_id: int) -> Iterator[str]:
    """The eligible joiners' NIKs through a DB-API cursor, ``FETCH`` rows at a time."""
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    postgres = session.get_bind().dialect.name == "postgresql"
    # psycopg: a named (server-side) cursor, or the whole result would land in memory at once.
    cursor = dbapi.cursor(name="prakerja_niks") if postgres else dbapi.cursor()
    try:
        sql = "SELECT wj.nik" + ELIGIBLE_FROM
        if postgres:
            sql = sql.replace(":wave", "%(wave)s").replace(":stage", "%(stage)s")
            cursor.execute(sql, {"wave": wave_id, "stage": Stage.JOINED.value})
        else:
            sql = sql.replace(":wave", "?").replace(":stage", "?")
            cursor.execute(sql, (wave_id, wave_id, Stage.JOINED.value))
        while chunk := cursor.fetchmany(FETCH):
            for (nik,) in chunk:
                yield nik
    finally:
        cursor.close()
