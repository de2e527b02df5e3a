"""Waves and their commit-reveal lottery: create, commit, close, draw, status, export.

Life of a wave: created (SCHEDULED, then OPEN by time) -> seed committed (before it closes, once)
-> CLOSED (at ``closes_at`` or early, which needs the commitment) -> DRAWN (once). Illegal steps
are ``WAVE_STATE``.

Roll-over. Applicants not selected roll into the newest wave without joining again (a
``carried`` joiner, stage back to ``JOINED`` with ``applicants.wave_id`` the new wave): when a
wave is created, every ``NOT_SELECTED`` applicant is carried into it; at a draw, the losers are
carried at once if a later wave is still open for joining (SCHEDULED or OPEN). So a
``NOT_SELECTED`` applicant is never a joiner of a wave not yet drawn.

The draw is one transaction: reveal, selection (``reference_server.draw``), outcomes and ranks,
applicants' stages, cards with their grants, roll-over and the wave's counts commit together or
not at all, so a draw is never half-applied, and a second draw finds the wave DRAWN.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Boolean, CursorResult, bindparam, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import errors as err
from contract.admin import CreateWaveRequest, WaveData, WaveStatus
from contract.errors import ApiError
from contract.registration import PublicWave, Stage, WavesData
from reference_server import audit, draw
from reference_server.domain import lottery
from reference_server.domain.schemes import load_schemes
from reference_server.domain.waves import wave_status
from reference_server.runtime import Runtime
from reference_server.services.cards import Winner, issue_cards
from reference_server.services.payments import iso_utc
from reference_server.storage.db import transaction
from reference_server.storage.tables import Applicant, UtcDateTime, Wave, WaveJoiner, utcnow

SELECTED = "SELECTED"
NOT_SELECTED = "NOT_SELECTED"
EXPORT_PAGE = 10_000
CHUNK = 1_000


def status_of(wave: Wave, now: datetime) -> WaveStatus:
    """The wave's state now."""
    return wave_status(wave.opens_at, wave.closes_at, wave.closed_at, wave.drawn_at, now)


def _joiner_count(session: Session, wave_id: int) -> int:
    return draw.joiner_rows(session, wave_id)


def wave_data(session: Session, wave: Wave, now: datetime) -> WaveData:
    """The admin view of a wave."""
    return WaveData(
        wave_code=wave.wave_code,
        status=status_of(wave, now),
        quota=wave.quota,
        scheme=wave.scheme,
        opens_at=iso_utc(wave.opens_at),
        closes_at=iso_utc(wave.closes_at),
        seed_commitment=wave.seed_commitment,
        seed=wave.seed,
        joiners=_joiner_count(session, wave.id),
        eligible_joiners=wave.eligible_joiners,
        winners=wave.winners,
        drawn_at=iso_utc(wave.drawn_at) if wave.drawn_at else None,
    )


def _wave(session: Session, wave_code: str, *, lock: bool = False) -> Wave:
    query = select(Wave).where(Wave.wave_code == wave_code)
    if lock:
        query = query.with_for_update()
    wave = session.scalars(query).one_or_none()
    if wave is None:
        raise ApiError(err.WAVE_NOT_FOUND)
    return wave


def _changed(session: Session, statement: Any, params: dict[str, Any] | None = None) -> int:
    result = cast(CursorResult[Any], session.execute(statement, params or {}))
    return result.rowcount


def carry_not_selected(session: Session, target: Wave, now: datetime) -> int:
    """Carry every NOT_SELECTED applicant into ``target``; how many rolled in."""
    params = {"target": target.id, "now": now, "from": Stage.NOT_SELECTED.value}
    session.execute(
        text(
            "INSERT INTO wave_joiners (wave_id, applicant_id, nik, carried, joined_at)"
            " SELECT :target, id, nik, :yes, :now FROM applicants"
            " WHERE stage = :from AND nik IS NOT NULL"
        ).bindparams(_now_param(), _bool_param()),
        {**params, "yes": True},
    )
    return _changed(
        session,
        text(
            "UPDATE applicants SET stage = :to, wave_id = :target, updated_at = :now"
            " WHERE stage = :from AND nik IS NOT NULL"
        ).bindparams(_now_param()),
        {**params, "to": Stage.JOINED.value},
    )


def _now_param() -> Any:
    return bindparam("now", type_=UtcDateTime())


def _bool_param() -> Any:
    return bindparam("yes", type_=Boolean())


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def sane_time(moment: datetime) -> datetime | None:
    """``moment`` in UTC if it lies in 2000..2099 (an offset near year 1 or 9999 cannot even be
    converted: refused rather than a 500)."""
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc if EARLIEST <= utc < LATEST else None


def create_wave(runtime: Runtime, actor: str, body: CreateWaveRequest) -> WaveData:
    """A new wave; NOT_SELECTED applicants of earlier waves roll into it."""
    if body.scheme not in load_schemes():
        raise ApiError(err.SCHEME_UNKNOWN)
    now = utcnow()
    opens, closes = sane_time(body.opens_at), sane_time(body.closes_at)
    if opens is None or closes is None or closes <= opens or closes <= now:
        raise ApiError(err.WAVE_TIMES_INVALID)
    try:
        with transaction(runtime.sessions) as session:
            if session.get_bind().dialect.name == "postgresql":
                # One creator at a time: the overlap check and the insert must not interleave.
                session.execute(text("LOCK TABLE waves IN SHARE ROW EXCLUSIVE MODE"))
            if session.scalar(select(Wave.id).where(Wave.wave_code == body.wave_code)):
                raise ApiError(err.WAVE_EXISTS)
            for other in session.scalars(select(Wave)):
                ends = min(other.closes_at, other.closed_at or other.closes_at)
                if other.opens_at < body.closes_at and body.opens_at < ends:
                    raise ApiError(err.WAVE_OVERLAP)
            wave = Wave(
                wave_code=body.wave_code,
                quota=body.quota,
                scheme=body.scheme,
                opens_at=body.opens_at,
                closes_at=body.closes_at,
                created_at=now,
            )
            session.add(wave)
            session.flush()
            carried = carry_not_selected(session, wave, now)
            audit.record(
                session,
                "wave",
                wave.wave_code,
                "created",
                actor,
                quota=wave.quota,
                scheme=wave.scheme,
                carried=carried,
            )
            return wave_data(session, wave, now)
    except IntegrityError:  # a concurrent create of the same code
        raise ApiError(err.WAVE_EXISTS) from None


def commit_wave(runtime: Runtime, actor: str, wave_code: str, seed: str | None = None) -> WaveData:
    """Draw the secret seed (or, in the sandbox, take the one given), keep it sealed, publish its
    SHA-256. Before close; once."""
    if seed is not None and not runtime.settings.sandbox:
        raise ApiError(err.SANDBOX_ONLY)
    now = utcnow()
    with transaction(runtime.sessions) as session:
        wave = _wave(session, wave_code, lock=True)
        if wave.seed_commitment is not None or status_of(wave, now) not in (
            WaveStatus.SCHEDULED,
            WaveStatus.OPEN,
        ):
            raise ApiError(err.WAVE_STATE)
        given = seed is not None
        if seed is None:
            seed = lottery.new_seed()
        wave.seed_enc = runtime.keys.seal(seed)
        wave.seed_commitment = lottery.commitment(seed)
        audit.record(
            session,
            "wave",
            wave_code,
            "committed",
            actor,
            commitment=wave.seed_commitment,
            seed_given=given,
        )
        return wave_data(session, wave, now)


def close_wave(runtime: Runtime, actor: str, wave_code: str) -> WaveData:
    """Stop joining now; the seed must be committed first."""
    now = utcnow()
    with transaction(runtime.sessions) as session:
        wave = _wave(session, wave_code, lock=True)
        if wave.seed_commitment is None or status_of(wave, now) not in (
            WaveStatus.SCHEDULED,
            WaveStatus.OPEN,
        ):
            raise ApiError(err.WAVE_STATE)
        wave.closed_at = now
        audit.record(session, "wave", wave_code, "closed", actor)
        return wave_data(session, wave, now)


def _carry_target(session: Session, wave: Wave, now: datetime) -> Wave | None:
    later = session.scalars(
        select(Wave)
        .where(Wave.opens_at > wave.opens_at, Wave.drawn_at.is_(None), Wave.closed_at.is_(None))
        .order_by(Wave.opens_at.desc())
    ).all()
    for candidate in later:
        if status_of(candidate, now) in (WaveStatus.SCHEDULED, WaveStatus.OPEN):
            return candidate
    return None


def draw_wave(runtime: Runtime, actor: str, wave_code: str) -> WaveData:
    """Reveal the seed and draw, in one transaction (see the module docstring)."""
    now = utcnow()
    with transaction(runtime.sessions) as session:
        wave = _wave(session, wave_code, lock=True)
        if (
            status_of(wave, now) is not WaveStatus.CLOSED
            or wave.seed_commitment is None
            or wave.seed_enc is None
        ):
            raise ApiError(err.WAVE_STATE)
        seed = runtime.keys.open(wave.seed_enc)
        if not lottery.check_reveal(seed, wave.seed_commitment):
            raise RuntimeError("the sealed seed does not match its commitment")
        niks = draw.select_winners(session, wave.id, seed, wave.quota)
        winners: list[Winner] = []
        for start in range(0, len(niks), CHUNK):
            chunk = niks[start : start + CHUNK]
            rank = {nik: start + i + 1 for i, nik in enumerate(chunk)}
            rows = session.execute(
                select(WaveJoiner.id, WaveJoiner.applicant_id, WaveJoiner.nik).where(
                    WaveJoiner.wave_id == wave.id, WaveJoiner.nik.in_(chunk)
                )
            ).all()
            if not rows:
                continue
            session.execute(
                update(WaveJoiner),
                [{"id": jid, "outcome": SELECTED, "draw_rank": rank[nik]} for jid, _, nik in rows],
            )
            session.execute(
                update(Applicant),
                [
                    {"id": aid, "stage": Stage.BENEFICIARY.value, "updated_at": now}
                    for _, aid, _ in rows
                ],
            )
            winners.extend(Winner(aid, rank[nik]) for _, aid, nik in rows)
        issue_cards(
            session,
            wave_id=wave.id,
            wave_code=wave.wave_code,
            scheme_name=wave.scheme,
            winners=winners,
            selected_at=now,
        )
        params = {"wave": wave.id, "stage": Stage.JOINED.value, "now": now}
        losers = _changed(
            session,
            text(
                "UPDATE wave_joiners SET outcome = :outcome WHERE wave_id = :wave"
                " AND outcome IS NULL AND applicant_id IN"
                " (SELECT id FROM applicants WHERE wave_id = :wave AND stage = :stage)"
            ),
            {**params, "outcome": NOT_SELECTED},
        )
        session.execute(
            text(
                "UPDATE applicants SET stage = :to, updated_at = :now"
                " WHERE wave_id = :wave AND stage = :stage"
            ).bindparams(_now_param()),
            {**params, "to": Stage.NOT_SELECTED.value},
        )
        target = _carry_target(session, wave, now)
        carried = carry_not_selected(session, target, now) if target is not None else 0
        wave.seed = seed.lower()
        wave.seed_enc = None
        wave.drawn_at = now
        wave.winners = len(winners)
        wave.eligible_joiners = len(winners) + losers
        audit.record(
            session,
            "wave",
            wave_code,
            "drawn",
            actor,
            eligible=wave.eligible_joiners,
            winners=wave.winners,
            carried=carried,
            carried_to=target.wave_code if target else None,
        )
        return wave_data(session, wave, now)


def wave_status_data(runtime: Runtime, wave_code: str) -> WaveData:
    """A wave and its counts."""
    with runtime.reads() as session:
        return wave_data(session, _wave(session, wave_code), utcnow())


def public_waves(runtime: Runtime) -> WavesData:
    """Every wave for the public: commitment always, seed once drawn."""
    now = utcnow()
    with runtime.reads() as session:
        counts = dict(
            session.execute(
                select(WaveJoiner.wave_id, func.count()).group_by(WaveJoiner.wave_id)
            ).all()
        )
        waves = session.scalars(select(Wave).order_by(Wave.opens_at)).all()
        return WavesData(
            waves=[
                PublicWave(
                    wave_code=w.wave_code,
                    status=status_of(w, now).value,
                    quota=w.quota,
                    scheme=w.scheme,
                    opens_at=iso_utc(w.opens_at),
                    closes_at=iso_utc(w.closes_at),
                    seed_commitment=w.seed_commitment,
                    seed=w.seed if w.drawn_at else None,
                    joiners=int(counts.get(w.id, 0)),
                    winners=w.winners,
                )
                for w in waves
            ]
        )


def export_check(runtime: Runtime, wave_code: str) -> int:
    """The wave's id if it can be exported (drawn); the error otherwise, before streaming."""
    with runtime.sessions() as session:
        wave = _wave(session, wave_code)
        if wave.drawn_at is None:
            raise ApiError(err.WAVE_STATE)
        return wave.id


def export_lines(runtime: Runtime, wave_id: int, which: str) -> Iterator[str]:
    """CSV text: a ``nik`` header, then the joiners in the draw (by NIK) or the winners (in
    draw order). Read page by page, each page its own short transaction (SQLite serialises
    transactions, so one long read would hold every writer back); a drawn wave no longer
    changes, so the pages agree."""
    yield "nik\r\n"
    after: Any = "" if which == "joiners" else 0
    while True:
        with runtime.sessions() as session:
            query: Any
            if which == "joiners":
                query = (
                    select(WaveJoiner.nik, WaveJoiner.nik)
                    .where(
                        WaveJoiner.wave_id == wave_id,
                        WaveJoiner.outcome.is_not(None),
                        WaveJoiner.nik > after,
                    )
                    .order_by(WaveJoiner.nik)
                )
            else:
                query = (
                    select(WaveJoiner.nik, WaveJoiner.draw_rank)
                    .where(
                        WaveJoiner.wave_id == wave_id,
                        WaveJoiner.outcome == SELECTED,
                        WaveJoiner.draw_rank > after,
                    )
                    .order_by(WaveJoiner.draw_rank)
                )
            rows = session.execute(query.limit(EXPORT_PAGE)).all()
        if not rows:
            return
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerows((nik,) for nik, _ in rows)
        yield out.getvalue()
        after = rows[-1][1]
