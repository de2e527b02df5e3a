"""Rate limits counted in the database (``rate_hits``), so they hold across server processes.

Each hit is one upsert (``INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits``)
in a transaction of its own: atomic on PostgreSQL and SQLite alike, and committed even when the
request it counts then fails, which is the point of counting wrong passwords and OTPs.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from sqlalchemy import delete
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


def count(session: Session, key: str, window_start: int) -> int:
    """Add one hit to ``key`` in the window starting at ``window_start``; the new count."""
    postgres = session.get_bind().dialect.name == "postgresql"
    insert: Any = postgresql.insert if postgres else sqlite.insert
    statement = (
        insert(RateHit)
        .values(bucket=key, window_start=window_start, hits=1)
        .on_conflict_do_update(
            index_elements=[RateHit.bucket, RateHit.window_start],
            set_={"hits": RateHit.hits + 1},
        )
        .returning(RateHit.hits)
    )
    return int(session.execute(statement).scalar_one())


def hit(runtime: Runtime, *limits: tuple[Limit, str, int], now: float | None = None) -> None:
    """Count one request against each ``(kind, subject, limit)``; RateLimited past any of them.

    Every bucket is counted even when an earlier one is over, so a client hammering one limit
    keeps paying on the others; Retry-After is the latest window end of the limits passed.
    """
    window = runtime.settings.rate_window_seconds
    moment = time.time() if now is None else now
    start = ratelimit.window_start(moment, window)
    over = False
    with transaction(runtime.sessions) as session:
        for kind, subject, limit in limits:
            hits = count(session, ratelimit.bucket(kind, subject), start)
            over = over or ratelimit.over_limit(hits, limit)
    if next(_hits) % PRUNE_EVERY == 0:
        with transaction(runtime.sessions) as session:
            session.execute(delete(RateHit).where(RateHit.window_start < start - window))
    if over:
        raise RateLimited(ratelimit.retry_after(moment, window))
