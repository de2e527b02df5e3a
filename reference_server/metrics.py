"""The server's Prometheus metrics (names in ``contract.metrics``), right with several workers.

One process (``prakerja serve``, tests): samples live in memory. Several uvicorn workers: the
command sets ``PROMETHEUS_MULTIPROC_DIR`` to a fresh folder before the workers start, each worker
writes its samples to files there, and whichever worker answers ``/metrics`` sums them all
(prometheus_client's multiprocess mode; gauges are ``livesum``, so a dead worker's in-flight
count and pool stop counting). The outbox's depth is a question to the database, asked at scrape
time, so it is the same whichever worker answers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from contract import metrics as names
from reference_server import outbox
from reference_server.storage.tables import utcnow

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
QUEUED = (outbox.JobStatus.PENDING.value, outbox.JobStatus.RUNNING.value)

REQUESTS = Counter(names.REQUESTS, "Answered requests.", ("method", "route", "status"))
REQUEST_SECONDS = Histogram(
    names.REQUEST_SECONDS,
    "Time from request to response in the server.",
    ("method", "route"),
    buckets=names.LATENCY_BUCKETS,
)
IN_PROGRESS = Gauge(names.IN_PROGRESS, "Requests being served.", multiprocess_mode="livesum")
PROCESSES = Gauge(names.PROCESSES, "Server processes alive.", multiprocess_mode="livesum")
CPU_SECONDS = Gauge(
    names.CPU_SECONDS, "CPU time the server processes have used.", multiprocess_mode="livesum"
)
POOL_CHECKED_OUT = Gauge(
    names.DB_POOL_CHECKED_OUT, "Database connections in use.", multiprocess_mode="livesum"
)
POOL_CONNECTIONS = Gauge(
    names.DB_POOL_CONNECTIONS, "Database connections open.", multiprocess_mode="livesum"
)
POOL_CAPACITY = Gauge(
    names.DB_POOL_CAPACITY,
    "Connections the pools may open (size + overflow).",
    multiprocess_mode="livesum",
)


def multiprocess_dir() -> str | None:
    """The folder the worker processes share their samples in, when there are several."""
    return os.environ.get(MULTIPROC_ENV) or None


def observe(method: str, route: str | None, status: int, seconds: float) -> None:
    """Count one answered request and its time."""
    label = route or names.UNMATCHED_ROUTE
    REQUESTS.labels(method, label, str(status)).inc()
    REQUEST_SECONDS.labels(method, label).observe(seconds)
    CPU_SECONDS.set(time.process_time())  # a cheap clock read; the worker threads' CPU counts too


def process_started(engine: Engine, *more: Engine) -> None:
    """This process serves: count it, and watch its connection pools (``more``: the read-only
    pool SQLite has beside its writers)."""
    PROCESSES.inc()
    CPU_SECONDS.set(time.process_time())
    for each in (engine, *more):
        watch_pool(each)


def watch_pool(engine: Engine) -> None:
    """Count ``engine``'s pool in the pool gauges."""
    pool: Any = engine.pool
    POOL_CAPACITY.inc(int(pool.size()) + max(int(getattr(pool, "_max_overflow", 0)), 0))

    @event.listens_for(engine, "connect")
    def _connect(*_: Any) -> None:
        POOL_CONNECTIONS.inc()

    @event.listens_for(engine, "close")
    def _close(*_: Any) -> None:
        POOL_CONNECTIONS.dec()

    @event.listens_for(engine, "checkout")
    def _checkout(*_: Any) -> None:
        POOL_CHECKED_OUT.inc()

    @event.listens_for(engine, "checkin")
    def _checkin(*_: Any) -> None:
        POOL_CHECKED_OUT.dec()


def process_stopped() -> None:
    """This process stops serving: its live gauges leave the sums."""
    PROCESSES.dec()
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class OutboxDepth(Collector):
    """The outbox queue as the database has it now: pending and running jobs, oldest due wait."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One count per status and the oldest due pending job's age."""
        now = utcnow()
        queued = outbox.counts(self.sessions, QUEUED)
        oldest = outbox.oldest_due_pending(self.sessions, now)
        depth = GaugeMetricFamily(names.OUTBOX_JOBS, "Outbox jobs by status.", labels=("status",))
        for status in QUEUED:
            depth.add_metric((status,), queued.get(status, 0))
        yield depth
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            names.OUTBOX_OLDEST_SECONDS, "Age of the oldest due pending job.", value=max(age, 0.0)
        )


def exposition(sessions: sessionmaker[Session]) -> bytes:
    """Every metric in the text format: this process's (or all workers') and the outbox's."""
    CPU_SECONDS.set(time.process_time())
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    queue = CollectorRegistry()
    queue.register(OutboxDepth(sessions))
    return text + generate_latest(queue)
