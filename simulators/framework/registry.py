"""The simulators of the sandbox and their mutants, as data everyone can list.

Each simulator package registers a ``SimulatorKind`` when imported: its name, the partner role it
plays, the behaviour directives of ``X-Simulate`` it understands, its factory, and its
**mutants** — named, deliberately wrong variants, each wrong in exactly the one way its name
says, used to prove that the conformance suite catches that fault. A mutant names the
conformance requirement it must fail (``requirement``), which the suite's matrix test holds it to.

``prakerja simulators --json``, ``prakerja certify --simulator NAME --mutant M`` and
``prakerja up`` read this registry; ``load_all()`` imports every simulator package first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from simulators.framework.behaviour import Profile

if TYPE_CHECKING:
    from fastapi import FastAPI

# The packages that register simulators: add yours here.
SIMULATOR_MODULES: tuple[str, ...] = (
    "simulators.government.kinds",
    "simulators.payment.kinds",
    "simulators.platform.kinds",
    "simulators.provider.kinds",
    "simulators.jobportal.kinds",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Mutant:
    """A deliberately wrong variant of a simulator."""

    name: str  # kebab-case, says what is wrong: "pays-twice-on-retry"
    summary: str  # one sentence: the one way it is wrong
    requirement: str | None = None  # the conformance requirement ID it must fail


@dataclass(frozen=True, kw_only=True)
class SimConfig:
    """How to start one simulator instance: everything a factory needs, as data."""

    instance: str  # this instance's name, e.g. "ovo" (several instances of one kind may run)
    profile: Profile = field(default_factory=Profile)
    mutant: str | None = None
    sandbox_url: str | None = None  # the reference server it talks to
    client_code: str | None = None  # its credentials at the sandbox
    sign_key: str | None = None  # it signs its calls to the sandbox with this
    webhook_key: str | None = None  # the sandbox signs its calls to it with this
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


Factory = Callable[[SimConfig], "FastAPI"]


@dataclass(frozen=True, kw_only=True)
class SimulatorKind:
    """One kind of simulator (several instances of it may run at once)."""

    name: str  # e.g. "ewallet", "digital-platform", "dukcapil"
    role: str  # dp | lp | pp | jp | gov
    summary: str
    factory: Factory
    directives: frozenset[str] = frozenset()  # behaviour directives of X-Simulate it accepts
    mutants: tuple[Mutant, ...] = ()

    def mutant(self, name: str) -> Mutant:
        """The named mutant; ``KeyError`` with the valid names when unknown."""
        for mutant in self.mutants:
            if mutant.name == name:
                return mutant
        names = ", ".join(m.name for m in self.mutants) or "none"
        raise KeyError(f"{self.name} has no mutant {name!r} (mutants: {names})")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` listings."""
        return {
            "name": self.name,
            "role": self.role,
            "summary": self.summary,
            "directives": sorted(self.directives),
            "mutants": [
                {"name": m.name, "summary": m.summary, "requirement": m.requirement}
                for m in self.mutants
            ],
        }


_KINDS: dict[str, SimulatorKind] = {}


def register(kind: SimulatorKind) -> SimulatorKind:
    """Add a kind (importing a module twice registers it once); names are unique."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing.factory is not kind.factory:
        raise ValueError(f"simulator kind {kind.name!r} registered twice")
    names = [m.name for m in kind.mutants]
    if len(names) != len(set(names)):
        raise ValueError(f"{kind.name}: duplicate mutant names")
    _KINDS[kind.name] = kind
    return kind


@contextmanager
def registered(kind: SimulatorKind) -> Iterator[SimulatorKind]:
    """``kind`` registered for the block only (a test's own simulator kind)."""
    register(kind)
    try:
        yield kind
    finally:
        _KINDS.pop(kind.name, None)


def load_all() -> None:
    """Import every simulator package so that each has registered its kinds."""
    for module in SIMULATOR_MODULES:
        importlib.import_module(module)


def kinds(role: str | None = None) -> list[SimulatorKind]:
    """Registered kinds, by role then name."""
    load_all()
    found = [k for k in _KINDS.values() if role is None or k.role == role]
    return sorted(found, key=lambda k: (k.role, k.name))


def kind(name: str) -> SimulatorKind:
    """The named kind; ``KeyError`` with the valid names when unknown."""
    load_all()
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"no simulator {name!r} (simulators: {', '.join(sorted(_KINDS))})") from None


def check_mutant(kind_: SimulatorKind, mutant: str | None) -> Mutant | None:
    """The mutant a config asks for, validated against its kind."""
    return None if mutant is None else kind_.mutant(mutant)
