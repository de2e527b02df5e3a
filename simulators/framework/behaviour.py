"""How a simulator behaves: latency, outages and timeouts drawn per request, from a profile.

A ``Profile`` is data: the latency distribution, the share of requests that fail with 503, the
share that hang past any client's timeout and then answer 504, and a seed. Each simulator draws
its requests' fates from its own seeded stream (``Dice``), so over N requests the counts of each
outcome are fixed by the seed, whatever order concurrent requests arrive in: a test can reason
about rates. ``X-Simulate`` (``contract.simulate``) overrides the draw for one request.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, NamedTuple

from contract import simulate
from contract.simulate import Directives

_Z99 = 2.3263478740408408  # the standard normal's 99th percentile


@dataclass(frozen=True, kw_only=True, slots=True)
class Profile:
    """A simulator's behaviour. The default answers at once and never fails.

    ``latency_ms`` is the median answer delay; with ``latency_p99_ms`` the delay is log-normal
    with that median and 99th percentile, without it the delay is fixed. ``error_rate`` of the
    requests answer 503, ``timeout_rate`` hang ``hang_seconds`` and then answer 504 (choose it
    longer than the client's timeout). ``slow_ms`` is the delay a bare ``X-Simulate: slow`` adds.
    ``seed`` makes the draws repeatable; None draws fresh.
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
        """The draws of one simulator: ``stream`` keeps simulators sharing a seed independent."""
        return Dice(self, stream)

    def as_dict(self) -> dict[str, Any]:
        """The profile as plain data (for ``/_sim/info`` and reports)."""
        return asdict(self)


class Outcome(Enum):
    """What a request gets."""

    ANSWER = "answer"
    ERROR = "error"  # a 5xx, 503 unless X-Simulate named another
    TIMEOUT = "timeout"  # hang, then 504


class Fate(NamedTuple):
    """One request's outcome, how long to wait before it (seconds), and its status if an error."""

    outcome: Outcome
    delay: float
    status: int = 503


class Dice:
    """Draws each request's fate from a profile (not thread-safe: one event loop uses it)."""

    def __init__(self, profile: Profile, stream: str) -> None:
        self.profile = profile
        seed = None if profile.seed is None else f"{profile.seed}:{stream}"
        # Separate streams so the failure sequence does not depend on the latency settings.
        self._faults = random.Random(None if seed is None else seed + ":faults")
        self._latency = random.Random(None if seed is None else seed + ":latency")
        self.extra = random.Random(None if seed is None else seed + ":extra")  # for the app
        p99 = profile.latency_p99_ms
        self._sigma = 0.0 if p99 is None else (math.log(p99) - math.log(profile.latency_ms)) / _Z99

    def latency(self) -> float:
        """One answer delay in seconds."""
        median = self.profile.latency_ms / 1000.0
        if self._sigma == 0.0 or median == 0.0:
            return median
        return self._latency.lognormvariate(math.log(median), self._sigma)

    def fate(self, directives: Directives = Directives()) -> Fate:
        """The fate of a request carrying these ``X-Simulate`` directives (none: the profile's)."""
        profile = self.profile
        slow = directives.get(simulate.SLOW)
        slow_delay = 0.0
        if slow is not None:
            slow_delay = (
                simulate.seconds(slow.arg) if slow.arg is not None else profile.slow_ms / 1000.0
            )
        if simulate.TIMEOUT in directives:
            return Fate(Outcome.TIMEOUT, profile.hang_seconds)
        for directive in directives.transport():
            status = simulate.status_of(directive)
            if status is not None:
                return Fate(Outcome.ERROR, slow_delay, status)
        if slow is not None:
            return Fate(Outcome.ANSWER, slow_delay)
        if simulate.OK in directives:
            return Fate(Outcome.ANSWER, self.latency())
        draw = self._faults.random()
        if draw < profile.timeout_rate:
            return Fate(Outcome.TIMEOUT, profile.hang_seconds)
        if draw < profile.timeout_rate + profile.error_rate:
            return Fate(Outcome.ERROR, self.latency())
        return Fate(Outcome.ANSWER, self.latency())
