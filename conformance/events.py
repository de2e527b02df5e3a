"""What a run tells its reporters, in order: started, progress, each check, finished.

Reporters consume these and nothing else, so a new report format never touches the runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from contract.certification import CheckResult, RunReport
from contract.requirements import Mode, Requirement
from contract.roles import Role


@dataclass(frozen=True)
class Planned:
    """One check the run will make."""

    requirement: Requirement
    check: str
    variant: str | None


@dataclass(frozen=True)
class RunStarted:
    role: Role
    mode: Mode
    partner: str
    target: str
    capabilities: tuple[str, ...]
    planned: tuple[Planned, ...]


@dataclass(frozen=True)
class Progress:
    """Something a person watching wants to know (a scenario started, a wait)."""

    text: str


@dataclass(frozen=True)
class CheckStarted:
    planned: Planned


@dataclass(frozen=True)
class CheckFinished:
    result: CheckResult


@dataclass(frozen=True)
class RunFinished:
    report: RunReport


Event = RunStarted | Progress | CheckStarted | CheckFinished | RunFinished


class Handler(Protocol):
    """A consumer of run events (a reporter)."""

    def handle(self, event: Event) -> None:
        """Take one event."""
