"""The simulator app factory: one FastAPI app per simulator instance, all built the same way.

``simulator_app`` gives every simulator the same skeleton:

- ``GET /health``; ``GET /_sim/info`` (kind, role, instance, mutant, profile, accepted
  ``X-Simulate`` directives); ``GET /_sim/journal`` (``?since=&direction=&limit=``) and
  ``DELETE /_sim/journal``. These never misbehave: health checks and test plumbing must not flake.
- The behaviour middleware on every other call it is ``subject`` to (by default every POST): it
  parses ``X-Simulate`` (a bad value is 400, never ignored), draws the request's fate from the
  profile (delay, 5xx, hang until the client gives up), hands the behaviour directives to the
  handler (``directives(request)``), and journals the exchange with secrets redacted.
- ``SimContext`` on ``app.state.sim``: what a handler needs — its config, kind, mutant, dice,
  journal, an httpx client whose calls are journaled too, and ``spawn`` for work after the
  response (callbacks), kept until it finishes and cancelled when the app stops.

All waiting is ``asyncio.sleep`` or waiting on the client: the event loop never blocks, so many
simulators can share one loop (``serving.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract import simulate
from contract.simulate import Directives, SimulateError
from simulators.framework.behaviour import Dice, Outcome
from simulators.framework.journal import Direction, Journal, JournaledTransport
from simulators.framework.registry import Mutant, SimConfig, SimulatorKind

# What a simulated failure is, for the simulator's own error shape.
UNAVAILABLE = "unavailable"  # 5xx
TIMED_OUT = "timeout"  # 504 after hanging
BAD_SIMULATE = "bad_simulate"  # 400: an X-Simulate value this simulator refuses

ErrorRenderer = Callable[[int, str, str], Response]
Subject = Callable[[Scope], bool]
PLUMBING = ("/health", "/_sim/", "/docs", "/openapi.json")
OUTBOUND_TIMEOUT = 10.0


def envelope_error(status: int, kind: str, message: str) -> Response:
    """The default error shape: the integration envelope with a code per kind of failure."""
    code = {UNAVAILABLE: "SIM_UNAVAILABLE", TIMED_OUT: "SIM_TIMEOUT"}.get(kind, "SIM_BAD_SIMULATE")
    body = {"success": False, "code": code, "message": message}
    return JSONResponse(body, status_code=status)


def posts(scope: Scope) -> bool:
    """The default: every POST is subject to the profile and X-Simulate."""
    return bool(scope["method"] == "POST")


@dataclass
class SimContext:
    """What one simulator instance's handlers share (``app.state.sim``)."""

    config: SimConfig
    kind: SimulatorKind
    mutant: Mutant | None
    dice: Dice
    journal: Journal
    http: httpx.AsyncClient  # journaled; base_url is the sandbox when configured
    started_at: float = field(default_factory=time.time)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def is_mutant(self, name: str) -> bool:
        """True when this instance runs as mutant ``name``."""
        return self.mutant is not None and self.mutant.name == name

    def spawn(self, work: Coroutine[Any, Any, Any], delay: float = 0.0) -> asyncio.Task[Any]:
        """Run ``work`` in the background (after ``delay`` seconds), e.g. a callback after the
        response; failures are journaled by the client, never raised into the server."""

        async def run() -> None:
            if delay > 0:
                await asyncio.sleep(delay)
            with contextlib.suppress(Exception):
                await work

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait for background work to finish (tests); cancel what is left after ``timeout``."""
        pending = set(self._tasks)
        if pending:
            _, still = await asyncio.wait(pending, timeout=timeout)
            for task in still:
                task.cancel()

    def pending(self) -> int:
        """Background tasks not finished yet."""
        return len(self._tasks)


def sim(request: Request) -> SimContext:
    """The simulator a request reached."""
    context: SimContext = request.app.state.sim
    return context


def directives(request: Request) -> Directives:
    """The behaviour directives of this request's ``X-Simulate`` (already validated)."""
    found = getattr(request.state, "simulate", None)
    return found if isinstance(found, Directives) else Directives()


async def _hang(receive: Receive, seconds: float) -> None:
    """Hold a request for ``seconds``, or until its client disconnects, whichever comes first."""

    async def until_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(until_disconnect(), seconds)


class _Recorder:
    """Wraps receive and send to keep what passed, for the journal."""

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive = receive
        self._send = send
        self.request_body = bytearray()
        self.response_body = bytearray()
        self.status: int | None = None

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request" and len(self.request_body) < 65536:
            self.request_body += message.get("body", b"")
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        elif message["type"] == "http.response.body" and len(self.response_body) < 65536:
            self.response_body += message.get("body", b"")
        await self._send(message)


class Behaviour:
    """ASGI middleware: X-Simulate, the profile's fate, and the journal, for subject calls."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        context: Callable[[], SimContext],
        accepted: frozenset[str],
        render: ErrorRenderer,
        subject: Subject,
    ) -> None:
        self.app = app
        self.context = context
        self.accepted = accepted
        self.render = render
        self.subject = subject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Journal the call and delay, fail, hang or pass it on, as its fate says."""
        if scope["type"] != "http" or scope["path"].startswith(PLUMBING) or not self.subject(scope):
            await self.app(scope, receive, send)
            return
        ctx = self.context()
        started = time.time()
        headers = Headers(scope=scope)
        value = headers.get(simulate.SIMULATE_HEADER)
        recorder = _Recorder(receive, send)
        try:
            await self._handle(scope, recorder, value, ctx)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            target = scope["path"] + (f"?{query}" if query else "")
            ctx.journal.record(
                direction="in",
                method=scope["method"],
                target=target,
                status=recorder.status,
                started=started,
                request_headers=headers.items(),
                request_body=bytes(recorder.request_body),
                response_body=bytes(recorder.response_body),
                simulate=value,
                error=None if recorder.status is not None else "no response",
            )

    async def _handle(
        self, scope: Scope, recorder: _Recorder, value: str | None, ctx: SimContext
    ) -> None:
        try:
            parsed = simulate.parse(value, self.accepted)
        except SimulateError as exc:
            message = f"{simulate.SIMULATE_HEADER}: {exc}"
            await self.render(400, BAD_SIMULATE, message)(scope, recorder.receive, recorder.send)
            return
        scope.setdefault("state", {})["simulate"] = Directives(parsed.behaviour())
        fate = ctx.dice.fate(parsed)
        if fate.outcome is Outcome.TIMEOUT:
            await _hang(recorder.receive, fate.delay)
            response = self.render(504, TIMED_OUT, "The simulator did not answer in time.")
            await response(scope, recorder.receive, recorder.send)
            return
        if fate.delay > 0:
            await asyncio.sleep(fate.delay)
        if fate.outcome is Outcome.ERROR:
            response = self.render(
                fate.status, UNAVAILABLE, "The simulator is unavailable; retry later."
            )
            await response(scope, recorder.receive, recorder.send)
            return
        await self.app(scope, recorder.receive, recorder.send)


def simulator_app(
    kind: SimulatorKind,
    config: SimConfig,
    *,
    title: str | None = None,
    description: str = "",
    render: ErrorRenderer = envelope_error,
    subject: Subject = posts,
    journal: Journal | None = None,
) -> FastAPI:
    """A FastAPI app for one instance of ``kind``, with the plumbing and middleware above.

    Refuses an unknown mutant at once (``KeyError``). Add the simulator's own routes to the
    returned app; read the context with ``sim(request)``.
    """
    mutant = kind.mutant(config.mutant) if config.mutant is not None else None
    journal = journal or Journal()
    holder: dict[str, SimContext] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        context = holder["context"]
        await context.drain(timeout=1.0)
        await context.http.aclose()

    app = FastAPI(
        title=title or f"{kind.name} simulator ({config.instance})",
        description=description or kind.summary,
        version="1.0",
        redoc_url=None,
        lifespan=lifespan,
    )
    http = httpx.AsyncClient(
        base_url=(config.sandbox_url or "").rstrip("/"),
        timeout=OUTBOUND_TIMEOUT,
        transport=JournaledTransport(journal),
    )
    context = SimContext(
        config=config,
        kind=kind,
        mutant=mutant,
        dice=config.profile.dice(config.instance),
        journal=journal,
        http=http,
    )
    holder["context"] = context
    app.state.sim = context

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "simulator": kind.name, "instance": config.instance}

    @app.get("/_sim/info", include_in_schema=False)
    async def info() -> dict[str, Any]:
        return {
            "kind": kind.name,
            "role": kind.role,
            "instance": config.instance,
            "mutant": None if mutant is None else {"name": mutant.name, "summary": mutant.summary},
            "profile": config.profile.as_dict(),
            "directives": sorted((*simulate.TRANSPORT, "5xx", *kind.directives)),
            "pending_background": context.pending(),
        }

    @app.get("/_sim/journal", include_in_schema=False)
    async def read_journal(
        since: int = Query(0, ge=0),
        direction: Direction | None = None,
        limit: int = Query(1000, ge=1, le=10000),
    ) -> dict[str, Any]:
        entries = journal.entries(since=since, direction=direction, limit=limit)
        return {
            "entries": [e.as_dict() for e in entries],
            "last_seq": entries[-1].seq if entries else since,
        }

    @app.delete("/_sim/journal", include_in_schema=False)
    async def clear_journal() -> dict[str, Any]:
        journal.clear()
        return {"cleared": True}

    app.add_middleware(
        Behaviour,
        context=lambda: context,
        accepted=kind.directives,
        render=render,
        subject=subject,
    )
    return app
