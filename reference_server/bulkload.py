"""Bulk loading from a population file: the programme's history, or a wave's joiners.

- History (``load_history``): for each ``PAST_BENEFICIARY`` row a Beneficiary and a card of an
  earlier year (scheme ``semi_bansos``; ``active``, or ``used`` with its balance spent) and for
  each ``REVOKED`` row a revoked card, every balance movement a ledger entry (``grant``, then
  ``history_spend`` or ``revoke_return``). Cards start with ``4``. This is what lets the
  verification pipeline find PAST_BENEFICIARY and REVOKED people.
- Joiners (``load_joiners``): every row as an eligible applicant joined to a wave (a minimal
  Account whose password hash ``!`` matches no password, an Applicant at stage ``JOINED``, a
  WaveJoiner), for load tests and the draw benchmark. Rows go through a temp staging table (COPY
  on PostgreSQL, ``executemany`` on SQLite). On PostgreSQL one statement of three chained
  ``INSERT … RETURNING`` writes a chunk, so no step joins back to the big tables (joining
  back made the planner hash whole tables per chunk: 5,900 rows/s at 10M); on SQLite, whose
  planner probes the indexes row by row, three set-based ``INSERT … SELECT``. What is left is
  the tables' own cost: thirteen index entries and four foreign-key checks per joiner.

Both are idempotent: a NIK already loaded (a beneficiary; a joiner of that wave) is skipped, and
each chunk is one transaction, so an interrupted load is finished by running it again. The CSV
is read with the standard library against ``contract.population.COLUMNS``.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, text
from sqlalchemy.orm import Session

from contract.population import COLUMNS, Case
from contract.registration import Stage
from reference_server.domain.schemes import scheme as scheme_named
from reference_server.services.cards import (
    GRANT,
    REVOKE_RETURN,
    education_value,
    history_card_number,
)
from reference_server.storage.tables import (
    Beneficiary,
    Card,
    LedgerEntry,
    UtcDateTime,
    Wave,
)

HISTORY_SCHEME = "semi_bansos"
HISTORY_ISSUED = datetime(2022, 3, 1, tzinfo=UTC)
HISTORY_SPEND = "history_spend"
ACTOR = "bulk-loader"
UNUSABLE_PASSWORD = "!"  # no password hashes to this, so these accounts cannot log in
STAGE = "bulk_joiner_stage"
STAGE_COLUMNS = ("nik", "kk", "name", "birth_date", "sex", "region_code", "education")


@dataclass(frozen=True)
class LoadReport:
    """What a load did and how fast."""

    rows: int  # rows read
    written: int  # beneficiaries or joiners written
    skipped: int  # already there, not a history case, or a repeated NIK
    seconds: float

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of the load."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def read_population(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a population file; ValueError if its header lacks a column."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path}: not a population file (missing {', '.join(missing)})")
        yield from reader


def _chunks(rows: Iterable[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    chunk: list[dict[str, str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- history ------------------------------------------------------------------------------------


def load_history(
    engine: Engine, rows: Iterable[dict[str, str]], *, chunk: int = 5_000
) -> LoadReport:
    """Write the earlier cards of the PAST_BENEFICIARY and REVOKED rows (idempotent)."""
    started = time.perf_counter()
    read = written = 0
    for part in _chunks(rows, chunk):
        read += len(part)
        with Session(engine) as session, session.begin():
            written += _history_chunk(session, part)
    return LoadReport(read, written, read - written, time.perf_counter() - started)


def _history_chunk(session: Session, part: list[dict[str, str]]) -> int:
    wanted: dict[str, dict[str, str]] = {}
    for row in part:
        if row.get("case") in (Case.PAST_BENEFICIARY.value, Case.REVOKED.value):
            wanted.setdefault(row["nik"], row)
    if not wanted:
        return 0
    present = set(session.scalars(select(Beneficiary.nik).where(Beneficiary.nik.in_(wanted))))
    fresh = [row for nik, row in wanted.items() if nik not in present]
    if not fresh:
        return 0
    session.execute(
        insert(Beneficiary),
        [
            {
                "user_id": "USRH" + hashlib.sha256(row["nik"].encode()).hexdigest()[:20],
                "nik": row["nik"],
                "name": row["name"][:200],
                "birth_date": date.fromisoformat(row["birth_date"]),
                "sex": row["sex"][:1],
                "education": education_value(row["education"]),
                "phone_number": row["phone"][:20],
                "email": row["email"][:254],
                "created_at": HISTORY_ISSUED,
            }
            for row in fresh
        ],
    )
    by_nik = {row["nik"]: row for row in fresh}
    ids = session.execute(
        select(Beneficiary.id, Beneficiary.nik).where(Beneficiary.nik.in_(by_nik))
    ).all()
    terms = scheme_named(HISTORY_SCHEME)
    deadline = HISTORY_ISSUED + timedelta(days=terms.purchase_deadline_days)
    cards: list[dict[str, Any]] = []
    for bid, nik in ids:
        revoked = by_nik[nik]["case"] == Case.REVOKED.value
        used = not revoked and int(nik[-1]) % 2 == 1
        cards.append(
            {
                "beneficiary_id": bid,
                "card_number": history_card_number(bid),
                "scheme": HISTORY_SCHEME,
                "status": "revoked" if revoked else "used" if used else "active",
                "balance": 0 if revoked or used else terms.training_balance,
                "created_at": HISTORY_ISSUED,
                "purchase_deadline": deadline,
                "revoked_at": deadline if revoked else None,
            }
        )
    session.execute(insert(Card), cards)
    card_rows = session.execute(
        select(Card.id, Card.status).where(Card.card_number.in_([c["card_number"] for c in cards]))
    ).all()
    entries: list[dict[str, Any]] = []
    for card_id, status in card_rows:
        entries.append(_entry(card_id, terms.training_balance, GRANT, HISTORY_ISSUED))
        if status == "revoked":
            entries.append(_entry(card_id, -terms.training_balance, REVOKE_RETURN, deadline))
        elif status == "used":
            entries.append(_entry(card_id, -terms.training_balance, HISTORY_SPEND, deadline))
    session.execute(insert(LedgerEntry), entries)
    return len(cards)


def _entry(card_id: int, amount: int, kind: str, at: datetime) -> dict[str, Any]:
    return {
        "card_id": card_id,
        "amount": amount,
        "kind": kind,
        "reference": "history",
        "actor": ACTOR,
        "created_at": at,
    }


# --- joiners ------------------------------------------------------------------------------------


def load_joiners(
    engine: Engine,
    wave_code: str,
    rows: Iterable[dict[str, str]],
    *,
    chunk: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
) -> LoadReport:
    """Every row as an eligible applicant JOINED to ``wave_code`` (idempotent per NIK).

    Rows need ``nik``; ``name``, ``birth_date``, ``sex``, ``education``, ``kk`` and
    ``region_code`` are used when present. KeyError if there is no such wave. ``progress`` is
    told (rows read, joiners written) after every chunk.
    """
    started = time.perf_counter()
    with Session(engine) as session:
        wave_id = session.scalar(select(Wave.id).where(Wave.wave_code == wave_code))
    if wave_id is None:
        raise KeyError(f"no wave {wave_code!r}")
    postgres = engine.dialect.name == "postgresql"
    read = written = 0
    for part in _chunks(rows, chunk):
        read += len(part)
        staged = {row["nik"]: stage_row(row) for row in part}
        with engine.begin() as conn:
            written += _join_chunk(conn, wave_id, list(staged.values()), postgres)
        if progress is not None:
            progress(read, written)
    return LoadReport(read, written, read - written, time.perf_counter() - started)


def _join_chunk(
    conn: Connection, wave_id: int, rows: list[tuple[str | None, ...]], postgres: bool
) -> int:
    """One chunk, in the caller's transaction; how many joined."""
    now = datetime.now(UTC)
    _stage(conn, rows, postgres)
    _drop_joined(conn, wave_id)
    if not postgres:
        return _join_staged(conn, wave_id, now)
    written = _join_fresh_postgres(conn, wave_id, now)
    if written < len(rows):  # some staged NIKs were joined already, or have a loader account
        _drop_joined(conn, wave_id)
        conn.execute(text(f"ANALYZE {STAGE}"))
        written += _join_staged(conn, wave_id, now)
    return written


def stage_row(row: dict[str, str]) -> tuple[str | None, ...]:
    """A row as the staging table takes it (defaults for what the row lacks)."""
    return (
        row["nik"],
        row.get("kk") or None,
        (row.get("name") or "bulk joiner")[:100],
        row.get("birth_date") or "1995-01-01",
        (row.get("sex") or "M")[:1],
        row.get("region_code") or None,
        row.get("education") or "SMA",
    )


def _stage(conn: Connection, rows: list[tuple[str | None, ...]], postgres: bool) -> None:
    """The chunk into this connection's temp staging table (emptied first)."""
    columns = ", ".join(STAGE_COLUMNS)
    birth_type = "date" if postgres else "text"
    # No key: the chunk's NIKs are distinct already, and an index would only cost time.
    conn.execute(
        text(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (nik varchar(16) NOT NULL,"
            f" kk varchar(16), name varchar(100), birth_date {birth_type}, sex varchar(1),"
            " region_code varchar(8), education varchar(3))"
        )
    )
    conn.execute(text(f"DELETE FROM {STAGE}"))
    dbapi: Any = conn.connection.dbapi_connection
    cursor = dbapi.cursor()
    try:
        if postgres:
            with cursor.copy(f"COPY {STAGE} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {STAGE} ({columns}) VALUES (?,?,?,?,?,?,?)", rows)
    finally:
        cursor.close()
    if postgres:  # a temp table has no statistics: without them the joins below go nested-loop
        conn.execute(text(f"ANALYZE {STAGE}"))


def _params(wave_id: int, now: datetime) -> dict[str, Any]:
    return {"wave": wave_id, "now": now, "stage": Stage.JOINED.value, "pw": UNUSABLE_PASSWORD}


def _drop_joined(conn: Connection, wave_id: int) -> None:
    """Forget the staged NIKs the wave has already: one index probe per staged row.

    The probe is a scalar subquery with LIMIT, which PostgreSQL keeps as a per-row subplan: an
    EXISTS would become a join the planner may turn around, reading every joiner of the wave
    for each chunk (quadratic over a 10M load).
    """
    conn.execute(
        text(
            f"DELETE FROM {STAGE} WHERE (SELECT 1 FROM wave_joiners j"
            f" WHERE j.wave_id = :wave AND j.nik = {STAGE}.nik LIMIT 1) IS NOT NULL"
        ),
        {"wave": wave_id},
    )


def _join_fresh_postgres(conn: Connection, wave_id: int, now: datetime) -> int:
    """Account, applicant and joiner for every staged NIK without an account, in one statement.

    Each INSERT feeds the next through RETURNING, so no step looks its rows up again in the big
    tables; a NIK whose loader account exists already (an earlier wave's load) is left to
    ``_join_staged``. Returns how many joined.
    """
    stamp = bindparam("now", type_=UtcDateTime())
    # The planner's guess at the joins' size is wild enough to start JIT, half a second of
    # compiling for a plan that is a hash join either way.
    conn.execute(text("SET LOCAL jit = off"))
    result = conn.execute(
        text(
            "WITH acc AS ("
            " INSERT INTO accounts (account_id, email, phone, password_hash, created_at)"
            " SELECT 'bulk-' || nik, 'bulk-' || nik || '@load.invalid', 'b' || nik, :pw, :now"
            f" FROM {STAGE} ON CONFLICT (account_id) DO NOTHING RETURNING id, account_id),"
            " app AS ("
            " INSERT INTO applicants (account_id, stage, nik, kk, name, birth_date, sex,"
            " region_code, education, scheme, wave_id, verified_at, updated_at, created_at)"
            " SELECT acc.id, :stage, s.nik, s.kk, s.name, s.birth_date, s.sex, s.region_code,"
            " s.education, (SELECT scheme FROM waves WHERE id = :wave), :wave, :now, :now, :now"
            f" FROM acc JOIN {STAGE} s ON acc.account_id = 'bulk-' || s.nik"
            " RETURNING id, nik)"
            " INSERT INTO wave_joiners (wave_id, applicant_id, nik, carried, joined_at)"
            " SELECT :wave, app.id, app.nik, false, :now FROM app"
        ).bindparams(stamp),
        _params(wave_id, now),
    )
    return int(result.rowcount)


def _join_staged(conn: Connection, wave_id: int, now: datetime) -> int:
    """Account (unless there), applicant (unless there) and joiner for every staged NIK.

    Set-based and linear on SQLite, whose planner probes the unique indexes row by row; on
    PostgreSQL only the few NIKs ``_join_fresh_postgres`` leaves, whose loader account exists.
    """
    stamp = bindparam("now", type_=UtcDateTime())
    params = _params(wave_id, now)
    conn.execute(
        text(
            "INSERT INTO accounts (account_id, email, phone, password_hash, created_at)"
            " SELECT 'bulk-' || s.nik, 'bulk-' || s.nik || '@load.invalid', 'b' || s.nik, :pw, :now"
            f" FROM {STAGE} s WHERE NOT EXISTS"
            " (SELECT 1 FROM accounts a WHERE a.account_id = 'bulk-' || s.nik)"
        ).bindparams(stamp),
        params,
    )
    conn.execute(
        text(
            "INSERT INTO applicants (account_id, stage, nik, kk, name, birth_date, sex,"
            " region_code, education, scheme, wave_id, verified_at, updated_at, created_at)"
            " SELECT a.id, :stage, s.nik, s.kk, s.name, s.birth_date, s.sex, s.region_code,"
            " s.education, w.scheme, :wave, :now, :now, :now"
            f" FROM {STAGE} s JOIN accounts a ON a.account_id = 'bulk-' || s.nik"
            " JOIN waves w ON w.id = :wave"
            " WHERE NOT EXISTS (SELECT 1 FROM applicants p WHERE p.account_id = a.id)"
        ).bindparams(stamp),
        params,
    )
    result = conn.execute(
        text(
            "INSERT INTO wave_joiners (wave_id, applicant_id, nik, carried, joined_at)"
            " SELECT :wave, p.id, s.nik, :no, :now"
            f" FROM {STAGE} s JOIN accounts a ON a.account_id = 'bulk-' || s.nik"
            " JOIN applicants p ON p.account_id = a.id"
        ).bindparams(stamp),
        {**params, "no": False},
    )
    return int(result.rowcount)
