"""What the journeys count beside Locust's request stats: the funnel and journey timings.

Counts and fixed-bucket histograms only, so the tallies of many Locust workers add up exactly
(each worker sends what it counted since its last report; the master adds them). No Locust
import: the report reads the same structure.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Upper bounds (seconds) of the timing buckets: fine below a second, coarse up to minutes.
BOUNDS = (
    0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50,
    60, 75, 90, 120, 150, 180, 240, 300, 600,
)  # fmt: skip


@dataclass
class Timing:
    """A histogram of durations in seconds over ``BOUNDS`` (the last bucket: anything longer)."""

    buckets: list[int] = field(default_factory=lambda: [0] * (len(BOUNDS) + 1))
    total: float = 0.0

    def add(self, seconds: float) -> None:
        """Count one duration."""
        self.buckets[bisect.bisect_left(BOUNDS, seconds)] += 1
        self.total += seconds

    @property
    def count(self) -> int:
        """How many durations."""
        return sum(self.buckets)

    def percentile(self, share: float) -> float | None:
        """The bucket bound under which ``share`` of the durations fall (None when empty)."""
        count = self.count
        if not count:
            return None
        wanted = share * count
        seen = 0
        for bound, n in zip((*BOUNDS, float("inf")), self.buckets, strict=True):
            seen += n
            if seen >= wanted:
                return bound if bound != float("inf") else BOUNDS[-1]
        return BOUNDS[-1]

    def merge(self, other: Timing) -> None:
        """Add another histogram's counts."""
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        self.total += other.total


@dataclass
class Tally:
    """Funnel counts (``step`` → how many) and timings (``what`` → histogram)."""

    counts: Counter[str] = field(default_factory=Counter)
    timings: dict[str, Timing] = field(default_factory=dict)

    def count(self, step: str, n: int = 1) -> None:
        """Count ``n`` journeys that reached ``step``."""
        self.counts[step] += n

    def time(self, what: str, seconds: float) -> None:
        """Record how long ``what`` took once."""
        self.timings.setdefault(what, Timing()).add(seconds)

    def merge(self, other: Tally) -> None:
        """Add another tally."""
        self.counts.update(other.counts)
        for what, timing in other.timings.items():
            self.timings.setdefault(what, Timing()).merge(timing)

    def drain(self) -> dict[str, Any]:
        """Everything counted since the last drain, as plain data; the tally starts again."""
        data = self.to_data()
        self.counts = Counter()
        self.timings = {}
        return data

    def to_data(self) -> dict[str, Any]:
        """The tally as JSON-able data."""
        return {
            "counts": dict(self.counts),
            "timings": {
                k: {"buckets": v.buckets, "total": v.total} for k, v in self.timings.items()
            },
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Tally:
        """A tally from ``to_data``'s output."""
        return cls(
            Counter({str(k): int(v) for k, v in data.get("counts", {}).items()}),
            {
                str(k): Timing([int(n) for n in v["buckets"]], float(v["total"]))
                for k, v in data.get("timings", {}).items()
            },
        )
