"""What the payment-partner simulator tests share: a callback receiver in Prakerja's place, signed
calls as Prakerja makes them, and waiting on a condition with a bound.

The receiver is what the conformance harness runs too: a small app at the contract's callback
path that verifies each callback's signature with the partner's sign key (``contract.inbound``)
and keeps every delivery, accepted or not. It can be told to fail the next deliveries (a Prakerja
that is down), to show the partners retrying until they are acknowledged.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from contract import inbound
from contract.client import compact, signed_headers
from contract.payouts import CALLBACK_PATH
from simulators.framework.serving import running
from simulators.payment.launch import Credentials

T = TypeVar("T")


def wait_for(condition: Callable[[], T | None], *, within: float = 5.0, what: str = "it") -> T:
    """The first truthy value of ``condition()``, polled until ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} did not happen within {within}s"
        time.sleep(0.01)


@dataclass
class Delivery:
    """One callback as it reached the receiver."""

    client_code: str | None
    verified: bool
    reason: str | None  # why the signature was refused
    headers: dict[str, str]
    body: dict[str, Any]
    at: float
    answered: int


@dataclass
class Receiver:
    """Prakerja's callback endpoint, as a test stands it up."""

    keys: dict[str, str]  # client_code -> sign_key
    deliveries: list[Delivery] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 503

    def __post_init__(self) -> None:
        self.verifier = inbound.InboundVerifier(self.keys.get)

    def app(self) -> FastAPI:
        """The receiving app."""
        app = FastAPI()

        @app.post(CALLBACK_PATH)
        async def callback(request: Request) -> JSONResponse:
            body = await request.body()
            headers = dict(request.headers)
            reason = None
            try:
                self.verifier.check("POST", request.url.path, headers, body)
            except inbound.InboundRefused as refused:
                reason = refused.reason
            status = 200 if reason is None else 401
            if reason is None and self.fail_next > 0:
                self.fail_next -= 1
                status = self.fail_status
            self.deliveries.append(
                Delivery(
                    client_code=headers.get("client_code"),
                    verified=reason is None,
                    reason=reason,
                    headers=headers,
                    body=_json(body),
                    at=time.monotonic(),
                    answered=status,
                )
            )
            if status == 200:
                return JSONResponse({"success": True, "message": "Callback diterima.", "data": {}})
            return JSONResponse({"success": False, "code": "ERRAUT40103", "message": "no"}, status)

        return app

    def of(self, disbursement_id: str, *, accepted: bool | None = None) -> list[Delivery]:
        """The deliveries of one disbursement's callbacks (only accepted ones, or refused)."""
        return [
            d
            for d in self.deliveries
            if d.body.get("disbursement_id") == disbursement_id
            and (accepted is None or (d.answered == 200) == accepted)
        ]


def _json(body: bytes) -> dict[str, Any]:
    import json

    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def credentials(instances: list[str]) -> dict[str, Credentials]:
    """Fresh keys for each partner instance, as the sandbox would issue them."""
    return {
        name: Credentials(f"pp-{name}", secrets.token_urlsafe(16), secrets.token_urlsafe(16))
        for name in instances
    }


@contextmanager
def receiving(keys: Mapping[str, Credentials]) -> Iterator[tuple[Receiver, str]]:
    """A receiver for these partners' callbacks, serving until the block ends; and its URL."""
    receiver = Receiver({c.client_code: c.sign_key for c in keys.values()})
    with running([("prakerja", receiver.app())]) as urls:
        yield receiver, urls["prakerja"]


class Prakerja:
    """Prakerja's signed calls to one partner (signed with the partner's webhook key)."""

    def __init__(self, base_url: str, keys: Credentials, *, timeout: float = 5.0) -> None:
        self.base_url = base_url
        self.keys = keys
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self._used: set[tuple[int, str, str]] = set()

    def _stamp(self, path: str, text: str) -> int:
        stamp = int(time.time())
        while (stamp, path, text) in self._used:  # two identical calls in one second
            stamp -= 1
        self._used.add((stamp, path, text))
        return stamp

    def post(
        self,
        path: str,
        body: Any,
        *,
        simulate: str | None = None,
        timeout: float | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        """A signed call, as Prakerja's worker makes it (``simulate``: an X-Simulate value)."""
        text = compact(body)
        headers = signed_headers(
            self.keys.client_code,
            key or self.keys.webhook_key,
            path,
            text,
            timestamp=self._stamp(path, text),
        )
        if simulate is not None:
            headers["X-Simulate"] = simulate
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        return self.http.post(path, content=text.encode(), headers=headers, **extra)

    def data(self, path: str, body: Any, **kwargs: Any) -> dict[str, Any]:
        """The ``data`` of a successful signed call (fails the test otherwise)."""
        response = self.post(path, body, **kwargs)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    def get(self, path: str) -> Any:
        """A plumbing read (``/_sim/...``)."""
        response = self.http.get(path)
        response.raise_for_status()
        return response.json()

    def paid(self, disbursement_id: str) -> tuple[int, int]:
        """How many credits and how much money the partner reports for one disbursement."""
        found = self.get("/_sim/paid")["disbursements"].get(disbursement_id)
        return (0, 0) if found is None else (found["count"], found["total"])

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()
