"""People's choices in a simulated wave: reproducible, independent of order, near the rates."""

from __future__ import annotations

import pytest

from simulators.wave.behaviour import Rates, decide, lottery_seed


def test_the_same_seed_and_nik_always_choose_the_same() -> None:
    rates = Rates()
    assert decide(rates, 7, "3171015001900001") == decide(rates, 7, "3171015001900001")
    others = {decide(rates, seed, "3171015001900001").pick for seed in range(20)}
    assert len(others) == 20


def test_choices_follow_the_rates() -> None:
    rates = Rates(verifies_email=0.8, buys_course=0.5)
    choices = [decide(rates, 1, f"{n:016d}") for n in range(4000)]
    assert 0.77 < sum(c.verifies_email for c in choices) / 4000 < 0.83
    assert 0.47 < sum(c.buys_course for c in choices) / 4000 < 0.53
    assert {c.rating for c in choices} <= {3, 4, 5}


def test_rates_outside_zero_to_one_are_refused_and_the_lottery_seed_is_stable() -> None:
    with pytest.raises(ValueError, match="joins_wave"):
        Rates(joins_wave=1.2)
    assert lottery_seed(7) == lottery_seed(7) != lottery_seed(8)
    assert len(lottery_seed(7)) == 64 and int(lottery_seed(7), 16) >= 0
