"""The X-Simulate grammar: what parses, what is refused, and why."""

from __future__ import annotations

import pytest

from contract import simulate
from contract.simulate import Directive, SimulateError, parse

ACCEPTED = frozenset({simulate.DUPLICATE_CALLBACK, simulate.LATE_CALLBACK})


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (None, []),
        ("timeout", ["timeout"]),
        ("error", ["error"]),
        ("502", ["502"]),
        ("slow", ["slow"]),
        ("slow:2s", ["slow"]),
        ("slow:250ms, duplicate-callback", ["slow", "duplicate-callback"]),
        ("late-callback:3s", ["late-callback"]),
        ("ok", ["ok"]),
    ],
)
def test_values_that_parse(value: str | None, names: list[str]) -> None:
    assert [d.name for d in parse(value, ACCEPTED).items] == names


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "empty"),
        ("TIMEOUT", "not a directive"),
        ("bad-signature", "unknown directive"),
        ("slow:fast", "not a duration"),
        ("slow:999s", "at most"),
        ("timeout:5s", "takes no argument"),
        ("timeout,500", "contradict"),
        ("ok,error", "contradict"),
        ("slow,slow:1s", "twice"),
        ("499", "unknown directive"),
        (",".join(["ok"] + ["duplicate-callback"] * 8), "at most"),
    ],
)
def test_values_refused_say_why(value: str, why: str) -> None:
    with pytest.raises(SimulateError, match=why):
        parse(value, ACCEPTED)


def test_transport_and_behaviour_are_told_apart() -> None:
    parsed = parse("slow:1s,503,duplicate-callback", ACCEPTED)
    assert [str(d) for d in parsed.transport()] == ["slow:1s", "503"]
    assert parsed.behaviour() == (Directive("duplicate-callback"),)
    assert simulate.status_of(Directive("error")) == 503
    assert simulate.seconds("250ms") == 0.25 and simulate.seconds("1.5s") == 1.5
    assert "duplicate-callback" in parsed and "late-callback" not in parsed
