"""One payment partner's simulator app: the partner side of ``contract.payouts``, done carefully.

Built on ``simulators.framework`` (health, ``/_sim/info``, the journal, the behaviour profile and
``X-Simulate`` on every payout call). On top of it:

- **Prakerja's calls** (``POST /api/v1/payout/*``) are verified first (``contract.inbound``, with
  the partner's ``webhook_key``: headers, ±300 s, own client code, signature, replay → the
  ``ERRAUT`` codes, 401), before the body is read as a message (``ERRPPR40001`` names the field).
- **Disbursement exactly once** per ``disbursement_id`` (``ledger``): the same request again
  answers the disbursement as it stands and pays nothing; another account or amount under the
  id is ``ERRPPR40901``. A partner whose ``settle_ms`` is 0 credits while it answers; the others
  answer ``PENDING`` and settle that much later.
- **Callbacks** to ``{sandbox_url}/api/v1/integration/payout/callback`` when a disbursement
  becomes final (also when it was final in the answer), signed with the partner's ``sign_key``,
  retried with doubling backoff until a 2xx (a 4xx other than 429 ends it), each attempt freshly
  stamped so a duplicate is never refused as a replay.
- **X-Simulate** behaviour directives (besides the framework's ``timeout``, ``error``, 5xx,
  ``slow``, ``ok``): ``timeout-after-debit`` (do the work, then hang and answer 504 as if it had
  not happened), ``duplicate-callback``, ``late-callback[:5s]``, ``callback-before-response``
  (settle and deliver the callback before answering), ``bad-signature`` (sign the callbacks with a
  wrong key). A directive can also be queued for calls a test does not make itself (the
  server's worker makes them): ``POST /_sim/simulate``.
- **What it paid**, for tests: ``GET /_sim/paid`` (count and total per disbursement id, from the
  credits themselves); ``GET /_sim/accounts/{number}``; ``GET /_sim/fixtures`` (the fixture
  accounts, NIKs in clear like the population file); ``POST /_sim/accounts`` (put an account in
  place for a test); ``GET /_sim/traffic`` (Prakerja's calls per path, the most at once);
  ``GET /_sim/webhooks`` (Prakerja's signed webhooks it received at ``POST /webhooks/prakerja``).
- **The holder's app** (``contract.partner_app``): open an account, upgrade an e-wallet's KYC.

Everything runs on one event loop and mutates the books between awaits only, so a request's
check and its write are never interleaved with another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from contract import errors as err
from contract import inbound, simulate
from contract.client import compact, signed_headers
from contract.errors import ErrorCode
from contract.partner_app import (
    APP_BAD_REQUEST,
    APP_CATALOGUE,
    KYC_UPGRADE_PATH,
    OPEN_ACCOUNT_PATH,
    AppAccountData,
    KycUpgradeRequest,
    OpenAccountRequest,
)
from contract.payouts import (
    ACCOUNT_INQUIRY_PATH,
    CALLBACK_PATH,
    DISBURSE_PATH,
    PAYOUT,
    PP_ACCOUNT_NOT_FOUND,
    PP_BAD_REQUEST,
    PP_DATE_INVALID,
    PP_DISBURSEMENT_NOT_FOUND,
    PP_IDEMPOTENCY_CONFLICT,
    PP_INTERNAL,
    PP_TYPE_NOT_SUPPORTED,
    PP_UNAVAILABLE,
    STATEMENT_PATH,
    STATUS_PATH,
    AccountInquiryData,
    AccountInquiryRequest,
    AccountStatus,
    DisbursementStatus,
    DisbursementStatusRequest,
    DisburseRequest,
    KycLevel,
    PayoutCallbackRequest,
    StatementRequest,
)
from contract.simulate import Directives, SimulateError
from contract.webhooks import EVENT_MODELS
from simulators.framework.app import (
    BAD_SIMULATE,
    TIMED_OUT,
    SimContext,
    directives,
    simulator_app,
)
from simulators.framework.registry import SimConfig
from simulators.payment import kinds
from simulators.payment.accounts import (
    FIXTURE_NIK,
    Account,
    AccountBook,
    KycRefused,
    PartnerAccounts,
)
from simulators.payment.ledger import (
    JAKARTA,
    CursorError,
    Disbursement,
    Ledger,
    jakarta_day,
    same_request,
)
from simulators.payment.partners import BY_INSTANCE, PARTNERS, PartnerSpec

WEBHOOK_PATH = "/webhooks/prakerja"
"""Where each simulator receives Prakerja's webhooks (register ``base_url + WEBHOOK_PATH``)."""
BODY_LIMIT = 64 * 1024
BEFORE_RESPONSE_WAIT = 5.0  # callback-before-response: answer anyway after this long
CALLBACKS_AT_ONCE = 16  # below the framework client's 20 kept-alive connections
STAMP_MEMORY = 120  # seconds of callback stamps remembered (far below Prakerja's replay memory)
SUSPENSE_HOLDER = "REKENING PENAMPUNGAN"
WRONG_KEY = "not-the-sign-key"
M = TypeVar("M", bound=BaseModel)


class Refusal(Exception):
    """An answer in the error envelope with a catalogued code."""

    def __init__(self, error: ErrorCode, message: str | None = None) -> None:
        super().__init__(message or error.message)
        self.error = error
        self.message = message or error.message


def error_response(
    error: ErrorCode, message: str | None = None, status: int | None = None
) -> JSONResponse:
    """The integration envelope's error body with the code's HTTP status (or ``status``)."""
    body = {"success": False, "code": error.code, "message": message or error.message}
    return JSONResponse(body, status_code=status or error.http_status)


def ok(data: BaseModel | Mapping[str, Any], message: str = "OK") -> JSONResponse:
    """The integration envelope's success body."""
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else dict(data)
    return JSONResponse({"success": True, "message": message, "data": payload})


def _simulated(status: int, kind: str, message: str) -> Response:
    """A failure the profile or X-Simulate asked for, in the partner catalogue's terms."""
    if kind == BAD_SIMULATE:
        return error_response(PP_BAD_REQUEST, message)
    if kind == TIMED_OUT or status == 503:
        return error_response(PP_UNAVAILABLE, status=status)
    return error_response(PP_INTERNAL, status=status)


def _payout_posts(scope: Any) -> bool:
    """Only Prakerja's payout calls misbehave; the holder's app and webhooks never do."""
    return bool(scope["method"] == "POST" and str(scope["path"]).startswith(PAYOUT + "/"))


_AUTH_ERRORS = {
    inbound.MISSING_HEADERS: err.MISSING_HEADERS,
    inbound.UNKNOWN_CLIENT: err.UNKNOWN_CLIENT,
    inbound.BAD_SIGNATURE: err.BAD_SIGNATURE,
    inbound.BAD_TIMESTAMP: err.BAD_TIMESTAMP,
    inbound.REPLAYED: err.REPLAYED,
}


def describe(exc: ValidationError) -> str:
    """What is wrong with a body, by field and rule, never echoing the value (it may be a NIK)."""
    parts = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            return "The body is not valid JSON."
        where = ".".join(str(part) for part in error.get("loc", ())) or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)[:500]


class SimulateRule(BaseModel):
    """A directive queued for calls a test does not make itself (``POST /_sim/simulate``)."""

    model_config = ConfigDict(extra="forbid")

    directives: str = Field(description="An X-Simulate value, e.g. `timeout-after-debit`.")
    operation: str | None = Field(
        default=None, description="account-inquiry, disburse, status or statement; null: any."
    )
    disbursement_id: str | None = Field(default=None, description="Only calls about this id.")
    times: int = Field(default=1, ge=1, le=10_000, description="How many calls it applies to.")


class SimAccount(BaseModel):
    """An account a test puts in place (``POST /_sim/accounts``): created, or replaced as given."""

    model_config = ConfigDict(extra="forbid")

    account_number: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6,20}$",
        description="E-wallets: the phone; banks: null allocates one.",
    )
    holder_name: str = Field(min_length=1, max_length=100)
    kyc_level: KycLevel = KycLevel.VERIFIED
    nik: str | None = Field(default=None, pattern=r"^[0-9]{16}$")
    account_status: AccountStatus = AccountStatus.ACTIVE
    balance: int = Field(default=0, ge=0, strict=True)


# The calls Prakerja's per-partner concurrency limit covers: the disbursement work. The day's
# statement (one call a day) and an account inquiry (inside a beneficiary's linking request)
# are outside it, and so outside ``in_flight``.
_LIMITED = frozenset({DISBURSE_PATH, STATUS_PATH})


@dataclass
class Traffic:
    """Prakerja's payout calls: disbursements and status checks in flight now and the most at
    once, and how many calls per path (every payout path)."""

    in_flight: int = 0
    most_in_flight: int = 0
    calls: dict[str, int] = field(default_factory=dict)


class _Counting:
    """ASGI middleware (outermost, so simulated latency counts): keeps ``Traffic``."""

    def __init__(self, app: Any, traffic: Traffic) -> None:
        self.app = app
        self.traffic = traffic

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _payout_posts(scope):
            await self.app(scope, receive, send)
            return
        traffic, path = self.traffic, str(scope["path"])
        traffic.calls[path] = traffic.calls.get(path, 0) + 1
        if path not in _LIMITED:  # a statement or an inquiry: counted, not under the limit
            await self.app(scope, receive, send)
            return
        traffic.in_flight += 1
        traffic.most_in_flight = max(traffic.most_in_flight, traffic.in_flight)
        try:
            await self.app(scope, receive, send)
        finally:
            traffic.in_flight -= 1


@dataclass
class CallbackPlan:
    """How the callbacks of one disbursement are to go out (from its X-Simulate directives)."""

    copies: int = 1
    delay: float = 0.0
    before_response: bool = False
    bad_signature: bool = False

    @classmethod
    def of(cls, asked: Directives, spec: PartnerSpec) -> CallbackPlan:
        late = asked.get(simulate.LATE_CALLBACK)
        delay = 0.0
        if late is not None:
            delay = spec.late_callback_s if late.arg is None else simulate.seconds(late.arg)
        return cls(
            copies=2 if simulate.DUPLICATE_CALLBACK in asked else 1,
            delay=delay,
            before_response=simulate.CALLBACK_BEFORE_RESPONSE in asked,
            bad_signature=simulate.BAD_SIGNATURE in asked,
        )


@dataclass
class Partner:
    """Everything one partner simulator holds (``app.state.partner``)."""

    spec: PartnerSpec
    accounts: PartnerAccounts
    ledger: Ledger
    verifier: inbound.InboundVerifier
    ctx: SimContext
    callback_path: str  # the path of Prakerja's callback URL (with any path of sandbox_url)
    rules: list[SimulateRule] = field(default_factory=list)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhook_deliveries: int = 0
    plans: dict[str, CallbackPlan] = field(default_factory=dict)  # of PENDING disbursements
    faults: random.Random = field(default_factory=random.Random)  # the spec's behaviour rates
    traffic: Traffic = field(default_factory=Traffic)
    _stamps: dict[tuple[int, str], None] = field(default_factory=dict)
    # Callbacks in flight at once: more would only queue inside the HTTP pool, whose every
    # assignment scans the whole queue (thousands of settled payments would stall the loop).
    sending: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(CALLBACKS_AT_ONCE))

    @property
    def config(self) -> SimConfig:
        return self.ctx.config

    def is_mutant(self, name: str) -> bool:
        return self.ctx.is_mutant(name)

    # --- Prakerja's calls ------------------------------------------------------------------

    def verify(self, request: Request, body: bytes) -> None:
        """Refuse a call Prakerja did not sign right (the mutants skip one check each)."""
        try:
            self.verifier.check(request.method, request.url.path, dict(request.headers), body)
        except inbound.InboundRefused as refused:
            if refused.reason == inbound.BAD_SIGNATURE and self.is_mutant(kinds.IGNORES_SIGNATURE):
                return
            if refused.reason == inbound.REPLAYED and self.is_mutant(kinds.ACCEPTS_REPLAY):
                return
            raise Refusal(_AUTH_ERRORS[refused.reason], refused.message) from None

    def drawn(self, first: bool) -> Directives:
        """The behaviour directives the partner's rates draw for a disburse without X-Simulate
        (callback ones only for a first request: a repeat causes no callback)."""
        spec, draw = self.spec, self.faults.random
        names = [simulate.TIMEOUT_AFTER_DEBIT] if draw() < spec.debit_timeout_rate else []
        duplicate, late = draw() < spec.duplicate_callback_rate, draw() < spec.late_callback_rate
        if first and duplicate:
            names.append(simulate.DUPLICATE_CALLBACK)
        if first and late:
            names.append(simulate.LATE_CALLBACK)
        return Directives(tuple(simulate.Directive(name) for name in names))

    def take_rule(self, operation: str, disbursement_id: str | None) -> Directives:
        """The directives of the first queued rule this call matches (consumed), or none."""
        for rule in self.rules:
            if rule.operation not in (None, operation):
                continue
            if rule.disbursement_id not in (None, disbursement_id):
                continue
            rule.times -= 1
            if rule.times == 0:
                self.rules.remove(rule)
            return simulate.parse(rule.directives, kinds.DIRECTIVES)
        return Directives()

    # --- callbacks -------------------------------------------------------------------------

    def _stamp(self, text: str) -> int:
        """A timestamp no earlier callback with this body used, so no two share a signature."""
        now = int(time.time())
        while self._stamps:  # oldest first (insertion order): forget those past the window
            oldest = next(iter(self._stamps))
            if oldest[0] > now - STAMP_MEMORY:
                break
            del self._stamps[oldest]
        stamp = now
        while (stamp, text) in self._stamps:
            stamp -= 1
        self._stamps[(stamp, text)] = None
        return stamp

    def _headers(self, text: str, plan: CallbackPlan) -> dict[str, str]:
        client_code = self.config.client_code or self.spec.instance
        if self.is_mutant(kinds.UNSIGNED_CALLBACKS):
            return {"Content-Type": "application/json", "client_code": client_code}
        key = WRONG_KEY if plan.bad_signature else (self.config.sign_key or "")
        return signed_headers(
            client_code, key, self.callback_path, text, timestamp=self._stamp(text)
        )

    async def deliver(self, body: Mapping[str, Any], plan: CallbackPlan) -> bool:
        """POST one callback until Prakerja acknowledges it (2xx); False when it gave up."""
        if not self.config.sandbox_url:
            return False
        text = compact(body)
        backoff = self.spec.callback_backoff_s
        deadline = time.monotonic() + self.spec.callback_give_up_s
        while True:
            try:
                async with self.sending:
                    response = await self.ctx.http.post(
                        CALLBACK_PATH, content=text.encode(), headers=self._headers(text, plan)
                    )
            except httpx.HTTPError:
                pass  # down or slow: retry
            else:
                if response.is_success:
                    return True
                if response.status_code < 500 and response.status_code != 429:
                    return False  # refused for good: retrying would change nothing
            if time.monotonic() + backoff > deadline:
                return False
            await asyncio.sleep(backoff * (0.75 + 0.5 * self.ctx.dice.extra.random()))
            backoff = min(backoff * 2, self.spec.callback_backoff_max_s)

    def callback_body(self, record: Disbursement) -> dict[str, Any]:
        """The callback of a final disbursement, as sent."""
        final_at = record.final_at or record.received_at
        message = PayoutCallbackRequest(
            disbursement_id=record.disbursement_id,
            partner_reference=record.partner_reference,
            status=record.status,
            amount=record.amount,
            failure_code=None if record.failure is None else record.failure.code,
            failure_message=None if record.failure is None else record.failure.message,
            final_at=final_at,
        )
        return message.model_dump(mode="json")

    async def call_back(self, record: Disbursement, plan: CallbackPlan) -> None:
        """Send the final callback(s) of ``record`` as planned (and the mutants' extras)."""
        if self.is_mutant(kinds.NEVER_CALLS_BACK):
            return
        body = self.callback_body(record)
        if plan.delay > 0:
            await asyncio.sleep(plan.delay)
        copies = [self.deliver(body, plan) for _ in range(plan.copies)]
        await asyncio.gather(*copies)
        if self.is_mutant(kinds.REORDERS_CALLBACKS):
            stale = {**body, "status": DisbursementStatus.PENDING.value}
            stale.pop("failure_code", None)
            stale.pop("failure_message", None)
            await self.deliver(stale, plan)

    def schedule_callback(self, record: Disbursement, plan: CallbackPlan) -> asyncio.Task[Any]:
        """Send the callbacks in the background."""
        return self.ctx.spawn(self.call_back(record, plan))

    # --- money -----------------------------------------------------------------------------

    def settle(self, record: Disbursement) -> None:
        """Credit and finalise a PENDING disbursement (the mutant only says it did)."""
        if record.final:
            return
        now = dt.datetime.now(JAKARTA)
        if self.is_mutant(kinds.SUCCESS_WITHOUT_PAYING):
            account = self.accounts.get(record.account_number)
            if self.ledger.refusal(record.account_type, account, record.amount) is None:
                record.status = DisbursementStatus.SUCCESS
                record.final_at = now
                return
        self.ledger.settle(record, now)

    async def settle_later(self, record: Disbursement) -> None:
        """Settle after the partner's processing time, then call back."""
        await asyncio.sleep(self.spec.settle_ms / 1000.0)
        self.settle(record)
        plan = self.plans.pop(record.disbursement_id, CallbackPlan())
        await self.call_back(record, plan)


def partner(request: Request) -> Partner:
    """The partner simulator a request reached."""
    found: Partner = request.app.state.partner
    return found


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > BODY_LIMIT:
        raise Refusal(PP_BAD_REQUEST, f"The body is larger than {BODY_LIMIT // 1024} KiB.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_LIMIT:
            raise Refusal(PP_BAD_REQUEST, f"The body is larger than {BODY_LIMIT // 1024} KiB.")
    return bytes(body)


def _parse(model: type[M], body: bytes, crash: bool) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        if crash:  # the crashes-on-bad-body mutant
            raise RuntimeError("unparsed body") from exc
        raise Refusal(PP_BAD_REQUEST, describe(exc)) from None


async def _hang(request: Request, seconds: float) -> None:
    """Hold the answer until the client gives up, or ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.05)


async def _queued_transport(request: Request, p: Partner, queued: Directives) -> Response | None:
    """Apply the transport part of a queued rule (the middleware applied the header's): wait
    for ``slow``; the failure to answer for ``timeout`` or a 5xx (nothing is recorded)."""
    slow = queued.get(simulate.SLOW)
    if slow is not None:
        delay = simulate.seconds(slow.arg) if slow.arg else p.ctx.config.profile.slow_ms / 1000
        await asyncio.sleep(delay)
    if simulate.TIMEOUT in queued:
        await _hang(request, p.ctx.config.profile.hang_seconds)
        return _simulated(504, TIMED_OUT, "timeout")
    for directive in queued.transport():
        status = simulate.status_of(directive)
        if status is not None:
            return _simulated(status, "unavailable", "unavailable")
    return None


def _spec_of(config: SimConfig, kind_name: str) -> PartnerSpec:
    given = config.options.get("spec")
    if isinstance(given, PartnerSpec):
        spec = given
    elif config.instance in BY_INSTANCE:
        spec = BY_INSTANCE[config.instance]
    else:  # a kind started on its own (e.g. by the conformance harness): its first partner
        spec = next(s for s in PARTNERS if s.is_bank == (kind_name == "bank"))
    expected = "bank" if spec.is_bank else "ewallet"
    if expected != kind_name:
        raise ValueError(f"{spec.instance} is a {expected}, not a {kind_name}")
    return spec


def _book_of(config: SimConfig, spec: PartnerSpec) -> AccountBook:
    given = config.options.get("book")
    seed = int(config.options.get("seed", 0))
    if isinstance(given, AccountBook):
        if spec.instance not in given.partners:
            raise ValueError(f"the account book holds no partner {spec.instance}")
        return given
    population = config.options.get("population")
    if population is not None:
        return AccountBook.from_population(Path(str(population)), seed, (spec,))
    return AccountBook(seed, (spec,))


def create_app(config: SimConfig, kind_name: str) -> FastAPI:
    """The simulator of one payment partner (``kind_name`` ``bank`` or ``ewallet``)."""
    spec = _spec_of(config, kind_name)
    book = _book_of(config, spec)
    accounts = book.partner(spec.instance)
    app = simulator_app(
        kinds.KINDS[kind_name],
        config,
        title=f"{spec.name} simulator ({config.instance})",
        description=__doc__ or "",
        render=_simulated,
        subject=_payout_posts,
    )
    client_code = config.client_code or spec.instance
    webhook_key = config.webhook_key
    tolerance = (
        10 * 365 * 86400 if config.mutant == kinds.IGNORES_TIMESTAMP else inbound.TOLERANCE_SECONDS
    )
    verifier = inbound.InboundVerifier(
        lambda code: webhook_key if code == client_code and webhook_key else None,
        tolerance=tolerance,
    )
    base_path = httpx.URL(config.sandbox_url or "http://sandbox.invalid").path.rstrip("/")
    seed = config.profile.seed
    p = Partner(
        spec=spec,
        accounts=accounts,
        ledger=Ledger(accounts=accounts, reference_prefix=f"{spec.instance.upper()}-"),
        verifier=verifier,
        ctx=app.state.sim,
        callback_path=base_path + CALLBACK_PATH,
        faults=random.Random(None if seed is None else f"{seed}:{config.instance}:behaviour"),
    )
    app.state.partner = p
    _install_errors(app)
    _payout_routes(app, p)
    _app_routes(app, p)
    _sim_routes(app, p)
    app.add_middleware(_Counting, traffic=p.traffic)
    return app


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def refused(request: Request, exc: Refusal) -> JSONResponse:
        return error_response(exc.error, exc.message)

    @app.exception_handler(KycRefused)
    async def kyc_refused(request: Request, exc: KycRefused) -> JSONResponse:
        return error_response(APP_CATALOGUE[exc.code], exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return error_response(err.METHOD_NOT_ALLOWED)
        return error_response(err.NOT_FOUND)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error_response(PP_INTERNAL)


def _payout_routes(app: FastAPI, p: Partner) -> None:
    crash = p.is_mutant(kinds.CRASHES_ON_BAD_BODY)

    async def receive(request: Request, model: type[M], operation: str) -> tuple[M, Directives]:
        """Verify, parse, and the directives of the call: its header's, else a queued rule's,
        else (a disburse) what the partner's behaviour rates draw."""
        body = await _read_body(request)
        p.verify(request, body)
        message = _parse(model, body, crash)
        asked = directives(request)
        if not asked and request.headers.get(simulate.SIMULATE_HEADER) is None:
            about = getattr(message, "disbursement_id", None)
            about = about if isinstance(about, str) else None
            asked = p.take_rule(operation, about)
            failure = await _queued_transport(request, p, asked)
            if failure is not None:
                raise _Queued(failure)
            if not asked and operation == "disburse" and about is not None:
                asked = p.drawn(first=p.ledger.find(about) is None)
        return message, asked

    @app.post(ACCOUNT_INQUIRY_PATH, response_model=None, summary="Account inquiry")
    async def account_inquiry(request: Request) -> Response:
        try:
            body, asked = await receive(request, AccountInquiryRequest, "account-inquiry")
        except _Queued as queued:
            return queued.response
        if body.account_type is not p.spec.account_type:
            raise Refusal(PP_TYPE_NOT_SUPPORTED)
        account = p.accounts.get(body.account_number)
        if account is None:
            raise Refusal(PP_ACCOUNT_NOT_FOUND)
        verified = account.kyc_level is KycLevel.VERIFIED
        matches = verified and (account.nik == body.nik or p.is_mutant(kinds.MATCHES_ANY_NIK))
        data: dict[str, Any] = AccountInquiryData(
            account_type=account.account_type,
            account_number=account.number,
            holder_name=account.holder_name,
            kyc_level=account.kyc_level,
            nik_match=matches,
            account_status=account.status,
        ).model_dump(mode="json")
        if p.is_mutant(kinds.RETURNS_NIK):
            data["nik"] = account.nik
        return await _finish(request, p, asked, ok(data))

    @app.post(DISBURSE_PATH, response_model=None, summary="Disburse, once per disbursement_id")
    async def disburse(request: Request) -> Response:
        try:
            body, asked = await receive(request, DisburseRequest, "disburse")
        except _Queued as queued:
            return queued.response
        plan = CallbackPlan.of(asked, p.spec)
        record = p.ledger.find(body.disbursement_id)
        if record is not None:
            same = same_request(record, body.account_type, body.account_number, body.amount)
            if not same and not p.is_mutant(kinds.IGNORES_BODY_ON_RETRY):
                raise Refusal(PP_IDEMPOTENCY_CONFLICT)
            if (
                p.is_mutant(kinds.PAYS_TWICE_ON_RETRY)
                and record.status is DisbursementStatus.SUCCESS
            ):
                account = p.accounts.get(record.account_number)
                if account is not None:
                    p.ledger.credit(record, account, dt.datetime.now(JAKARTA))
            await _callbacks_of_repeat(p, record, asked, plan)
            return await _finish(request, p, asked, ok(record.data()))
        if (
            p.is_mutant(kinds.PAYS_UNKNOWN_ACCOUNT)
            and body.account_type is p.spec.account_type
            and p.accounts.get(body.account_number) is None
        ):
            p.accounts.add(_suspense(p.spec, body.account_number))
        record = p.ledger.record(
            body.disbursement_id,
            body.account_type,
            body.account_number,
            body.amount,
            body.description,
            dt.datetime.now(JAKARTA),
        )
        if not record.final and (p.spec.settle_ms == 0 or plan.before_response):
            p.settle(record)
        if record.final:
            task = p.schedule_callback(record, plan)
            if plan.before_response:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(task), BEFORE_RESPONSE_WAIT)
        else:
            p.plans[record.disbursement_id] = plan
            p.ctx.spawn(p.settle_later(record))
        return await _finish(request, p, asked, ok(record.data()))

    @app.post(STATUS_PATH, response_model=None, summary="Status of a disbursement")
    async def status(request: Request) -> Response:
        try:
            body, asked = await receive(request, DisbursementStatusRequest, "status")
        except _Queued as queued:
            return queued.response
        record = p.ledger.find(body.disbursement_id)
        if record is None:
            if p.is_mutant(kinds.INVENTS_UNKNOWN_STATUS):
                now = dt.datetime.now(JAKARTA).isoformat()
                invented = {
                    "disbursement_id": body.disbursement_id,
                    "partner_reference": f"{p.spec.instance.upper()}-PENDING",
                    "status": DisbursementStatus.PENDING.value,
                    "amount": 1,
                    "failure_code": None,
                    "failure_message": None,
                    "received_at": now,
                    "final_at": None,
                }
                return await _finish(request, p, asked, ok(invented))
            raise Refusal(PP_DISBURSEMENT_NOT_FOUND)
        return await _finish(request, p, asked, ok(record.data()))

    @app.post(STATEMENT_PATH, response_model=None, summary="Daily statement")
    async def statement(request: Request) -> Response:
        try:
            body, asked = await receive(request, StatementRequest, "statement")
        except _Queued as queued:
            return queued.response
        if body.date > jakarta_day(dt.datetime.now(JAKARTA)):
            raise Refusal(
                PP_DATE_INVALID, "The statement of a day in the future does not exist yet."
            )
        overlap = 1 if p.is_mutant(kinds.STATEMENT_PAGES_OVERLAP) else 0
        try:
            page = p.ledger.statement(body.date, body.cursor, body.limit, overlap=overlap)
        except CursorError as exc:
            raise Refusal(PP_DATE_INVALID, str(exc)) from None
        return await _finish(request, p, asked, ok(page))


class _Queued(Exception):
    """A queued rule asked for a transport failure: answer it instead of the call."""

    def __init__(self, response: Response) -> None:
        super().__init__("queued failure")
        self.response = response


async def _finish(request: Request, p: Partner, asked: Directives, response: Response) -> Response:
    """The answer, unless timeout-after-debit asks to hang instead (the work is done)."""
    if simulate.TIMEOUT_AFTER_DEBIT in asked:
        await _hang(request, p.ctx.config.profile.hang_seconds)
        return _simulated(504, TIMED_OUT, "timeout")
    return response


async def _callbacks_of_repeat(
    p: Partner, record: Disbursement, asked: Directives, plan: CallbackPlan
) -> None:
    """Callback directives on a repeated disburse apply to that disbursement's callbacks."""
    if not asked.behaviour() or asked.behaviour() == (asked.get(simulate.TIMEOUT_AFTER_DEBIT),):
        return
    if not record.final:
        p.plans[record.disbursement_id] = plan
        return
    task = p.schedule_callback(record, plan)
    if plan.before_response:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), BEFORE_RESPONSE_WAIT)


def _suspense(spec: PartnerSpec, number: str) -> Account:
    return Account(
        partner=spec.instance,
        account_type=spec.account_type,
        number=number,
        holder_name=SUSPENSE_HOLDER,
        kyc_level=KycLevel.UNVERIFIED,
        nik=None,
        status=AccountStatus.ACTIVE,
        balance=0,
        limit=None,
    )


def _app_routes(app: FastAPI, p: Partner) -> None:
    def parse(model: type[M], body: bytes) -> M:
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            raise Refusal(APP_BAD_REQUEST, describe(exc)) from None

    @app.post(OPEN_ACCOUNT_PATH, response_model=None, summary="The holder's app: open an account")
    async def open_account(request: Request) -> Response:
        body = parse(OpenAccountRequest, await _read_body(request))
        account = p.accounts.open(body.phone, body.name, body.nik)
        return ok(account.view(), "Akun berhasil dibuka.")

    @app.post(
        KYC_UPGRADE_PATH, response_model=None, summary="The holder's app: upgrade an e-wallet"
    )
    async def upgrade(request: Request) -> Response:
        body = parse(KycUpgradeRequest, await _read_body(request))
        account = p.accounts.upgrade(body.phone, body.nik, body.name)
        return ok(account.view(), "Akun berhasil diverifikasi.")

    @app.post(WEBHOOK_PATH, response_model=None, summary="Prakerja's signed webhooks")
    async def webhook(request: Request) -> Response:
        body = await _read_body(request)
        p.verify(request, body)
        try:
            event = json.loads(body)
        except ValueError:
            raise Refusal(PP_BAD_REQUEST, "The body is not valid JSON.") from None
        if not isinstance(event, dict) or not isinstance(event.get("event_id"), str):
            raise Refusal(PP_BAD_REQUEST, "event_id: Field required")
        known = {kind.value: model for kind, model in EVENT_MODELS.items()}
        model = known.get(str(event.get("event_type")))
        if model is not None:  # an event type of a later contract is kept unread
            try:
                model.model_validate(event)
            except ValidationError as exc:
                raise Refusal(PP_BAD_REQUEST, describe(exc)) from None
        p.webhook_deliveries += 1
        p.webhooks.setdefault(event["event_id"], event)
        return JSONResponse({"success": True, "message": "OK"})


def _sim_routes(app: FastAPI, p: Partner) -> None:
    @app.get("/_sim/paid", include_in_schema=False)
    async def paid() -> dict[str, Any]:
        per_id = p.ledger.paid()
        return {
            "partner": p.spec.instance,
            "disbursements": {k: {"count": c, "total": t} for k, (c, t) in sorted(per_id.items())},
            "credits": sum(c for c, _ in per_id.values()),
            "total": sum(t for _, t in per_id.values()),
        }

    @app.get("/_sim/accounts/{number}", include_in_schema=False)
    async def account(number: str) -> Response:
        found = p.accounts.get(number)
        if found is None:
            return error_response(APP_CATALOGUE["ERRAPP40401"])
        view: AppAccountData = found.view()
        return JSONResponse(view.model_dump(mode="json"))

    @app.post("/_sim/accounts", include_in_schema=False)
    async def put_account(wanted: SimAccount) -> Response:
        try:
            made = p.accounts.put(
                wanted.account_number,
                wanted.holder_name,
                wanted.kyc_level,
                wanted.nik,
                wanted.account_status,
                wanted.balance,
            )
        except ValueError as exc:
            return error_response(APP_BAD_REQUEST, str(exc))
        return JSONResponse(made.view().model_dump(mode="json"))

    @app.get("/_sim/traffic", include_in_schema=False)
    async def traffic() -> dict[str, Any]:
        counted = p.traffic
        return {
            "in_flight": counted.in_flight,
            "most_in_flight": counted.most_in_flight,
            "calls": dict(sorted(counted.calls.items())),
        }

    @app.get("/_sim/fixtures", include_in_schema=False)
    async def fixtures() -> dict[str, Any]:
        unknown = "0899999999999" if not p.spec.is_bank else p.spec.number_prefix + "99999999"
        while p.accounts.get(unknown) is not None:
            unknown = str(int(unknown) - 1).zfill(len(unknown))
        return {
            "partner": p.spec.instance,
            "account_type": p.spec.account_type.value,
            "nik": FIXTURE_NIK,
            "accounts": [
                {
                    "purpose": f.purpose,
                    **f.account.view().model_dump(mode="json"),
                    "nik": f.account.nik,
                }
                for f in p.accounts.fixtures
            ],
            "unknown_account_number": unknown,
        }

    @app.post("/_sim/simulate", include_in_schema=False)
    async def queue(rule: SimulateRule) -> Response:
        try:
            simulate.parse(rule.directives, kinds.DIRECTIVES)
        except SimulateError as exc:
            return error_response(PP_BAD_REQUEST, f"{simulate.SIMULATE_HEADER}: {exc}")
        p.rules.append(rule)
        return JSONResponse({"queued": [r.model_dump() for r in p.rules]})

    @app.get("/_sim/simulate", include_in_schema=False)
    async def queued() -> dict[str, Any]:
        return {"queued": [r.model_dump() for r in p.rules]}

    @app.delete("/_sim/simulate", include_in_schema=False)
    async def clear() -> dict[str, Any]:
        p.rules.clear()
        return {"queued": []}

    @app.get("/_sim/webhooks", include_in_schema=False)
    async def webhooks() -> dict[str, Any]:
        return {"deliveries": p.webhook_deliveries, "events": list(p.webhooks.values())}
