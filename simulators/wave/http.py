"""HTTP for the simulated people and the programme office: polite retries and signed calls.

A well-behaved client: a 429 waits its ``Retry-After`` (bounded), an outage (502/503/504 or a
dropped connection) is retried a few times with backoff, anything else is the answer. The office's
calls are signed like any partner's (``contract.client.signed_headers``) and never replay a
signature: two identical calls in one second are stamped a second apart.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from contract.client import compact, signed_headers

RETRY_STATUSES = (502, 503, 504)
MAX_RETRIES = 6
MAX_RETRY_AFTER = 30.0
REUSE_WINDOW = 60


class SimulationError(RuntimeError):
    """The sandbox answered something a correct sandbox never would; the run stops."""


def data(response: httpx.Response) -> Any:
    """The ``data`` of a success envelope; ``SimulationError`` with the body otherwise."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or body.get("success") is not True:
        method, url = response.request.method, response.request.url.path
        raise SimulationError(f"{method} {url} → {response.status_code}: {response.text[:300]}")
    return body.get("data")


def error_code(response: httpx.Response) -> str | None:
    """The catalogued code of an error envelope (None for a success or a non-envelope)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) and body.get("success") is False else None


class Api:
    """One connection pool for many concurrent people, with retries that respect the server."""

    def __init__(self, base_url: str, *, concurrency: int, timeout: float = 60.0) -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, limits=limits)
        self.requests = 0
        self.retries = 0

    async def call(
        self,
        method: str,
        url: str,
        *,
        sign: Callable[[], dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send, waiting out 429s and retrying outages; returns the final response.

        ``sign`` makes fresh headers for each attempt (a signature is accepted once)."""
        for attempt in range(MAX_RETRIES + 1):
            self.requests += 1
            if sign is not None:
                kwargs["headers"] = sign()
            try:
                response = await self.http.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                if attempt == MAX_RETRIES:
                    raise
                self.retries += 1
                await asyncio.sleep(min(0.1 * 2**attempt, 5.0))
                continue
            if response.status_code == 429 and attempt < MAX_RETRIES:
                self.retries += 1
                await asyncio.sleep(_retry_after(response))
                continue
            if response.status_code in RETRY_STATUSES and attempt < MAX_RETRIES:
                self.retries += 1
                await asyncio.sleep(min(0.1 * 2**attempt, 5.0))
                continue
            return response
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Close the pool."""
        await self.http.aclose()


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "1")), 0.05), MAX_RETRY_AFTER)
    except ValueError:
        return 1.0


class Signer:
    """Signs a partner's calls (the programme office's, here) without ever repeating a signature."""

    def __init__(self, client_code: str, sign_key: str) -> None:
        self.client_code = client_code
        self.sign_key = sign_key
        self._used: set[tuple[int, str, str]] = set()
        self._lock = threading.Lock()

    def headers(self, path: str, text: str) -> dict[str, str]:
        """Signed headers for POSTing ``text`` to ``path``, stamped fresh."""
        now = int(time.time())
        with self._lock:
            self._used = {u for u in self._used if u[0] > now - 2 * REUSE_WINDOW}
            stamp = now
            while (stamp, path, text) in self._used:
                stamp -= 1
            self._used.add((stamp, path, text))
        return signed_headers(self.client_code, self.sign_key, path, text, timestamp=stamp)

    async def post(self, api: Api, path: str, body: Any) -> httpx.Response:
        """POST a signed body."""
        text = compact(body)
        return await api.call(
            "POST", path, content=text.encode(), sign=lambda: self.headers(path, text)
        )
