"""Suites: the checks of one role in one mode, as small registered functions.

A check names the requirement it tests and raises ``PartnerFailure`` (Received … / Expected …)
when the partner breaks it; returning is passing. A suite may prepare shared state once before
its checks (drive the scenarios, start the callback receiver) and may register one check over
several variants (every operation of a document) instead of copying it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from conformance.errors import HarnessError
from conformance.events import Progress
from conformance.evidence import Evidence, Redactor
from contract.requirements import REQUIREMENTS, Mode, Requirement, for_partner
from contract.roles import Role


class Context:
    """What every check sees: who is judged, the evidence being collected, a way to talk."""

    def __init__(
        self,
        *,
        role: Role,
        mode: Mode,
        partner: str,
        target: str,
        capabilities: frozenset[str],
        redactor: Redactor,
        settings: dict[str, int] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.role = role
        self.mode = mode
        self.partner = partner
        self.target = target
        self.capabilities = capabilities
        self.redactor = redactor
        self.settings = dict(settings or {})
        self.evidence = Evidence(timeout)
        self.variant: str | None = None
        self.say: Callable[[Progress], None] = lambda _: None

    def progress(self, text: str) -> None:
        """Tell whoever watches the run."""
        self.say(Progress(text))

    def close(self) -> None:
        """Release what the context holds (connections, servers)."""
        self.evidence.close()


C = TypeVar("C", bound=Context)
CheckFn = Callable[[C], None]


@dataclass(frozen=True)
class Check(Generic[C]):
    """One registered check (of one variant)."""

    requirement: Requirement
    name: str
    run: Callable[[C], None]
    variant: str | None = None
    doc: str = ""


class Suite(Generic[C]):
    """The checks of one role in one mode."""

    def __init__(self, role: Role, mode: Mode, title: str) -> None:
        self.role = role
        self.mode = mode
        self.title = title
        self.checks: list[Check[C]] = []
        self._prepare: list[Callable[[C], None]] = []

    def check(
        self, requirement_id: str, *, variants: Iterable[str] = ()
    ) -> Callable[[CheckFn[C]], CheckFn[C]]:
        """Register the decorated function as a check of ``requirement_id`` (once per variant)."""
        requirement = REQUIREMENTS.get(requirement_id)
        if requirement is None:
            raise ValueError(f"unknown requirement {requirement_id}")
        if self.role not in requirement.roles or requirement.mode is not self.mode:
            raise ValueError(f"{requirement_id} is not a {self.role.value} {self.mode.value} one")
        chosen = tuple(variants)

        def register(fn: CheckFn[C]) -> CheckFn[C]:
            doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
            for variant in chosen or (None,):
                self.checks.append(Check(requirement, fn.__name__, fn, variant, doc))
            return fn

        return register

    def prepare(self, fn: Callable[[C], None]) -> Callable[[C], None]:
        """Register a step run once, in order, before the checks."""
        self._prepare.append(fn)
        return fn

    def run_prepare(self, context: C) -> None:
        """Run the preparation steps."""
        for step in self._prepare:
            step(context)

    def plan(self, capabilities: frozenset[str]) -> list[Check[C]]:
        """The checks of the requirements that apply to a partner with ``capabilities``."""
        applicable = {r.id for r in for_partner(self.role, self.mode, capabilities)}
        return [c for c in self.checks if c.requirement.id in applicable]

    def uncovered(self, capabilities: frozenset[str]) -> list[Requirement]:
        """Applicable requirements no check of this suite judges (a gap in the harness)."""
        covered = {c.requirement.id for c in self.checks}
        return [r for r in for_partner(self.role, self.mode, capabilities) if r.id not in covered]


def needs(value: object, what: str) -> None:
    """Fail as a harness error when preparation left something a check depends on missing."""
    if value is None:
        raise HarnessError(f"cannot judge: {what} is not available (an earlier step failed)")
