"""Fairness by province: a large draw's winners per province match the joiners' shares (chi-square
at 1%), and a biased selection is caught. The p-value is computed here without scipy."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from reference_server.domain import lottery

SEED = "9a1e" * 16
# Ten provinces with unequal, roughly real shares of the working-age population (per mille).
SHARES = {
    "32": 180,  # Jawa Barat
    "35": 150,  # Jawa Timur
    "33": 130,  # Jawa Tengah
    "12": 55,  # Sumatera Utara
    "36": 45,  # Banten
    "31": 40,  # DKI Jakarta
    "73": 33,  # Sulawesi Selatan
    "18": 33,  # Lampung
    "16": 31,  # Sumatera Selatan
    "11": 303,  # the rest, lumped (coded as Aceh)
}
JOINERS = 200_000
QUOTA = JOINERS // 5


def regularized_gamma_q(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, Lentz's continued fraction above."""
    if x <= 0:
        return 1.0
    log_prefix = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        while abs(term) > abs(total) * 1e-15:
            n += 1
            term *= x / n
            total += term
        return 1.0 - total * math.exp(log_prefix)
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(log_prefix) * h


def chi_square_p(statistic: float, dof: int) -> float:
    """P(X >= statistic) for X chi-square with ``dof`` degrees of freedom."""
    return regularized_gamma_q(dof / 2, statistic / 2)


@pytest.mark.parametrize(
    ("critical", "dof", "p"),
    [
        (3.841, 1, 0.05),
        (6.635, 1, 0.01),
        (13.277, 4, 0.01),
        (21.666, 9, 0.01),
        (23.209, 10, 0.01),
        (16.919, 9, 0.05),
        (2.088, 9, 0.99),
        (54.776, 33, 0.01),
    ],
)
def test_p_value_matches_chi_square_tables(critical: float, dof: int, p: float) -> None:
    assert chi_square_p(critical, dof) == pytest.approx(p, rel=2e-3)


def population() -> list[str]:
    total = sum(SHARES.values())
    niks: list[str] = []
    for code, share in SHARES.items():
        n = JOINERS * share // total
        niks.extend(f"{code}{i:014d}" for i in range(n))
    return niks


def statistic(winners: list[str], joiners: list[str]) -> float:
    joined = Counter(nik[:2] for nik in joiners)
    won = Counter(nik[:2] for nik in winners)
    total = 0.0
    for code, n in joined.items():
        expected = len(winners) * n / len(joiners)
        total += (won[code] - expected) ** 2 / expected
    return total


def test_winners_per_province_pass_chi_square_at_one_percent() -> None:
    joiners = population()
    winners = lottery.draw(SEED, joiners, QUOTA)
    assert len(winners) == QUOTA
    assert chi_square_p(statistic(winners, joiners), len(SHARES) - 1) > 0.01


def test_a_biased_selection_is_rejected() -> None:
    joiners = population()
    fair = lottery.draw(SEED, joiners, QUOTA)
    # Swap 3% of the winners from Jawa Barat for losers of DKI Jakarta: a quiet favour.
    losers = [nik for nik in sorted(set(joiners) - set(fair)) if nik.startswith("31")]
    favoured = [nik for nik in fair if not nik.startswith("32")]
    dropped = len(fair) - len(favoured)
    swap = QUOTA * 3 // 100
    biased = (
        favoured + [nik for nik in fair if nik.startswith("32")][: dropped - swap] + losers[:swap]
    )
    assert len(biased) == QUOTA
    assert chi_square_p(statistic(biased, joiners), len(SHARES) - 1) < 0.01
    assert chi_square_p(statistic(sorted(joiners)[:QUOTA], joiners), len(SHARES) - 1) < 1e-12
