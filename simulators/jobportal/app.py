"""One job portal simulator: it publishes vacancies, pushes them to Prakerja, serves its feed.

**Publishing.** At ``per_day`` new vacancies per simulated day (``time_scale`` simulated seconds
per real second), plus edits and withdrawals at the portal's rates, drawn from a seeded
``VacancyMaker``; ``posted_at`` is always the real time of publication. ``POST /_sim/publish``
(``{"new", "updates", "withdrawals"}``) publishes on demand, for tests and demos.

**Pushing** (portals that push, with ``sandbox_url`` and credentials): everything published is
queued and pushed in signed batches of the portal's size every ``push_every_seconds``, as a
careful integration calls (``simulators.outbound``: stamped fresh, retried when busy);
withdrawals in batches of their own. A batch that fails (the sandbox down, a 5xx, a refusal of
the batch) stays queued and is retried with doubling backoff up to 30 s; items the sandbox
rejects are counted and dropped. ``POST /_sim/flush`` pushes the whole
queue now and answers what happened.

**The feed** (``POST /api/v1/partner/vacancies/feed``): verifies Prakerja's signature with the
portal's ``webhook_key`` (``contract.inbound``: headers, timestamp window, client, signature,
replay) before reading the body, then serves the vacancies changed after the cursor
(``listings.Listings``). Refusals are in the integration envelope with catalogued codes. The
profile and ``X-Simulate`` apply to it as to every simulator POST.

``GET /_sim/portal`` says what the portal holds and how its pushes went.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from contract import errors as err
from contract import inbound
from contract.endpoints import PUSH_VACANCIES, WITHDRAW_VACANCIES, Endpoint
from contract.envelope import ok
from contract.errors import ErrorCode
from contract.jobs import FEED_PATH, WITHDRAW_MAX_ITEMS, FeedData, FeedRequest
from simulators.framework.app import SimContext, simulator_app
from simulators.framework.registry import SimConfig
from simulators.jobportal import kinds
from simulators.jobportal.listings import Listings, cursor_of, seq_of
from simulators.jobportal.portals import PortalSpec, spec_of
from simulators.jobportal.vacancies import Listing, VacancyMaker
from simulators.outbound import Answer, Caller, Flaws, Kind

log = logging.getLogger("prakerja.simulators.jobportal")

SECONDS_PER_DAY = 86_400
MAX_BACKOFF_SECONDS = 30.0
MAX_QUEUE = 50_000  # publications waiting to be pushed; the oldest are dropped past it
TICK_SECONDS = 0.5
PUSH_ROUNDS = 5  # batches of each kind a portal may push per scheduled push
_AUTH_ERRORS: dict[str, ErrorCode] = {
    inbound.MISSING_HEADERS: err.MISSING_HEADERS,
    inbound.BAD_TIMESTAMP: err.BAD_TIMESTAMP,
    inbound.UNKNOWN_CLIENT: err.UNKNOWN_CLIENT,
    inbound.BAD_SIGNATURE: err.BAD_SIGNATURE,
    inbound.REPLAYED: err.REPLAYED,
}


class Refusal(Exception):
    """A feed call refused with a catalogued error."""

    def __init__(self, error: ErrorCode, detail: str = "") -> None:
        super().__init__(error.code)
        self.error = error
        self.detail = detail


def refusal_response(error: ErrorCode, detail: str = "") -> JSONResponse:
    """A refusal in the integration envelope."""
    message = f"{error.message} {detail}".strip()
    return JSONResponse(
        {"success": False, "code": error.code, "message": message}, status_code=error.http_status
    )


class PublishRequest(BaseModel):
    new: int = Field(default=0, ge=0, le=10_000)
    updates: int = Field(default=0, ge=0, le=10_000)
    withdrawals: int = Field(default=0, ge=0, le=10_000)


@dataclass
class PushStats:
    """How the portal's pushes went (``GET /_sim/portal``)."""

    batches: int = 0
    accepted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    withdrawn: int = 0
    failures: int = 0
    last_error: str | None = None
    rejected_codes: dict[str, int] = field(default_factory=dict)


class Portal:
    """Everything one portal simulator holds (``app.state.portal``)."""

    def __init__(self, spec: PortalSpec, ctx: SimContext) -> None:
        config = ctx.config
        options = config.options
        self.spec = spec
        self.ctx = ctx
        self.time_scale = float(options.get("time_scale", 1.0))
        self.per_day = int(options.get("per_day", spec.per_day))
        self.pushes = bool(options.get("push", spec.push))
        self.initial = int(options.get("initial", 0))  # published at start: a stock to find
        scale = self.per_day / spec.per_day if spec.per_day else 0.0
        self.updates_per_day = spec.updates_per_day * scale
        self.withdrawals_per_day = spec.withdrawals_per_day * scale
        if self.time_scale <= 0 or self.per_day < 0 or self.initial < 0:
            raise ValueError("time_scale must be > 0, per_day and initial >= 0")
        seed = options.get("seed", config.profile.seed if config.profile.seed is not None else 0)
        self.maker = VacancyMaker(
            f"{seed}:{config.instance}",
            id_prefix=spec.instance.upper().replace("-", ""),
            apply_base=f"https://{spec.instance}.example",
            focus=spec.focus,
            listing_days=spec.listing_days,
            salary_inverted=ctx.is_mutant(kinds.SALARY_MIN_ABOVE_MAX),
        )
        self.rng = self.maker.rng
        self.listings = Listings()
        self.to_push: deque[str] = deque(maxlen=MAX_QUEUE)
        self.to_withdraw: deque[str] = deque(maxlen=MAX_QUEUE)
        self.stats = PushStats()
        self.verifier = inbound.InboundVerifier(
            lambda code: (
                config.webhook_key if config.webhook_key and code == config.client_code else None
            ),
            tolerance=(
                100 * 365 * SECONDS_PER_DAY
                if ctx.is_mutant(kinds.IGNORES_TIMESTAMP)
                else inbound.TOLERANCE_SECONDS
            ),
        )
        self._due = {"new": 0.0, "updates": 0.0, "withdrawals": 0.0}
        self._caller: Caller | None = None
        self._lock = asyncio.Lock()
        self._backoff = 0.0
        self._next_push = 0.0

    @property
    def can_push(self) -> bool:
        """Whether this portal pushes and knows where and as whom."""
        config = self.ctx.config
        return self.pushes and bool(config.sandbox_url and config.client_code and config.sign_key)

    # --- publishing ----------------------------------------------------------------------

    def publish(self, new: int = 0, updates: int = 0, withdrawals: int = 0) -> dict[str, Any]:
        """Publish ``new`` vacancies, edit ``updates`` open ones, withdraw ``withdrawals``."""
        now = datetime.now(UTC)
        made = [self.maker.new(now) for _ in range(new)]
        for listing in made:
            self.listings.publish(listing.body)
        open_ids = self.listings.open_ids()
        edited = self.rng.sample(open_ids, min(updates, len(open_ids)))
        for vacancy_id in edited:
            found = self.listings.get(vacancy_id)
            if found is not None:
                self.listings.publish(self.maker.revise(Listing(found[1])).body)
        untouched = set(edited)
        open_ids = [v for v in self.listings.open_ids() if v not in untouched]
        gone = self.rng.sample(open_ids, min(withdrawals, len(open_ids)))
        for vacancy_id in gone:
            self.listings.withdraw(vacancy_id)
        if self.pushes:
            self.to_push.extend([m.vacancy_id for m in made] + edited)
            self.to_withdraw.extend(gone)
        return {"new": [m.vacancy_id for m in made], "updated": edited, "withdrawn": gone}

    def due(self, seconds: float) -> tuple[int, int, int]:
        """What this much real time brings at the portal's rates (fractions carried over)."""
        days = seconds * self.time_scale / SECONDS_PER_DAY
        rates = {
            "new": self.per_day,
            "updates": self.updates_per_day,
            "withdrawals": self.withdrawals_per_day,
        }
        counts = []
        for name, per_day in rates.items():
            self._due[name] += per_day * days
            whole = int(self._due[name] + 1e-9)  # 23.999999999 of float steps is 24
            self._due[name] -= whole
            counts.append(whole)
        return counts[0], counts[1], counts[2]

    # --- pushing -------------------------------------------------------------------------

    async def _post(self, endpoint: Endpoint, body: dict[str, Any]) -> Answer:
        if self._caller is None:
            config = self.ctx.config
            assert config.client_code is not None and config.sign_key is not None
            flaws = Flaws(unsigned=self.ctx.is_mutant(kinds.PUSHES_UNSIGNED))
            self._caller = Caller(self.ctx.http, config.client_code, config.sign_key, flaws=flaws)
        return await self._caller.calls().post(endpoint, body, kind=Kind.WRITE)

    async def flush(self, everything: bool = False) -> dict[str, Any]:
        """Push what is queued: one batch of each kind, or ``everything``; what happened."""
        async with self._lock:
            before = (self.stats.batches, self.stats.failures)
            while self.can_push and (self.to_push or self.to_withdraw):
                if not await self._push_once():
                    break
                if not everything:
                    break
            return {
                "batches": self.stats.batches - before[0],
                "failures": self.stats.failures - before[1],
                "queued": len(self.to_push),
                "withdrawals_queued": len(self.to_withdraw),
                "last_error": self.stats.last_error,
            }

    async def _push_once(self) -> bool:
        """One batch of publications and one of withdrawals; False when a call failed."""
        if self.to_push:
            ids = list(dict.fromkeys(self._take(self.to_push, self.spec.batch_size)))
            items = []
            for vacancy_id in ids:
                found = self.listings.get(vacancy_id)
                if found is not None and found[0] == "open":
                    items.append(found[1])
            if items and not await self._send_batch(items, ids):
                return False
        if self.to_withdraw:
            ids = self._take(self.to_withdraw, WITHDRAW_MAX_ITEMS)
            if not await self._send_withdrawals(ids):
                return False
        return True

    @staticmethod
    def _take(queue: deque[str], count: int) -> list[str]:
        return [queue.popleft() for _ in range(min(count, len(queue)))]

    def _failed(self, reason: str, ids: list[str], queue: deque[str]) -> bool:
        queue.extendleft(reversed(ids))
        self.stats.failures += 1
        self.stats.last_error = reason
        self._backoff = min(MAX_BACKOFF_SECONDS, max(1.0, self._backoff * 2))
        return False

    async def _send_batch(self, items: list[dict[str, Any]], ids: list[str]) -> bool:
        answer = await self._post(PUSH_VACANCIES, {"vacancies": items})
        if not answer.ok:
            return self._failed(f"push: {_why(answer)}", ids, self.to_push)
        data = answer.data
        self.stats.batches += 1
        for name in ("accepted", "updated", "unchanged", "rejected"):
            setattr(self.stats, name, getattr(self.stats, name) + int(data[name]))
        for result in data["results"]:
            if result["code"]:
                codes = self.stats.rejected_codes
                codes[result["code"]] = codes.get(result["code"], 0) + 1
        self._backoff = 0.0
        return True

    async def _send_withdrawals(self, ids: list[str]) -> bool:
        answer = await self._post(WITHDRAW_VACANCIES, {"vacancy_ids": ids})
        if not answer.ok:
            return self._failed(f"withdraw: {_why(answer)}", ids, self.to_withdraw)
        self.stats.withdrawn += int(answer.data["withdrawn"])
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Publish at the portal's rates and push on its schedule until ``stop`` is set."""
        if self.initial:
            self.publish(self.initial)
        last = time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK_SECONDS)
            now = time.monotonic()
            new, updates, withdrawals = self.due(now - last)
            last = now
            if new or updates or withdrawals:
                self.publish(new, updates, withdrawals)
            if self.can_push and now >= self._next_push:
                for _ in range(PUSH_ROUNDS):  # a backlog (a start-up stock) drains in a few ticks
                    done = await self.flush()
                    if done["failures"] or not (self.to_push or self.to_withdraw):
                        break
                self._next_push = now + max(self.spec.push_every_seconds, self._backoff)

    # --- the feed ------------------------------------------------------------------------

    def verify(self, request: Request, body: bytes) -> None:
        """Refuse a feed call Prakerja did not sign right (each mutant skips its one check)."""
        headers = dict(request.headers)
        if self.ctx.is_mutant(kinds.ACCEPTS_UNSIGNED) and not any(
            name in headers for name in ("client_code", "timestamp", "signature")
        ):
            return
        try:
            self.verifier.check(request.method, request.url.path, headers, body)
        except inbound.InboundRefused as refused:
            if refused.reason == inbound.BAD_SIGNATURE and self.ctx.is_mutant(
                kinds.IGNORES_SIGNATURE
            ):
                return
            if refused.reason == inbound.REPLAYED and self.ctx.is_mutant(kinds.ACCEPTS_REPLAY):
                return
            raise Refusal(_AUTH_ERRORS[refused.reason], refused.message) from None

    def feed(self, request: FeedRequest) -> FeedData:
        """The page after the request's cursor."""
        seq = seq_of(request.cursor)
        if seq is None or seq > self.listings.last_seq:
            if not self.ctx.is_mutant(kinds.ACCEPTS_BAD_CURSOR):
                raise Refusal(err.JOB_CURSOR_INVALID)
            seq = 0
        page = self.listings.page_after(seq, request.limit)
        last = page.last_seq
        if self.ctx.is_mutant(kinds.CURSOR_REPEATS_ITEMS) and page.has_more and len(page.seqs) > 1:
            last = page.seqs[-2]  # one vacancy back: the next page starts with this page's last
        return FeedData.model_validate(
            {"vacancies": page.vacancies, "next_cursor": cursor_of(last), "has_more": page.has_more}
        )

    def describe(self) -> dict[str, Any]:
        """What ``GET /_sim/portal`` answers."""
        stats = self.stats
        return {
            "portal": self.spec.name,
            "instance": self.spec.instance,
            "pushes": self.pushes,
            "can_push": self.can_push,
            "per_day": self.per_day,
            "time_scale": self.time_scale,
            "vacancies": self.listings.counts(),
            "queued": len(self.to_push),
            "withdrawals_queued": len(self.to_withdraw),
            "push": {
                "batches": stats.batches,
                "accepted": stats.accepted,
                "updated": stats.updated,
                "unchanged": stats.unchanged,
                "rejected": stats.rejected,
                "withdrawn": stats.withdrawn,
                "failures": stats.failures,
                "last_error": stats.last_error,
                "rejected_codes": dict(stats.rejected_codes),
            },
        }


def _why(answer: Answer) -> str:
    """A failed call, for the portal's stats: the status and code, or the transport error."""
    if answer.status is None:
        return answer.error or "no answer"
    return f"HTTP {answer.status}" + (f" {answer.code}" if answer.code else "")


def portal_of(request: Request) -> Portal:
    """The portal a request reached."""
    portal: Portal = request.app.state.portal
    return portal


def create_app(config: SimConfig) -> FastAPI:
    """The app of one job portal instance."""
    spec = spec_of(config.instance)
    app = simulator_app(
        kinds.JOB_PORTAL,
        config,
        title=f"{spec.name} — job portal simulator",
        description=__doc__ or "",
    )
    portal = Portal(spec, app.state.sim)
    app.state.portal = portal
    _routes(app)
    _errors(app)
    framework_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        async with framework_lifespan(started):
            task = asyncio.get_running_loop().create_task(portal.run(stop))
            try:
                yield
            finally:
                stop.set()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=5.0)

    app.router.lifespan_context = lifespan
    return app


def _routes(app: FastAPI) -> None:
    @app.post(FEED_PATH, summary="The portal's vacancy feed (see job-portal.openapi.json)")
    async def feed(request: Request) -> Any:
        portal = portal_of(request)
        body = await request.body()
        try:
            portal.verify(request, body)
            try:
                asked = FeedRequest.model_validate_json(body or b"{}")
            except ValidationError as exc:
                if portal.ctx.is_mutant(kinds.CRASHES_ON_BAD_BODY):
                    return PlainTextResponse("Internal Server Error", status_code=500)
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                    for e in exc.errors()[:3]
                )
                raise Refusal(err.BAD_REQUEST, f"({problems})") from None
            return ok(portal.feed(asked).model_dump(mode="json"))
        except Refusal as refusal:
            return refusal_response(refusal.error, refusal.detail)

    @app.get("/_sim/portal", include_in_schema=False)
    async def describe(request: Request) -> dict[str, Any]:
        return portal_of(request).describe()

    @app.post("/_sim/publish", include_in_schema=False)
    async def publish(request: Request, asked: PublishRequest) -> dict[str, Any]:
        return portal_of(request).publish(asked.new, asked.updates, asked.withdrawals)

    @app.post("/_sim/flush", include_in_schema=False)
    async def flush(request: Request) -> dict[str, Any]:
        return await portal_of(request).flush(everything=True)

    @app.get("/_sim/vacancies", include_in_schema=False)
    async def vacancies(request: Request) -> dict[str, Any]:
        listings = portal_of(request).listings
        found = (listings.get(vacancy_id) for vacancy_id in listings.open_ids())
        return {"vacancies": [item[1] for item in found if item is not None]}


def _errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return refusal_response(err.BAD_REQUEST)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = {404: err.NOT_FOUND, 405: err.METHOD_NOT_ALLOWED}.get(
            exc.status_code, err.BAD_REQUEST
        )
        return refusal_response(error)
