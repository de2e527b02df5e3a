"""The capacity model: from a measured run to "cores needed for N journeys a minute at p99 ≤ X".

Measured on the server side, so the load generator sharing the machine does not distort it:

- ``cpu_per_journey``: the server's CPU seconds (``prakerja_server_cpu_seconds``, every worker
  process, the inline outbox worker included) over the run divided by the journeys completed;
- ``utilisation``: how busy a core may be planned: ``PLANNED_UTILISATION`` (70 %: with many
  cores behind one queue, waiting stays short well below saturation), or more when a run met
  the p99 target while the server was busier than that (CPU seconds over wall seconds ×
  processes). A run that missed the target is flagged: its latency came from something the
  model does not see (a saturated load generator, a busy machine, a slow source), so measure
  again before trusting the figure.

A core then carries ``utilisation / cpu_per_journey`` journeys a second, and a peak of ``P``
journeys a minute needs ``P / 60 × cpu_per_journey / utilisation`` cores.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_PEAK_PER_MINUTE = 80_000  # the first wave's registrations in its first minute
DEFAULT_P99_MS = 300.0
PLANNED_UTILISATION = 0.7  # how busy a core is planned when no run proved more


@dataclass(frozen=True)
class Capacity:
    """Cores needed for a peak of one journey, from one measured run."""

    journey: str
    journeys: int  # completed in the run
    cpu_seconds: float  # server CPU over the run
    cpu_per_journey: float  # seconds
    measured_utilisation: float  # share of the server's cores busy during the run
    utilisation: float  # how busy a core is planned (see the module docstring)
    per_core_per_second: float  # journeys a core carries at that utilisation
    p99_ms: float | None  # of the run's requests
    target_p99_ms: float
    meets_target: bool
    peak_per_minute: int
    cores_needed: int

    def to_data(self) -> dict[str, Any]:
        """As JSON-able data."""
        return asdict(self)

    def sentence(self) -> str:
        """The figure in words."""
        verdict = "met" if self.meets_target else "NOT met in this run (measure again)"
        return (
            f"{self.peak_per_minute:,} {self.journey} journeys a minute need about "
            f"{self.cores_needed:,} server cores: {self.cpu_per_journey * 1000:.1f} ms of server "
            f"CPU each, {self.per_core_per_second:.1f}/s per core at {self.utilisation:.0%} busy; "
            f"p99 target {self.target_p99_ms:.0f} ms {verdict}"
        )


def capacity(
    *,
    journey: str,
    journeys: int,
    cpu_seconds: float,
    wall_seconds: float,
    processes: int,
    p99_ms: float | None,
    target_p99_ms: float = DEFAULT_P99_MS,
    peak_per_minute: int = DEFAULT_PEAK_PER_MINUTE,
) -> Capacity | None:
    """The model's figure for one run; None when the run completed no journey or used no CPU."""
    if journeys <= 0 or cpu_seconds <= 0 or wall_seconds <= 0 or processes <= 0:
        return None
    per_journey = cpu_seconds / journeys
    measured = min(cpu_seconds / (wall_seconds * processes), 1.0)
    meets = p99_ms is not None and p99_ms <= target_p99_ms
    utilisation = max(measured, PLANNED_UTILISATION) if meets else PLANNED_UTILISATION
    per_core = utilisation / per_journey
    cores = math.ceil(peak_per_minute / 60 / per_core)
    return Capacity(
        journey, journeys, round(cpu_seconds, 3), per_journey, round(measured, 3),
        round(utilisation, 3),
        per_core, p99_ms, target_p99_ms, meets, peak_per_minute, cores,
    )  # fmt: skip
