"""What one Locust process holds for the journeys: the plan, leases, the people, the tally."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loadtests.coordination import Coordinator, People
from loadtests.data import Fixtures
from loadtests.profiles import Plan
from loadtests.tally import Tally


@dataclass
class Context:
    """Built once per process by the locustfile's ``init`` hook."""

    plan: Plan
    coordinator: Coordinator
    fixtures: Fixtures
    people: People | None  # None when the plan has no registrants
    join: bool  # a wave is open: eligible registrants join it
    tally: Tally = field(default_factory=Tally)
    stopped_by: str = ""  # why the run stopped itself, if it did

    def units(self, kind: str) -> tuple[Any, ...]:
        """The leasable units of a kind (``cards``, ``codes``, ``disbursements``)."""
        units: tuple[Any, ...] = getattr(self.fixtures, kind)
        return units


_context: Context | None = None


def install(context: Context) -> None:
    """Make ``context`` this process's."""
    global _context
    _context = context


def context() -> Context:
    """This process's context (set up at Locust's ``init``)."""
    if _context is None:
        raise RuntimeError("the loadtests context is set up by loadtests/locustfile.py at init")
    return _context
