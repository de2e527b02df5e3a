"""Load profiles as data: which journeys run, in what mix, under which shape, with which waits.

A shape is a list of ``Stage`` (as Locust's ``examples/custom_shape/stages.py``): until second
``until`` of the run, hold ``users`` concurrent users, reaching them at ``spawn_rate`` users/s.
The three kinds are functions of a few numbers:

- ``steady(users, duration)``: all users from the start;
- ``steps(users, duration, steps)``: ``users/steps`` more every ``duration/steps`` seconds;
- ``spike(peak, duration, base, rise, decay)``: the wave opening, ``base`` users before the
  opening, a straight rise to ``peak`` in ``rise`` seconds, then an exponential decay back
  towards ``base`` with time constant ``decay`` (one stage a second).

Profiles and shapes travel to Locust (and to its workers) as JSON, so a run can be repeated
from its report. Nothing here imports Locust: the command line reads it without gevent.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Journey(StrEnum):
    """The users a profile can mix (Locust user classes of ``loadtests.journeys``)."""

    REGISTRANT = "registrant"  # the registration funnel of a wave opening
    BUYER = "buyer"  # a DP purchase: quota, send-otp, SMS OTP, authorize, status, void
    LEARNER = "learner"  # an LP's attendance: redeem status, url-generate, the page, reset
    PAYER = "payer"  # a payment partner's callbacks: a disbursement final, then its retry


@dataclass(frozen=True)
class Stage:
    """Hold ``users`` until ``until`` seconds into the run, spawning at ``spawn_rate``/s."""

    until: float
    users: int
    spawn_rate: float

    def __post_init__(self) -> None:
        if self.until <= 0 or self.users < 0 or self.spawn_rate <= 0:
            raise ValueError(f"a stage needs until > 0, users >= 0, spawn_rate > 0: {self}")


def steady(users: int, duration: float) -> list[Stage]:
    """Every user from the start, for the whole run."""
    _positive(users=users, duration=duration)
    return [Stage(duration, users, float(max(users, 1)))]


def steps(users: int, duration: float, count: int = 4) -> list[Stage]:
    """``count`` equal steps up to ``users``, each held ``duration / count`` seconds."""
    _positive(users=users, duration=duration, count=count)
    per = duration / count
    return [
        Stage(per * (n + 1), math.ceil(users * (n + 1) / count), float(max(users // count, 1)))
        for n in range(count)
    ]


def spike(
    peak: int, duration: float, *, base: int = 0, rise: float = 5.0, decay: float = 15.0
) -> list[Stage]:
    """The wave opening: ``base`` users, a rise to ``peak`` in ``rise`` s, an exponential decay.

    One stage a second; the spawn rate of each is what reaches its user count within it.
    """
    _positive(peak=peak, duration=duration, rise=rise, decay=decay)
    if not 0 <= base <= peak:
        raise ValueError("base must be between 0 and the peak")
    out: list[Stage] = []
    previous = base
    for second in range(1, math.ceil(duration) + 1):
        t = min(float(second), duration)
        if t <= rise:
            users = base + (peak - base) * t / rise
        else:
            users = base + (peak - base) * math.exp(-(t - rise) / decay)
        count = max(round(users), 1)
        out.append(Stage(t, count, float(max(abs(count - previous), 1))))
        previous = count
    return out


def _positive(**values: float) -> None:
    for name, value in values.items():
        if value <= 0:
            raise ValueError(f"{name} must be positive, not {value}")


def stages_from_json(text: str) -> list[Stage]:
    """Stages from a JSON list of ``{"until", "users", "spawn_rate"}`` (a custom shape file)."""
    raw = json.loads(text)
    if not isinstance(raw, list) or not raw:
        raise ValueError("a shape is a non-empty JSON list of stages")
    stages = [Stage(float(s["until"]), int(s["users"]), float(s["spawn_rate"])) for s in raw]
    if any(b.until <= a.until for a, b in zip(stages, stages[1:], strict=False)):
        raise ValueError("stages must be in increasing order of 'until'")
    return stages


def stage_at(stages: list[Stage], elapsed: float) -> Stage | None:
    """The stage in force ``elapsed`` seconds into the run; None once the last has ended."""
    for stage in stages:
        if elapsed < stage.until:
            return stage
    return None


@dataclass(frozen=True)
class Waits:
    """Seconds a person takes between steps (a range: drawn uniformly), scaled by ``pace``.

    ``pace`` 1 is a person at a phone; 0 sends each next request at once (pure pressure).
    """

    think: tuple[float, float] = (1.0, 4.0)  # reading, typing a form
    inbox: tuple[float, float] = (1.0, 3.0)  # waiting for the e-mail or the SMS
    poll: tuple[float, float] = (2.0, 5.0)  # between two looks at the status page
    verdict_timeout: float = 90.0  # a verdict later than this is a failed journey
    pace: float = 1.0

    def scaled(self, pair: tuple[float, float]) -> tuple[float, float]:
        """A range times the pace."""
        return (pair[0] * self.pace, pair[1] * self.pace)


@dataclass(frozen=True)
class Profile:
    """A named mix of journeys under a shape kind."""

    name: str
    description: str
    mix: dict[Journey, int]  # relative weights
    shape: str  # steady | steps | spike
    waits: Waits = field(default_factory=Waits)

    def stages(
        self,
        users: int,
        duration: float,
        *,
        base: int | None = None,
        rise: float | None = None,
        decay: float | None = None,
    ) -> list[Stage]:
        """This profile's shape for ``users`` at the peak over ``duration`` seconds."""
        if self.shape == "steady":
            return steady(users, duration)
        if self.shape == "steps":
            return steps(users, duration)
        return spike(
            users,
            duration,
            base=base if base is not None else max(users // 10, 0),
            rise=rise if rise is not None else max(duration / 10, 1.0),
            decay=decay if decay is not None else max(duration / 3, 1.0),
        )


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            "wave-opening",
            "The registration surge of a wave opening: a sharp rise, a long decay.",
            {Journey.REGISTRANT: 1},
            "spike",
        ),
        Profile(
            "registration-steady",
            "Registrants at a constant concurrency (per-core throughput at a load).",
            {Journey.REGISTRANT: 1},
            "steady",
        ),
        Profile(
            "registration-steps",
            "Registrants in four equal steps (where latency starts to climb).",
            {Journey.REGISTRANT: 1},
            "steps",
        ),
        Profile(
            "post-selection",
            "After the draw: DP purchases, LP attendance and payment partners' callbacks.",
            {Journey.BUYER: 3, Journey.LEARNER: 2, Journey.PAYER: 1},
            "steady",
        ),
        Profile(
            "callbacks",
            "Payment partners calling back disbursements (each final once, then a retry).",
            {Journey.PAYER: 1},
            "steady",
        ),
        Profile(
            "mixed",
            "Every journey at once: registrants, buyers and learners.",
            {Journey.REGISTRANT: 3, Journey.BUYER: 2, Journey.LEARNER: 1},
            "steady",
        ),
    )
}


def profile_named(name: str) -> Profile:
    """The profile of that name; ValueError listing the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None


@dataclass(frozen=True)
class Plan:
    """Everything a Locust process needs to run a profile: the JSON it is handed."""

    profile: str
    mix: dict[str, int]
    stages: list[Stage]
    waits: Waits
    fail_ratio: float = 0.05  # stop the run past this share of failed requests
    min_requests: int = 50  # ... once at least this many were made

    def to_json(self) -> str:
        """The plan as JSON (for ``--prakerja-plan``)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """A plan from ``to_json``'s text."""
        raw: dict[str, Any] = json.loads(text)
        waits = raw["waits"]
        return cls(
            profile=raw["profile"],
            mix={str(k): int(v) for k, v in raw["mix"].items()},
            stages=[Stage(**s) for s in raw["stages"]],
            waits=Waits(
                think=tuple(waits["think"]),
                inbox=tuple(waits["inbox"]),
                poll=tuple(waits["poll"]),
                verdict_timeout=float(waits["verdict_timeout"]),
                pace=float(waits["pace"]),
            ),
            fail_ratio=float(raw["fail_ratio"]),
            min_requests=int(raw["min_requests"]),
        )

    @property
    def duration(self) -> float:
        """When the last stage ends."""
        return self.stages[-1].until

    @property
    def peak_users(self) -> int:
        """The most users any stage holds."""
        return max(stage.users for stage in self.stages)
