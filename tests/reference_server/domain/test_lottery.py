"""Wave lottery: reproducible, verifiable, exact quota, duplicates refused, and fair by province."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter

import pytest

from reference_server.domain import lottery

SEED = "5eed" * 16
OTHER_SEED = "a11ce" * 12 + "0bad"
JOINERS = [f"3201{i:012d}" for i in range(1000)]

# Five provinces with unequal shares of 20,000 joiners (codes: Aceh, DKI, Jabar, Jateng, Jatim).
PROVINCES = {"11": 8_000, "31": 5_000, "32": 3_000, "33": 2_400, "35": 1_600}
CHI2_CRITICAL_1PCT_4DF = 13.277


def province_joiners() -> list[str]:
    return [f"{code}{i:014d}" for code, n in PROVINCES.items() for i in range(n)]


def chi_square(winners: list[str], total: int) -> float:
    counts = Counter(nik[:2] for nik in winners)
    stat = 0.0
    for code, n in PROVINCES.items():
        expected = len(winners) * n / total
        stat += (counts[code] - expected) ** 2 / expected
    return stat


def test_new_seed_is_64_hex_and_varies() -> None:
    seeds = {lottery.new_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(len(s) == 64 and int(s, 16) >= 0 for s in seeds)


def test_same_seed_same_winners() -> None:
    first = lottery.draw(SEED, JOINERS, 100)
    assert lottery.draw(SEED, reversed(JOINERS), 100) == first


def test_different_seed_different_winners() -> None:
    a = set(lottery.draw(SEED, JOINERS, 100))
    b = set(lottery.draw(OTHER_SEED, JOINERS, 100))
    assert a != b
    assert len(a & b) < 50  # expected overlap is 10 of 100


def test_quota_is_exact_and_in_draw_key_order() -> None:
    winners = lottery.draw(SEED, JOINERS, 137)
    assert len(winners) == 137 == len(set(winners))
    keys = [lottery.draw_key(SEED, nik) for nik in winners]
    assert keys == sorted(keys)
    cutoff = keys[-1]
    losers = set(JOINERS) - set(winners)
    assert all(lottery.draw_key(SEED, nik) > cutoff for nik in losers)


def test_fewer_joiners_than_quota_all_win() -> None:
    winners = lottery.draw(SEED, JOINERS[:10], 50)
    assert sorted(winners) == sorted(JOINERS[:10])


def test_zero_quota_and_no_joiners() -> None:
    assert lottery.draw(SEED, JOINERS, 0) == []
    assert lottery.draw(SEED, [], 5) == []


@pytest.mark.parametrize("quota", [0, 1, 5000])
def test_duplicate_joiner_rejected(quota: int) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        lottery.draw(SEED, [*JOINERS, JOINERS[500]], quota)


def test_negative_quota_rejected() -> None:
    with pytest.raises(ValueError, match="quota"):
        lottery.draw(SEED, JOINERS, -1)


@pytest.mark.parametrize("seed", ["", "abc", "5eed" * 15, "g" * 64, "5eed" * 16 + "00"])
def test_bad_seed_rejected(seed: str) -> None:
    with pytest.raises(ValueError, match="seed"):
        lottery.draw(seed, JOINERS, 1)
    with pytest.raises(ValueError, match="seed"):
        lottery.draw_key(seed, JOINERS[0])


def test_draw_key_is_hmac_of_nik() -> None:
    expected = hmac.new(bytes.fromhex(SEED), b"3201000000000001", hashlib.sha256).digest()
    assert lottery.draw_key(SEED, "3201000000000001") == expected


def test_verify_accepts_the_draw_in_any_order() -> None:
    winners = lottery.draw(SEED, JOINERS, 100)
    assert lottery.verify(SEED, JOINERS, winners, 100)
    assert lottery.verify(SEED, JOINERS, sorted(winners), 100)


def test_verify_rejects_tampering() -> None:
    winners = lottery.draw(SEED, JOINERS, 100)
    outsider = next(nik for nik in JOINERS if nik not in winners)
    assert not lottery.verify(SEED, JOINERS, [*winners[:-1], outsider], 100)
    assert not lottery.verify(SEED, JOINERS, winners[:-1], 100)
    assert not lottery.verify(SEED, JOINERS, [*winners, winners[0]], 100)
    assert not lottery.verify(OTHER_SEED, JOINERS, winners, 100)
    assert not lottery.verify(SEED, JOINERS, winners, 101)


def test_commitment_and_reveal() -> None:
    seed = lottery.new_seed()
    published = lottery.commitment(seed)
    assert len(published) == 64
    assert published != seed
    assert lottery.check_reveal(seed, published)
    assert lottery.check_reveal(seed.upper(), published)
    assert not lottery.check_reveal(lottery.new_seed(), published)
    assert not lottery.check_reveal("not a seed", published)


def test_winners_per_province_match_joiner_shares() -> None:
    joiners = province_joiners()
    quota = 4_000
    winners = lottery.draw(SEED, joiners, quota)
    assert len(winners) == quota
    assert chi_square(winners, len(joiners)) < CHI2_CRITICAL_1PCT_4DF
    assert chi_square(sorted(joiners)[:quota], len(joiners)) > CHI2_CRITICAL_1PCT_4DF
