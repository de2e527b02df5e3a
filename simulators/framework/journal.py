"""The request journal: every call a simulator received and made, for tests and the harness.

Each simulator keeps one ``Journal`` (bounded, oldest dropped first) and serves it at
``GET /_sim/journal`` so that a test or the conformance harness can read exactly what happened
over the wire: which calls arrived, in which order, with which headers and bodies, what was
answered, and which calls the simulator itself made (to the reference server, or its callbacks).
Secrets and NIKs are redacted before anything is stored (``contract.redact``).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from contract import redact

Direction = Literal["in", "out"]
DEFAULT_CAPACITY = 10_000
BODY_LIMIT = 8192


@dataclass(frozen=True, slots=True)
class Entry:
    """One exchange, as redacted text."""

    seq: int
    at: str  # ISO time the request started
    direction: Direction  # in: received by the simulator; out: made by it
    method: str
    target: str  # path and query (in) or full URL (out)
    status: int | None  # None: no response (timeout, connection error)
    duration_ms: float
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    response_body: str = ""
    simulate: str | None = None  # the X-Simulate value the request carried
    error: str | None = None  # why there was no response

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


class Journal:
    """A bounded, thread-safe log of exchanges with increasing sequence numbers."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[Entry] = deque(maxlen=capacity)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def record(
        self,
        *,
        direction: Direction,
        method: str,
        target: str,
        status: int | None,
        started: float,
        request_headers: Iterable[tuple[str, str]] = (),
        request_body: bytes | str = b"",
        response_body: bytes | str = b"",
        simulate: str | None = None,
        error: str | None = None,
    ) -> Entry:
        """Add one exchange (``started`` is a ``time.time()``); returns the stored entry."""
        duration_ms = round((time.time() - started) * 1000.0, 2)
        with self._lock:
            entry = Entry(
                seq=next(self._seq),
                at=datetime.fromtimestamp(started, UTC).isoformat(timespec="milliseconds"),
                direction=direction,
                method=method.upper(),
                target=target,
                status=status,
                duration_ms=duration_ms,
                request_headers=redact.headers(dict(request_headers)),
                request_body=redact.body(request_body, BODY_LIMIT),
                response_body=redact.body(response_body, BODY_LIMIT),
                simulate=simulate,
                error=error,
            )
            self._entries.append(entry)
        return entry

    def entries(
        self, *, since: int = 0, direction: Direction | None = None, limit: int | None = None
    ) -> list[Entry]:
        """Entries after sequence number ``since``, oldest first."""
        with self._lock:
            found = [
                e
                for e in self._entries
                if e.seq > since and (direction is None or e.direction == direction)
            ]
        return found if limit is None else found[:limit]

    def clear(self) -> None:
        """Forget every entry (sequence numbers keep increasing)."""
        with self._lock:
            self._entries.clear()

    def last_seq(self) -> int:
        """The newest sequence number (0 when empty)."""
        with self._lock:
            return self._entries[-1].seq if self._entries else 0


def _outbound_error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


class JournaledTransport(httpx.AsyncBaseTransport):
    """An httpx async transport that records every call the simulator makes in its journal."""

    def __init__(self, journal: Journal, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.journal = journal
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send, then record the exchange (also when it failed)."""
        started = time.time()
        body = request.content
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
        except Exception as exc:
            self.journal.record(
                direction="out",
                method=request.method,
                target=str(request.url),
                status=None,
                started=started,
                request_headers=request.headers.items(),
                request_body=body,
                error=_outbound_error(exc),
            )
            raise
        self.journal.record(
            direction="out",
            method=request.method,
            target=str(request.url),
            status=response.status_code,
            started=started,
            request_headers=request.headers.items(),
            request_body=body,
            response_body=response.content,
        )
        return response

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()


class JournaledSyncTransport(httpx.BaseTransport):
    """The same for synchronous clients (simulators' worker threads)."""

    def __init__(self, journal: Journal, inner: httpx.BaseTransport | None = None) -> None:
        self.journal = journal
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send, then record the exchange (also when it failed)."""
        started = time.time()
        body = request.content
        try:
            response = self.inner.handle_request(request)
            response.read()
        except Exception as exc:
            self.journal.record(
                direction="out",
                method=request.method,
                target=str(request.url),
                status=None,
                started=started,
                request_headers=request.headers.items(),
                request_body=body,
                error=_outbound_error(exc),
            )
            raise
        self.journal.record(
            direction="out",
            method=request.method,
            target=str(request.url),
            status=response.status_code,
            started=started,
            request_headers=request.headers.items(),
            request_body=body,
            response_body=response.content,
        )
        return response

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()
