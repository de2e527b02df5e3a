"""Partner as server (PP, JP, webhook receivers): the harness is Prakerja calling the partner.

``ServerContext`` signs every call as Prakerja does (the partner's own ``client_code``, its
``webhook_key``, a fresh timestamp so no signature repeats), retries what the contract says
Prakerja retries (no answer, 502/503/504: three tries, a new signature each), and records every
exchange as evidence. ``Receiver`` is the Prakerja side the partner calls back: a small HTTP server
on 127.0.0.1 that verifies each delivery with the partner's ``sign_key`` (``contract.inbound``),
answers as Prakerja would, and keeps every delivery for the checks; it can refuse the first
delivery of a chosen disbursement to see that a retry is harmless.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.errors import HarnessError, PartnerFailure
from conformance.evidence import Answer, RawExchange, Redactor, now_iso
from conformance.suite import Context
from contract import inbound
from contract.client import compact, signed_headers
from contract.requirements import Mode
from contract.roles import Role

TRANSIENT = frozenset({502, 503, 504})
TRIES = 3
STARTUP_SECONDS = 10.0


@dataclass
class Delivery:
    """One call the partner made to the receiver."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: str  # wall clock, ISO
    monotonic: float
    verdict: str  # "ok" or an inbound refusal reason
    status: int  # what the receiver answered

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (empty when it is not one)."""
        try:
            parsed = json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def exchange(self, base_url: str) -> RawExchange:
        """The delivery as evidence."""
        return RawExchange(
            "from_partner", "POST", base_url + self.path, self.headers, self.body, self.status,
            {}, None, None, self.at, f"receiver verdict: {self.verdict}",
        )  # fmt: skip


class Receiver:
    """Prakerja's side of the partner's callbacks, for the length of a run."""

    def __init__(
        self,
        *,
        client_code: str,
        sign_key: str,
        answer: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
        port: int = 0,
    ) -> None:
        self.deliveries: list[Delivery] = []
        self.refuse_once: set[str] = (
            set()
        )  # keys (e.g. disbursement ids) whose first delivery fails
        self._refused: set[str] = set()
        self._changed = threading.Condition()
        self._answer = answer or payout_ack
        self._verifier = inbound.InboundVerifier(
            lambda code: sign_key if code == client_code else None
        )
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind(("127.0.0.1", port))
        except OSError as exc:
            self._socket.close()
            raise HarnessError(f"cannot listen for callbacks on 127.0.0.1:{port}: {exc}") from exc
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])
        config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def started(self) -> bool:
        """True once it listens."""
        return bool(self._server.started)

    def start(self) -> Receiver:
        """Listen (bounded wait until it does); starting twice is harmless."""
        if self._thread.is_alive():
            return self
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise HarnessError("the callback receiver did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    async def _receive(self, request: Request) -> JSONResponse:
        body = await request.body()
        headers = dict(request.headers)
        verdict = "ok"
        try:
            self._verifier.check("POST", request.url.path, headers, body)
        except inbound.InboundRefused as exc:
            verdict = exc.reason
        delivery = Delivery(
            request.url.path, headers, body, now_iso(), time.monotonic(), verdict, 200
        )
        content = delivery.json()
        key = str(content.get("disbursement_id") or content.get("event_id") or "")
        if verdict != "ok":
            delivery.status, answer = 401, {"success": False, "code": "ERRAUT40103",
                                            "message": "Signature tidak valid."}  # fmt: skip
        elif key in self.refuse_once and key not in self._refused:
            self._refused.add(key)
            delivery.status = 503
            answer = {"success": False, "code": "ERRGEN50301", "message": "Coba lagi nanti."}
        else:
            answer = self._answer(request.url.path, content)
        with self._changed:
            self.deliveries.append(delivery)
            self._changed.notify_all()
        return JSONResponse(answer, status_code=delivery.status)

    def wait(self, condition: Callable[[list[Delivery]], bool], timeout: float) -> bool:
        """Block until ``condition(deliveries)`` holds or ``timeout`` passes; True if it held."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self.deliveries):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def settle(self, quiet: float, timeout: float) -> None:
        """Wait until no delivery has arrived for ``quiet`` seconds (at most ``timeout``): a
        partner's callbacks come in bursts, and the last of a burst is the one that matters."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                last = self.deliveries[-1].monotonic if self.deliveries else 0.0
                left = min(deadline, last + quiet) - time.monotonic()
                if left <= 0:
                    return
                self._changed.wait(left)

    def of(self, key: str) -> list[Delivery]:
        """The deliveries about one disbursement (or event), in arrival order."""
        with self._changed:
            return [
                d
                for d in self.deliveries
                if str(d.json().get("disbursement_id") or d.json().get("event_id") or "") == key
            ]


def payout_ack(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Prakerja's answer to a payout callback: what it recorded (PAID or FAILED)."""
    status = {"SUCCESS": "PAID", "FAILED": "FAILED"}.get(str(body.get("status")), "PENDING")
    data = {"disbursement_id": str(body.get("disbursement_id", "")), "status": status}
    return {"success": True, "message": "OK", "data": data}


@dataclass
class Credentials:
    """What the harness needs of the partner: its code and both keys."""

    client_code: str
    webhook_key: str  # Prakerja signs its calls to the partner with it
    sign_key: str = ""  # the partner signs its callbacks with it


@dataclass
class Stamps:
    """Timestamps that never repeat a signature: now, or the latest earlier second not used for
    this exact request (well inside the ±300 s window)."""

    used: set[tuple[str, str, int]] = field(default_factory=set)

    def fresh(self, path: str, text: str) -> int:
        """A timestamp for this request that no earlier identical request had."""
        stamp = int(time.time())
        while (path, text, stamp) in self.used:
            stamp -= 1
        self.used.add((path, text, stamp))
        return stamp


class ServerContext(Context):
    """A server-mode run: the partner's base URL and credentials, fixtures, the receiver."""

    def __init__(
        self,
        *,
        role: Role,
        base_url: str,
        credentials: Credentials,
        capabilities: frozenset[str],
        redactor: Redactor,
        settings: Mapping[str, int] | None = None,
        fixtures: Mapping[str, Any] | None = None,
        webhook_url: str | None = None,
        callback_port: int = 0,
        receiver: Receiver | None = None,
    ) -> None:
        answer_seconds = float((settings or {}).get("answer_within_seconds", 5))
        super().__init__(
            role=role,
            mode=Mode.SERVER,
            partner=credentials.client_code,
            target=base_url,
            capabilities=capabilities,
            redactor=redactor,
            settings=dict(settings or {}),
            timeout=answer_seconds,
        )
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise HarnessError(f"not an http(s) base URL: {base_url!r}")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path  # a base URL's own path is part of the signed path
        self.credentials = credentials
        self.fixtures: dict[str, Any] = dict(fixtures or {})
        self.webhook_url = webhook_url
        self.callback_port = callback_port
        self.receiver = receiver  # made beforehand when the partner must know its URL first
        self.stamps = Stamps()
        self.state: dict[str, Any] = {}
        self.prepared: dict[str, list[RawExchange]] = {}

    def path(self, operation: str) -> str:
        """The full path of an operation under the base URL."""
        return self.prefix + operation

    def headers(self, path: str, text: str, *, timestamp: int | None = None) -> dict[str, str]:
        """Prakerja's signed headers for this request."""
        stamp = self.stamps.fresh(path, text) if timestamp is None else timestamp
        creds = self.credentials
        return signed_headers(creds.client_code, creds.webhook_key, path, text, timestamp=stamp)

    def send(
        self, operation: str, content: bytes, headers: Mapping[str, str], *, url: str | None = None
    ) -> Answer:
        """A call exactly as given, recorded; sent again as it is when there is no usable answer
        (502/503/504 or none: the partner did not get to judge it)."""
        target = url or self.origin + self.path(operation)
        for attempt in range(TRIES):
            try:
                answer = self.evidence.call("POST", target, content=content, headers=headers)
            except PartnerFailure:
                if attempt == TRIES - 1:
                    raise
                continue
            if answer.status not in TRANSIENT or attempt == TRIES - 1:
                return answer
        raise HarnessError("unreachable")

    def post(self, operation: str, body: Any, *, retry: bool = True) -> Answer:
        """A correctly signed call, retried (newly signed) when there is no usable answer."""
        text = compact(body)
        for attempt in range(TRIES if retry else 1):
            headers = self.headers(self.path(operation), text)
            try:
                answer = self.evidence.call(
                    "POST",
                    self.origin + self.path(operation),
                    content=text.encode(),
                    headers=headers,
                )
            except PartnerFailure:
                if attempt == TRIES - 1 or not retry:
                    raise
                continue
            if answer.status not in TRANSIENT or not retry or attempt == TRIES - 1:
                return answer
            time.sleep(0.2 * (attempt + 1))  # the partner asked for time; Prakerja backs off too
        raise HarnessError("unreachable")

    def cite(self, label: str) -> None:
        """Put the exchanges prepared under ``label`` into this check's evidence."""
        for raw in self.prepared.get(label, []):
            self.evidence.add(raw)

    def keep(self, label: str) -> None:
        """File the exchanges made so far under ``label`` (during preparation)."""
        self.prepared.setdefault(label, []).extend(self.evidence.take())

    def close(self) -> None:
        """Stop the receiver too."""
        if self.receiver is not None:
            self.receiver.stop()
        super().close()


def envelope_error(answer: Answer) -> str | None:
    """The catalogued code of an error envelope, or None when the body is not one."""
    try:
        body = answer.json()
    except PartnerFailure:
        return None
    if (
        isinstance(body, dict)
        and body.get("success") is False
        and isinstance(body.get("code"), str)
    ):
        return str(body["code"])
    return None


def data_of(answer: Answer) -> dict[str, Any]:
    """The ``data`` of a success envelope; a PartnerFailure when the answer is not one."""
    body = answer.json()
    if not (
        isinstance(body, dict)
        and body.get("success") is True
        and isinstance(body.get("data"), dict)
    ):
        raise PartnerFailure(
            "The answer is not a success envelope with data.",
            received=f"HTTP {answer.status}: {answer.body[:300].decode('utf-8', errors='replace')}",
            expected='{"success": true, "message": …, "data": {…}}',
        )
    return dict(body["data"])
