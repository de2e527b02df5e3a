"""Helpers for the partner simulators' tests: read a simulator's journal, act as the browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from contract import simulate

TIMEOUT = 15.0


def journal(url: str, *, direction: str = "out", since: int = 0) -> list[dict[str, Any]]:
    """A simulator's journal entries after ``since`` in one direction, oldest first."""
    response = httpx.get(
        f"{url}/_sim/journal", params={"direction": direction, "since": since}, timeout=TIMEOUT
    )
    response.raise_for_status()
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def last_seq(url: str) -> int:
    """The journal's newest sequence number (to read only what a test causes after it)."""
    response = httpx.get(f"{url}/_sim/journal", params={"limit": 10000}, timeout=TIMEOUT)
    response.raise_for_status()
    return int(response.json()["last_seq"])


def calls(url: str, since: int = 0) -> list[tuple[str, int | None]]:
    """The calls a simulator made after ``since``: (path, status) in order."""
    return [(urlsplit(e["target"]).path, e["status"]) for e in journal(url, since=since)]


def post(url: str, path: str, body: Any = None, *, simulate_: str | None = None) -> httpx.Response:
    """A buyer's POST to a simulator (with an X-Simulate value if given)."""
    headers = {} if simulate_ is None else {simulate.SIMULATE_HEADER: simulate_}
    return httpx.post(f"{url}{path}", json=body, headers=headers, timeout=TIMEOUT)


def get(url: str, path: str) -> httpx.Response:
    """A buyer's GET at a simulator."""
    return httpx.get(f"{url}{path}", timeout=TIMEOUT)


def visit(page: str, action: str = "approve") -> httpx.Response:
    """The participant on Prakerja's verification page: opens it, presses Verifikasi (approve)
    or Batal (reject), and the browser follows the way back to the provider's callback."""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as browser:
        shown = browser.get(page)
        assert shown.status_code == 200, shown.text
        return browser.post(page, data={"action": action})


def data(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of a response with this status (fails the test otherwise)."""
    assert response.status_code == status, response.text
    return response.json()
