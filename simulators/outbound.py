"""A careful partner integration's calls to the sandbox: signed, stamped fresh, retried with care.

The digital-platform and training-provider simulators are clients of the integration API; this
is how both of them call it, through the simulator's journaled httpx client
(``SimContext.http``), so that the journal shows exactly what crossed the wire. "Careful" means,
once for every simulator:

- each attempt is signed anew with the current time (restamp, never replay); two identical calls
  in one second are stamped a second apart, since the server accepts a signature once;
- a *read* (quota, status) is retried when Prakerja gives no usable answer (timeout, connection
  error, 5xx, 429): a few times, waiting at least ``Retry-After`` and backing off in between;
- a *write* (send-otp, url-generate, a submission) is retried only when Prakerja said it was busy
  (429, or 503 with ``Retry-After``: not processed);
- a *payment* (authorize, void) is never retried here: the flow asks payment/status first;
- a refusal (a catalogued 4xx) is an answer, never retried;
- a wait longer than ``max_wait`` is not waited: the buyer is told when to come back.

``Flaws`` are the deliberate faults of a mutant (its whole life) and ``X-Simulate`` directives
(the next call only); each changes exactly one thing above.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

import httpx

from contract import simulate
from contract.client import compact
from contract.endpoints import Endpoint
from contract.signature import sign
from contract.simulate import Directives

# Behaviour directives of X-Simulate every client simulator of this sandbox accepts.
BAD_SIGNATURE = simulate.BAD_SIGNATURE  # sign the next call with a wrong key
STALE_TIMESTAMP = "stale-timestamp"  # stamp the next call ten minutes in the past
DOUBLE_SUBMIT = "double-submit"  # send the next write or payment twice at once (a double click)
CLIENT_DIRECTIVES = frozenset({BAD_SIGNATURE, STALE_TIMESTAMP, DOUBLE_SUBMIT})

STALE_SECONDS = 600  # twice the server's ±300 s window
STORM_ATTEMPTS = 12
REPLAY_KEEP_SECONDS = 240  # a mutant re-sends a signature while the server would still honour it
# Own stamps are remembered this long: an identical call is stamped a second before the last one,
# so a burst of N identical calls reaches N seconds back, still far inside the server's window.
STAMP_MEMORY_SECONDS = 120


class Kind(Enum):
    """What a call does, which decides whether it may be retried."""

    READ = "read"  # changes nothing: retried on no usable answer
    WRITE = "write"  # changes something harmlessly repeatable: retried only when busy
    PAY = "pay"  # moves money: never retried here


class Outcome(Enum):
    """What an answer amounts to."""

    OK = "ok"  # 200 with success true
    REFUSED = "refused"  # a 4xx: Prakerja said no (a catalogued code)
    BUSY = "busy"  # 429, or 503 with Retry-After: not processed, come back later
    UNAVAILABLE = "unavailable"  # no usable answer: timeout, connection error, other 5xx


@dataclass(frozen=True)
class Answer:
    """Prakerja's answer to one call, after any retries."""

    path: str
    outcome: Outcome
    status: int | None
    payload: dict[str, Any]
    retry_after: int | None = None
    attempts: int = 1
    error: str | None = None  # why there was no answer
    also: tuple[Answer, ...] = ()  # the other copies of a double submit

    @property
    def ok(self) -> bool:
        """True for a success envelope."""
        return self.outcome is Outcome.OK

    @property
    def data(self) -> Any:
        """The success envelope's ``data``."""
        return self.payload.get("data")

    @property
    def code(self) -> str | None:
        """The catalogued error code of a refusal (or of a 5xx envelope)."""
        code = self.payload.get("code")
        return str(code) if code is not None else None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a careful integration tries before it gives up."""

    attempts: int = 3  # in all, the first call included
    backoff: float = 0.2  # seconds before the second attempt, doubled after each
    max_wait: float = 30.0  # a Retry-After longer than this is not waited for


@dataclass(frozen=True)
class Flaws:
    """A mutant's faults in its calls (each False in a careful simulator)."""

    unsigned: bool = False  # no signature header
    wrong_signature: bool = False  # the raw string leaves the path out
    stale_clock: bool = False  # a clock ten minutes slow
    replays_signature: bool = False  # a repeated call re-sends the first one's headers
    ignores_retry_after: bool = False  # retries when it likes, whatever Retry-After says
    retry_storm: bool = False  # retries at once, a dozen times: refused, busy or unanswered


@dataclass
class _OneShot:
    """X-Simulate directives waiting for the next call they apply to."""

    bad_signature: bool = False
    stale_timestamp: bool = False
    double_submit: bool = False


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After", "").strip()
    return int(value) if value.isdigit() else None


def classify(response: httpx.Response) -> Answer:
    """An HTTP response as an ``Answer`` (one attempt)."""
    try:
        parsed = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        parsed = None
    payload: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
    status = response.status_code
    retry_after = _retry_after(response)
    path = response.request.url.path
    if status == 200 and payload.get("success") is True:
        outcome = Outcome.OK
    elif status == 429 or (status == 503 and retry_after is not None):
        outcome = Outcome.BUSY
    elif 400 <= status < 500:
        outcome = Outcome.REFUSED
    else:
        outcome = Outcome.UNAVAILABLE
    return Answer(path, outcome, status, payload, retry_after)


class Caller:
    """One simulator instance's signed calls to the sandbox (``http`` has its base URL)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        client_code: str,
        sign_key: str,
        *,
        flaws: Flaws = Flaws(),
        policy: RetryPolicy = RetryPolicy(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.http = http
        self.client_code = client_code
        self.sign_key = sign_key
        self.flaws = flaws
        self.policy = policy
        self.clock = clock
        # The stamps of identical calls already sent, oldest first, kept while they could collide.
        self._stamped: set[tuple[int, str, str, str]] = set()
        self._stamp_order: deque[tuple[float, tuple[int, str, str, str]]] = deque()
        self._sent: dict[tuple[str, str, str], tuple[float, dict[str, str]]] = {}  # a mutant's
        self._jitter = random.Random()

    def calls(self, asked: Directives = Directives()) -> Calls:
        """A handle for the calls of one buyer request, carrying its one-shot directives."""
        return Calls(
            self,
            _OneShot(
                bad_signature=BAD_SIGNATURE in asked,
                stale_timestamp=STALE_TIMESTAMP in asked,
                double_submit=DOUBLE_SUBMIT in asked,
            ),
        )

    # --- signing ---------------------------------------------------------------------------

    def _stamp(self, path: str, text: str, authorization: str, *, stale: bool) -> int:
        """Now (or ten minutes ago), a second earlier than any identical call already sent."""
        moment = self.clock()
        while self._stamp_order and self._stamp_order[0][0] < moment - STAMP_MEMORY_SECONDS:
            self._stamped.discard(self._stamp_order.popleft()[1])
        now = int(moment)
        if stale or self.flaws.stale_clock:
            now -= STALE_SECONDS
        stamp = now
        while (stamp, path, text, authorization) in self._stamped:
            stamp -= 1
        key = (stamp, path, text, authorization)
        self._stamped.add(key)
        self._stamp_order.append((moment, key))
        return stamp

    def _headers(
        self, path: str, text: str, authorization: str | None, shot: _OneShot
    ) -> dict[str, str]:
        auth = authorization or ""
        if self.flaws.replays_signature:
            kept = self._sent.get((path, text, auth))
            if kept is not None and self.clock() - kept[0] < REPLAY_KEEP_SECONDS:
                return dict(kept[1])
        stale, shot.stale_timestamp = shot.stale_timestamp, False
        bad, shot.bad_signature = shot.bad_signature, False
        stamp = str(self._stamp(path, text, auth, stale=stale))
        key = self.sign_key[::-1] if bad else self.sign_key
        signed_path = "" if self.flaws.wrong_signature else path
        headers = {
            "Content-Type": "application/json",
            "client_code": self.client_code,
            "timestamp": stamp,
        }
        if not self.flaws.unsigned:
            headers["signature"] = sign(key, self.client_code, stamp, "POST", signed_path, text)
        if authorization:
            headers["Authorization"] = authorization
        if self.flaws.replays_signature:
            self._sent[(path, text, auth)] = (self.clock(), headers)
        return headers

    # --- sending ---------------------------------------------------------------------------

    async def _once(self, path: str, text: str, headers: dict[str, str]) -> Answer:
        try:
            response = await self.http.post(path, content=text.encode(), headers=headers)
        except httpx.HTTPError as exc:
            return Answer(path, Outcome.UNAVAILABLE, None, {}, error=type(exc).__name__)
        return classify(response)

    async def _get_once(self, path: str, params: dict[str, Any]) -> Answer:
        try:
            response = await self.http.get(path, params=params)
        except httpx.HTTPError as exc:
            return Answer(path, Outcome.UNAVAILABLE, None, {}, error=type(exc).__name__)
        return classify(response)

    def _retryable(self, kind: Kind, answer: Answer) -> bool:
        if self.flaws.retry_storm:  # anything but a refused payment, again and again
            return not answer.ok and (kind is not Kind.PAY or answer.outcome is not Outcome.REFUSED)
        if kind is Kind.READ:
            return answer.outcome in (Outcome.BUSY, Outcome.UNAVAILABLE)
        return kind is Kind.WRITE and answer.outcome is Outcome.BUSY

    def _wait(self, attempt: int, answer: Answer) -> float:
        """Seconds before the next attempt (after attempt number ``attempt``)."""
        if self.flaws.retry_storm:
            return 0.0
        backoff = self.policy.backoff * 2.0 ** (attempt - 1) * self._jitter.uniform(1.0, 1.5)
        if self.flaws.ignores_retry_after or answer.retry_after is None:
            return backoff
        return max(float(answer.retry_after), backoff)

    async def _with_retries(
        self, kind: Kind, send: Callable[[], Any], *, attempts: int | None = None
    ) -> Answer:
        limit = STORM_ATTEMPTS if self.flaws.retry_storm else (attempts or self.policy.attempts)
        attempt = 1
        while True:
            answer: Answer = await send()
            answer = replace(answer, attempts=attempt)
            if attempt >= limit or not self._retryable(kind, answer):
                return answer
            wait = self._wait(attempt, answer)
            if wait > self.policy.max_wait:
                return answer
            if wait > 0:
                await asyncio.sleep(wait)
            attempt += 1

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        """A public GET of the sandbox (the catalogue), retried as a read."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return await self._with_retries(Kind.READ, lambda: self._get_once(path, query))


@dataclass
class Calls:
    """The calls made while answering one buyer request (its ``X-Simulate`` applies once)."""

    caller: Caller
    shot: _OneShot = field(default_factory=_OneShot)

    async def post(
        self,
        endpoint: Endpoint,
        body: Any,
        *,
        kind: Kind,
        authorization: str | None = None,
        attempts: int | None = None,
    ) -> Answer:
        """A signed POST of ``body`` to ``endpoint``, retried as ``kind`` allows."""
        caller = self.caller
        text = compact(body)
        path = endpoint.path
        if kind is not Kind.READ and self.shot.double_submit:
            self.shot.double_submit = False
            first = caller._headers(path, text, authorization, self.shot)
            second = caller._headers(path, text, authorization, self.shot)
            answers = await asyncio.gather(
                caller._once(path, text, first), caller._once(path, text, second)
            )
            best = sorted(answers, key=lambda a: not a.ok)
            return replace(best[0], also=tuple(best[1:]))

        def send() -> Any:
            return caller._once(path, text, caller._headers(path, text, authorization, self.shot))

        return await caller._with_retries(kind, send, attempts=attempts)

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        """A public GET (no signature, no directive applies)."""
        return await self.caller.get(path, params)
