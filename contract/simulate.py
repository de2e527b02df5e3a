"""``X-Simulate``: one request header that makes any simulator misbehave on purpose, once.

Every simulator (government sources, digital platforms, training providers, payment partners,
job portals) reads it on each call. The value is a comma-separated list of directives, each a
name with an optional argument after a colon::

    X-Simulate: timeout                 hold the request past any sane client timeout, then 504
    X-Simulate: error                   503, an outage (the same as ``503``)
    X-Simulate: 500                     that 5xx status (500–599), in the simulator's error shape
    X-Simulate: slow                    answer late but in time (the profile's ``slow_ms``)
    X-Simulate: slow:2s                 answer after 2 s (``250ms``, ``1.5s`` also accepted)
    X-Simulate: ok                      answer normally, whatever the behaviour profile draws
    X-Simulate: duplicate-callback      (a simulator-specific directive: see its document)
    X-Simulate: slow:1s,late-callback   several at once

The first six are *transport* directives, honoured the same way by every simulator. The others
are *behaviour* directives a simulator declares for itself (``bad-signature``,
``duplicate-callback``, ``late-callback``, ``callback-before-response``, ``timeout-after-debit``,
…); a simulator refuses a directive it does not know with 400 rather than ignore it, so a test
never believes it simulated something that did not happen.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SIMULATE_HEADER = "X-Simulate"
MAX_DIRECTIVES = 8
MAX_SLOW_SECONDS = 120.0

OK = "ok"
TIMEOUT = "timeout"
ERROR = "error"  # 503
SLOW = "slow"
TRANSPORT = (OK, TIMEOUT, ERROR, SLOW)  # plus any 5xx status code

# Behaviour directives the simulators of this sandbox use (each simulator accepts its own subset).
BAD_SIGNATURE = "bad-signature"  # sign the response or callback with a wrong key
DUPLICATE_CALLBACK = "duplicate-callback"  # send the callback twice
LATE_CALLBACK = "late-callback"  # send the callback after a delay (argument: the delay)
CALLBACK_BEFORE_RESPONSE = "callback-before-response"  # the callback arrives first
TIMEOUT_AFTER_DEBIT = "timeout-after-debit"  # do the work, then hang as if it had not happened

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")


class SimulateError(ValueError):
    """An ``X-Simulate`` value that does not parse or that this simulator does not accept."""


@dataclass(frozen=True, slots=True)
class Directive:
    """One directive: ``name`` and its optional argument (the text after the colon)."""

    name: str
    arg: str | None = None

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name}:{self.arg}"


def status_of(directive: Directive) -> int | None:
    """The 5xx status a directive asks for (``error`` is 503), or None."""
    if directive.name == ERROR:
        return 503
    if directive.name.isdigit() and len(directive.name) == 3 and 500 <= int(directive.name) <= 599:
        return int(directive.name)
    return None


def is_transport(directive: Directive) -> bool:
    """True for the directives every simulator honours the same way."""
    return directive.name in TRANSPORT or status_of(directive) is not None


def seconds(text: str) -> float:
    """``2s``, ``1.5s`` or ``250ms`` as seconds; refuses anything else."""
    match = _DURATION.match(text)
    if match is None:
        raise SimulateError(f"not a duration: {text!r} (use e.g. 2s or 250ms)")
    value = float(match.group(1)) / (1000.0 if match.group(2) == "ms" else 1.0)
    if not math.isfinite(value) or value > MAX_SLOW_SECONDS:
        raise SimulateError(f"a duration must be at most {MAX_SLOW_SECONDS:.0f}s")
    return value


@dataclass(frozen=True, slots=True)
class Directives:
    """A parsed ``X-Simulate`` value (empty when the header is absent)."""

    items: tuple[Directive, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.items)

    def __contains__(self, name: object) -> bool:
        return any(d.name == name for d in self.items)

    def get(self, name: str) -> Directive | None:
        """The directive called ``name``, if present."""
        return next((d for d in self.items if d.name == name), None)

    def behaviour(self) -> tuple[Directive, ...]:
        """The simulator-specific directives."""
        return tuple(d for d in self.items if not is_transport(d))

    def transport(self) -> tuple[Directive, ...]:
        """The directives every simulator honours."""
        return tuple(d for d in self.items if is_transport(d))

    def __str__(self) -> str:
        return ",".join(str(d) for d in self.items)


def parse(value: str | None, accepted: frozenset[str] = frozenset()) -> Directives:
    """Parse a header value; ``accepted`` are the behaviour directives the simulator knows.

    Raises ``SimulateError`` for a malformed value, an unknown directive, a duration that is not
    one, or two transport directives that contradict each other (``timeout,500``).
    """
    if value is None:
        return Directives()
    if not value.strip():
        raise SimulateError("empty value; leave the header out to behave normally")
    parts = [part.strip() for part in value.split(",")]
    if len(parts) > MAX_DIRECTIVES:
        raise SimulateError(f"at most {MAX_DIRECTIVES} directives")
    items: list[Directive] = []
    for part in parts:
        name, _, arg = part.partition(":")
        name = name.strip()
        if not _NAME.match(name):
            raise SimulateError(f"not a directive: {part!r}")
        directive = Directive(name, arg.strip() or None)
        if name == SLOW and directive.arg is not None:
            seconds(directive.arg)
        elif is_transport(directive):
            if directive.arg is not None:
                raise SimulateError(f"{name} takes no argument")
        elif name not in accepted:
            known = ", ".join(sorted((*TRANSPORT, "5xx", *accepted)))
            raise SimulateError(f"unknown directive {name!r}; this simulator accepts: {known}")
        if any(d.name == name for d in items):
            raise SimulateError(f"{name} given twice")
        items.append(directive)
    fates = [d for d in items if d.name in (OK, TIMEOUT) or status_of(d) is not None]
    if len(fates) > 1:
        raise SimulateError(f"{fates[0]} and {fates[1]} contradict each other")
    return Directives(tuple(items))


def describe(accepted: frozenset[str] = frozenset()) -> str:
    """One line for documents: what a simulator accepts."""
    extra = f"; and this simulator's own: {', '.join(sorted(accepted))}" if accepted else ""
    return (
        "Comma-separated directives: ok, timeout, error (503), a 5xx status, slow or slow:<2s|"
        f"250ms>{extra}."
    )
