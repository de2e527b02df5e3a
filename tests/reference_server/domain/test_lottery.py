"""Wave lottery: reproducible, verifiable, exact quota, duplicates refused, and fair by province."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterator

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
    assert lottery.draw(SEED, iter(JOINERS[:10]), 50) == winners


def test_zero_quota_and_no_joiners() -> None:
    assert lottery.draw(SEED, JOINERS, 0) == []
    assert lottery.draw(SEED, [], 5) == []


def test_duplicate_that_could_change_the_winners_is_refused() -> None:
    winners = lottery.draw(SEED, JOINERS, 100)
    for repeated in (winners[0], winners[-1]):  # inside, and exactly at, the cut
        with pytest.raises(ValueError, match="duplicate"):
            lottery.draw(SEED, [*JOINERS, repeated], 100)
        with pytest.raises(ValueError, match="duplicate"):
            lottery.draw(SEED, iter([*JOINERS, repeated]), 100)


def test_duplicate_above_the_cut_cannot_change_the_result() -> None:
    """Documented: the draw keeps no set of every NIK; a repeat of a loser changes nothing."""
    winners = lottery.draw(SEED, JOINERS, 100)
    loser = next(nik for nik in JOINERS if nik not in winners)
    assert lottery.draw(SEED, [*JOINERS, loser], 100) == winners


def test_negative_quota_rejected() -> None:
    with pytest.raises(ValueError, match="quota"):
        lottery.draw(SEED, JOINERS, -1)


@pytest.mark.parametrize("seed", ["", "abc", "5eed" * 15, "g" * 64, "5eed" * 16 + "00"])
def test_bad_seed_rejected(seed: str) -> None:
    with pytest.raises(ValueError, match="seed"):
        lottery.draw(seed, JOINERS, 1)
    with pytest.raises(ValueError, match="seed"):
        lottery.draw_key(seed, JOINERS[0])


def test_draw_key_is_sha256_of_seed_bytes_then_nik() -> None:
    expected = hashlib.sha256(bytes.fromhex(SEED) + b"3201000000000001").digest()
    assert lottery.draw_key(SEED, "3201000000000001") == expected


def test_order_of_input_does_not_matter() -> None:
    shuffled = JOINERS[:]
    random.Random(7).shuffle(shuffled)
    assert lottery.draw(SEED, shuffled, 250) == lottery.draw(SEED, JOINERS, 250)


@pytest.mark.parametrize("quota", [1, 10, 999, 1000, 1001])
def test_counted_uncounted_and_streamed_draws_agree(quota: int) -> None:
    expected = [nik for _, nik in sorted((lottery.draw_key(SEED, n), n) for n in JOINERS)][:quota]
    assert lottery.draw(SEED, JOINERS, quota) == expected  # threshold from len()
    assert lottery.draw(SEED, iter(JOINERS), quota) == expected  # no count: pruning only
    assert lottery.draw(SEED, tuple(JOINERS), quota, count=len(JOINERS)) == expected


class CountingList(list[str]):
    """A joiner list that counts how often it is read."""

    passes = 0

    def __iter__(self) -> Iterator[str]:
        self.passes += 1
        return super().__iter__()


def test_threshold_fallback_reads_again_and_stays_exact() -> None:
    """A count far too large sets the bound too low: the draw widens it and is still exact."""
    joiners = CountingList(JOINERS)
    winners = lottery.draw(SEED, joiners, 300, count=1_000_000)
    assert winners == lottery.draw(SEED, iter(JOINERS), 300)
    assert joiners.passes > 1


def test_pruning_path_with_a_count_far_too_small() -> None:
    """A count far too small accepts nearly all keys: pruning keeps memory at O(quota), exactly."""
    big = [f"3301{i:012d}" for i in range(20_000)]
    assert lottery.draw(SEED, big, 50, count=60) == lottery.draw(SEED, iter(big), 50)
    kept, bound = lottery.survivors(SEED, big, 50)
    assert len(kept) <= 2 * 50 + 1024
    assert bound < b"\xff" * 32


def test_counted_draw_refuses_a_one_shot_iterator() -> None:
    with pytest.raises(ValueError, match="read again"):
        lottery.draw(SEED, iter(JOINERS), 10, count=len(JOINERS))


def test_threshold_keeps_enough_for_uniform_keys() -> None:
    assert lottery.threshold(1000, 1000) == b"\xff" * 32
    bound = int.from_bytes(lottery.threshold(10_000_000, 1_000_000), "big")
    fraction = bound / lottery.KEY_SPACE
    assert 0.1 < fraction < 0.101
    assert lottery.widen(lottery.threshold(10**9, 1)) > lottery.threshold(10**9, 1)


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
