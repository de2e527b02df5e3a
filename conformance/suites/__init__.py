"""One suite per role and mode; loaded on demand (server suites bring Schemathesis along)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from conformance.errors import UsageError
from contract.requirements import Mode
from contract.roles import Role

SUITES: dict[tuple[Role, Mode], str] = {
    (Role.DP, Mode.CLIENT): "conformance.suites.dp:suite",
    (Role.LP, Mode.CLIENT): "conformance.suites.lp:suite",
    (Role.PP, Mode.SERVER): "conformance.suites.pp:suite",
    (Role.JP, Mode.SERVER): "conformance.suites.jp:feed_suite",
    (Role.JP, Mode.CLIENT): "conformance.suites.jp:push_suite",
    (Role.DP, Mode.SERVER): "conformance.suites.webhooks:dp_suite",
    (Role.LP, Mode.SERVER): "conformance.suites.webhooks:lp_suite",
}


def suite_for(role: Role, mode: Mode) -> Any:
    """The suite certifying ``role`` in ``mode``."""
    module = SUITES.get((role, mode))
    if module is None:
        have = ", ".join(f"{r.value} {m.value}" for r, m in SUITES)
        raise UsageError(f"no {mode.value}-mode suite for {role.value} yet (have: {have})")
    name, _, attribute = module.partition(":")
    return getattr(import_module(name), attribute)
