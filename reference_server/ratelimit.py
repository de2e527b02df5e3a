"""Rate limits counted in the database (``rate_hits``), so they hold across server processes.

Each hit is one upsert (``INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits``):
atomic on PostgreSQL and SQLite alike, and committed even when the request it counts then fails,
which is the point of counting wrong passwords and OTPs. ``hit`` counts in a transaction of its
own; ``count_in`` counts inside the caller's, for requests whose transaction commits whether or
not they are refused (session lookup, OTP checks), which saves a transaction per request: the
caller commits, then raises what ``count_in`` returned.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reference_server.domain import ratelimit
from reference_server.domain.ratelimit import Limit
from reference_server.errors import RateLimited
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import RateHit

PRUNE_EVERY = 1000
_hits = itertools.count(1)


def _upsert(dialect: str) -> Any:
    """The counting upsert for ``dialect``, built once (values bound per call)."""
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(RateHit)
        .values(bucket=bindparam("bucket"), window_start=bindparam("window_start"), hits=1)
        .on_conflict_do_update(
            index_elements=[RateHit.bucket, RateHit.window_start],
            set_={"hits": RateHit.hits + 1},
        )
        .returning(RateHit.hits)
    )


_UPSERTS = {name: _upsert(name) for name in ("postgresql", "sqlite")}


def count(session: Session, key: str, window_start: int) -> int:
    """Add one hit to ``key`` in the window starting at ``window_start``; the new count."""
    statement = _UPSERTS[session.get_bind().dialect.name]
    values = {"bucket": key, "window_start": window_start}
    return int(session.execute(statement, values).scalar_one())


def count_in(
    session: Session, *limits: tuple[Limit, str, int], now: float | None = None, window: int
) -> RateLimited | None:
    """Count one request against each ``(kind, subject, limit)`` in ``session``'s transaction;
    the refusal to raise once it has committed, if past any of them.

    Every bucket is counted even when an earlier one is over, so a client hammering one limit
    keeps paying on the others; Retry-After is the latest window end of the limits passed.
    """
    moment = time.time() if now is None else now
    start = ratelimit.window_start(moment, window)
    over = False
    for kind, subject, limit in limits:
        hits = count(session, ratelimit.bucket(kind, subject), start)
        over = over or ratelimit.over_limit(hits, limit)
    if next(_hits) % PRUNE_EVERY == 0:
        session.execute(delete(RateHit).where(RateHit.window_start < start - window))
    return RateLimited(ratelimit.retry_after(moment, window)) if over else None


def hit(runtime: Runtime, *limits: tuple[Limit, str, int], now: float | None = None) -> None:
    """Count one request against each limit in a transaction of its own; RateLimited past any."""
    with transaction(runtime.sessions) as session:
        refused = count_in(session, *limits, now=now, window=runtime.settings.rate_window_seconds)
    if refused is not None:
        raise refused
