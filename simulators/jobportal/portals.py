"""The three job portals of the sandbox, as data: who they are and how they behave.

The programme worked with three job portals; these are fictional stand-ins with profiles of their
own. Rates are per *simulated* day; ``SimConfig.options["time_scale"]`` compresses time (1440: a
simulated day every real minute), so a test sees thousands of vacancies without waiting for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from simulators.framework.behaviour import Profile


@dataclass(frozen=True, kw_only=True)
class PortalSpec:
    """One portal: its name, its volume, how it delivers, and how its feed behaves."""

    instance: str  # the simulator instance name, e.g. "lokerkita"
    name: str  # its display name
    summary: str
    per_day: int  # new vacancies per simulated day
    updates_per_day: int  # published vacancies changed per simulated day
    withdrawals_per_day: int
    push: bool  # pushes to Prakerja; False: Prakerja reads its feed only
    batch_size: int  # vacancies per push
    push_every_seconds: float  # real seconds between pushes
    listing_days: tuple[int, int]  # how long a listing runs, drawn in this range
    focus: Mapping[str, float] | None = None  # province weights; None: the whole country
    profile: Profile = field(default_factory=Profile)  # latency and failures of its feed


PORTALS: tuple[PortalSpec, ...] = (
    PortalSpec(
        instance="lokerkita",
        name="LokerKita",
        summary="A national job marketplace: high volume, frequent edits, pushes big batches "
        "every few seconds; a fast, reliable feed.",
        per_day=3000,
        updates_per_day=600,
        withdrawals_per_day=300,
        push=True,
        batch_size=100,
        push_every_seconds=2.0,
        listing_days=(30, 60),
        profile=Profile(latency_ms=40.0, latency_p99_ms=200.0),
    ),
    PortalSpec(
        instance="kerjanusa",
        name="KerjaNusa",
        summary="A portal that never pushes: Prakerja reads everything from its feed, which is "
        "slow at the tail and down now and then.",
        per_day=1500,
        updates_per_day=200,
        withdrawals_per_day=150,
        push=False,
        batch_size=100,
        push_every_seconds=5.0,
        listing_days=(14, 45),
        profile=Profile(latency_ms=150.0, latency_p99_ms=1200.0, error_rate=0.02),
    ),
    PortalSpec(
        instance="infoloker-daerah",
        name="InfoLoker Daerah",
        summary="A regional portal of Java, Bali and Nusa Tenggara: smaller volume, short "
        "listings, many withdrawals, small batches.",
        per_day=800,
        updates_per_day=80,
        withdrawals_per_day=200,
        push=True,
        batch_size=20,
        push_every_seconds=5.0,
        listing_days=(14, 30),
        focus=MappingProxyType(
            {"35": 40.0, "33": 30.0, "34": 8.0, "51": 10.0, "52": 7.0, "53": 5.0}
        ),
        profile=Profile(latency_ms=80.0, latency_p99_ms=500.0),
    ),
)
BY_INSTANCE = {spec.instance: spec for spec in PORTALS}


def spec_of(instance: str) -> PortalSpec:
    """The portal of a simulator instance; ``KeyError`` naming the portals when unknown."""
    try:
        return BY_INSTANCE[instance]
    except KeyError:
        names = ", ".join(BY_INSTANCE)
        raise KeyError(f"no job portal {instance!r} (portals: {names})") from None
