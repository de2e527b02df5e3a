"""How a simulated source behaves: latency, outages (503) and timeouts, drawn per request.

A ``Profile`` is data: the latency distribution, the share of requests that fail with 503, the
share that hang past any client's timeout and then answer 504, and a seed. Each source app draws
its requests' fates from its own seeded stream (``Dice``), so over N requests the counts of each
outcome are fixed by the seed, whatever order concurrent requests arrive in: a test can reason
about rates. ``X-Simulate`` overrides the draw for one request: ``timeout``, ``error``, ``slow``
(the contract's values) or ``ok`` (a simulator extension: answer normally whatever the profile).

All waiting is ``asyncio.sleep`` or waiting on the client: the event loop never blocks, and a
hanging request ends as soon as its client gives up, so nothing outlives its caller for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from contract.government import SIMULATE_HEADER, SIMULATE_VALUES, SourceError

SIMULATE_OK = "ok"  # forces a normal answer under a failing profile
ACCEPTED_SIMULATE = SIMULATE_VALUES
_Z99 = 2.3263478740408408  # the standard normal's 99th percentile

# SourceError.error codes the simulators answer with.
UNAVAILABLE = "SOURCE_UNAVAILABLE"
TIMED_OUT = "SOURCE_TIMEOUT"
BAD_SIMULATE = "BAD_SIMULATE"


@dataclass(frozen=True, kw_only=True, slots=True)
class Profile:
    """A source's behaviour. The default answers at once and never fails.

    ``latency_ms`` is the median answer delay; with ``latency_p99_ms`` the delay is log-normal
    with that median and 99th percentile, without it the delay is fixed. ``error_rate`` of the
    requests answer 503, ``timeout_rate`` hang ``hang_seconds`` and then answer 504 (choose it
    longer than the client's timeout). ``slow_ms`` is the delay ``X-Simulate: slow`` adds (late,
    but within a sane client timeout). ``seed`` makes the draws repeatable; None draws fresh.
    """

    latency_ms: float = 0.0
    latency_p99_ms: float | None = None
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    hang_seconds: float = 30.0
    slow_ms: float = 1000.0
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "timeout_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.error_rate + self.timeout_rate > 1.0:
            raise ValueError("error_rate + timeout_rate must not exceed 1")
        for name in ("latency_ms", "hang_seconds", "slow_ms"):
            value = getattr(self, name)
            if not (value >= 0.0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number >= 0, not {value}")
        p99 = self.latency_p99_ms
        if p99 is not None and not (math.isfinite(p99) and p99 >= self.latency_ms > 0):
            raise ValueError("latency_p99_ms needs latency_ms > 0 and must be >= latency_ms")

    def dice(self, stream: str) -> Dice:
        """The draws of one source: ``stream`` keeps sources sharing a seed independent."""
        return Dice(self, stream)


class Outcome(Enum):
    """What a request gets."""

    ANSWER = "answer"
    ERROR = "error"  # 503
    TIMEOUT = "timeout"  # hang, then 504


class Fate(NamedTuple):
    """One request's outcome and how long to wait before it (seconds)."""

    outcome: Outcome
    delay: float


class Dice:
    """Draws each request's fate from a profile (not thread-safe: one event loop uses it)."""

    def __init__(self, profile: Profile, stream: str) -> None:
        self.profile = profile
        seed = None if profile.seed is None else f"{profile.seed}:{stream}"
        # Separate streams so the failure sequence does not depend on the latency settings.
        self._faults = random.Random(None if seed is None else seed + ":faults")
        self._latency = random.Random(None if seed is None else seed + ":latency")
        p99 = profile.latency_p99_ms
        self._sigma = 0.0 if p99 is None else (math.log(p99) - math.log(profile.latency_ms)) / _Z99

    def latency(self) -> float:
        """One answer delay in seconds."""
        median = self.profile.latency_ms / 1000.0
        if self._sigma == 0.0 or median == 0.0:
            return median
        return self._latency.lognormvariate(math.log(median), self._sigma)

    def fate(self, simulate: str | None) -> Fate:
        """The fate of a request carrying ``X-Simulate: simulate`` (None: draw from the profile)."""
        profile = self.profile
        if simulate == "timeout":
            return Fate(Outcome.TIMEOUT, profile.hang_seconds)
        if simulate == "error":
            return Fate(Outcome.ERROR, 0.0)
        if simulate == "slow":
            return Fate(Outcome.ANSWER, profile.slow_ms / 1000.0)
        if simulate == SIMULATE_OK:
            return Fate(Outcome.ANSWER, self.latency())
        if simulate is not None:
            raise ValueError(f"unknown {SIMULATE_HEADER} value")
        draw = self._faults.random()
        if draw < profile.timeout_rate:
            return Fate(Outcome.TIMEOUT, profile.hang_seconds)
        if draw < profile.timeout_rate + profile.error_rate:
            return Fate(Outcome.ERROR, self.latency())
        return Fate(Outcome.ANSWER, self.latency())


def source_error(status: int, error: str, message: str) -> JSONResponse:
    """A response in the sources' error shape (contract.government.SourceError)."""
    return JSONResponse(SourceError(error=error, message=message).model_dump(), status_code=status)


async def _hang(receive: Receive, seconds: float) -> None:
    """Hold a request for ``seconds``, or until its client disconnects, whichever comes first."""

    async def until_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(until_disconnect(), seconds)


class SimulatedBehaviour:
    """ASGI middleware applying a profile and ``X-Simulate`` to a source's calls (its POSTs).

    Other requests (``GET /health``, the docs) answer at once: health checks must not flake.
    """

    def __init__(self, app: ASGIApp, dice: Dice) -> None:
        self.app = app
        self.dice = dice

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Delay, fail, hang or pass the request on, as its fate says."""
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        simulate = Headers(scope=scope).get(SIMULATE_HEADER)
        if simulate is not None and simulate not in ACCEPTED_SIMULATE:
            message = f"{SIMULATE_HEADER} must be one of: {', '.join(ACCEPTED_SIMULATE)}"
            await source_error(400, BAD_SIMULATE, message)(scope, receive, send)
            return
        fate = self.dice.fate(simulate)
        if fate.outcome is Outcome.TIMEOUT:
            await _hang(receive, fate.delay)
            response = source_error(504, TIMED_OUT, "The source did not answer in time.")
            await response(scope, receive, send)
            return
        if fate.delay > 0:
            await asyncio.sleep(fate.delay)
        if fate.outcome is Outcome.ERROR:
            response = source_error(503, UNAVAILABLE, "The source is unavailable; retry later.")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
