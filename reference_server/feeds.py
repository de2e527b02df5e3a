"""Client of the job portals' feeds: Prakerja reads each portal's vacancies since a cursor.

One call is one page: ``POST {base_url}/api/v1/partner/vacancies/feed`` with ``{cursor, limit}``,
signed with the portal's ``webhook_key`` as the portal's own client_code
(``contract.client.PartnerClient``), within ``source_timeout_seconds``. Failures are classified as the government
sources' are (``reference_server.sources``), so the outbox retries them the same way: a timeout,
a connection error or a 5xx is ``SourceUnavailable`` (an outage: retried with backoff); a 4xx or
an answer that breaks the envelope is ``SourceRejected`` (recorded, retried at the cap). The items
themselves are not judged here: each is judged on its own by the pull, exactly like a push.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ValidationError

from contract.client import PartnerClient
from contract.jobs import FEED_PATH, Cursor
from reference_server.sources import SourceRejected, SourceUnavailable

MAX_PAGE_BYTES = 8 * 1024 * 1024  # a full page of long descriptions fits many times over
MAX_CLIENTS = 256


class _Page(BaseModel):
    vacancies: list[Any]  # each judged on its own by the pull
    next_cursor: Cursor
    has_more: bool


class _Envelope(BaseModel):
    success: Literal[True]
    data: _Page


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One page of a portal's feed."""

    items: list[Any]
    next_cursor: str
    has_more: bool


class FeedClient:
    """Every portal's feed for one worker (thread-safe): a signing client per portal, kept, so
    that two reads of one page in the same second never carry the same signature (a portal
    refuses a replay)."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout = timeout_seconds
        self._clients: dict[tuple[str, str, str], PartnerClient] = {}
        self._lock = threading.Lock()

    def _client(self, base_url: str, client_code: str, key: str) -> PartnerClient:
        with self._lock:
            found = self._clients.get((base_url, client_code, key))
            if found is None:
                if len(self._clients) >= MAX_CLIENTS:  # keys rotated, URLs moved: start afresh
                    for stale in self._clients.values():
                        stale.close()
                    self._clients.clear()
                found = PartnerClient(base_url, client_code, key, timeout=self.timeout)
                self._clients[(base_url, client_code, key)] = found
            return found

    def page(
        self, base_url: str, client_code: str, key: str, cursor: str | None, limit: int
    ) -> FeedPage:
        """The page after ``cursor`` (None: from the start)."""
        source = f"job portal {client_code}"
        client = self._client(base_url, client_code, key)
        try:
            response = client.post(FEED_PATH, {"cursor": cursor, "limit": limit})
        except httpx.TimeoutException:
            raise SourceUnavailable(source, "timed out") from None
        except httpx.TransportError as exc:
            raise SourceUnavailable(source, f"connection failed ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise SourceUnavailable(source, f"HTTP {response.status_code}")
        if response.status_code != 200:
            code = _error_code(response)
            raise SourceRejected(source, f"HTTP {response.status_code} {code}".rstrip())
        if len(response.content) > MAX_PAGE_BYTES:
            raise SourceRejected(source, f"a page of {len(response.content)} bytes is too large")
        try:
            page = _Envelope.model_validate_json(response.content).data
        except ValidationError as exc:
            raise SourceRejected(
                source, f"answer breaks the feed's envelope ({exc.error_count()} error(s))"
            ) from None
        return FeedPage(page.vacancies, page.next_cursor, page.has_more)

    def close(self) -> None:
        """Close every connection pool."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


def _error_code(response: httpx.Response) -> str:
    """The catalogued code of a refusal, when the portal sent one (for the recorded error)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    code = body.get("code") if isinstance(body, dict) else None
    return str(code)[:40] if isinstance(code, str) else ""
