"""A person waits out Prakerja being busy or out of reach (as the partner reports it), and only
that: a refusal is not waited out."""

from __future__ import annotations

from contract.buyer import BuyerReason, Failure
from simulators.wave.journey import LONGEST_PAUSE, PATIENCE, pause, transient


def _failure(reason: BuyerReason, retry_after: int | None = None) -> Failure:
    return Failure(reason=reason, message="-", prakerja_code=None, retry_after=retry_after)


def test_busy_and_unavailable_are_waited_out_refusals_are_not() -> None:
    assert transient(_failure(BuyerReason.BUSY, 3))
    assert transient(_failure(BuyerReason.UNAVAILABLE))
    assert not transient(_failure(BuyerReason.SOLD_OUT))
    assert not transient(_failure(BuyerReason.PARTNER_ERROR))
    assert not transient(None)


def test_the_pause_follows_retry_after_else_doubles_and_is_bounded() -> None:
    assert pause(_failure(BuyerReason.BUSY, 3), 0) == 3.0
    assert pause(_failure(BuyerReason.BUSY, 3600), 0) == LONGEST_PAUSE
    pauses = [pause(_failure(BuyerReason.UNAVAILABLE), n) for n in range(PATIENCE)]
    assert pauses[:3] == [0.5, 1.0, 2.0] and max(pauses) == LONGEST_PAUSE
    assert sum(pauses) < 180  # a person's patience ends within three minutes
