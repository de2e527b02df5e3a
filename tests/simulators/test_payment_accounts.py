"""Who holds which account where: drawn from the population and a seed, as the programme's numbers say.

Also the partners as data: six of them, and overriding their behaviour for a test or a benchmark.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from simulators.payment.accounts import AccountBook, holdings
from simulators.payment.partners import BY_INSTANCE, PARTNERS, ZERO_LATENCY, adjust
from simulators.population.generator import generate
from simulators.population.reader import Person, read_population

SEED = 5


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> list[Person]:
    """4,000 generated people."""
    path: Path = tmp_path_factory.mktemp("population") / "people.csv"
    generate(path, 4000, 3, dt.date(2024, 1, 1), progress=False)
    return list(read_population(path))


def test_holdings_are_the_same_for_the_same_seed_and_differ_for_another(
    people: list[Person],
) -> None:
    first = [holdings(i, p, SEED) for i, p in enumerate(people[:200])]
    assert first == [holdings(i, p, SEED) for i, p in enumerate(people[:200])]
    assert first != [holdings(i, p, SEED + 1) for i, p in enumerate(people[:200])]


def test_the_programmes_shares_hold(people: list[Person]) -> None:
    held = [holdings(i, p, SEED) for i, p in enumerate(people)]
    assert [h.must_open for h in held] == [not p.has_account for p in people]
    wallets = sum(not BY_INSTANCE[h.choice].is_bank for h in held) / len(held)
    assert 0.69 <= wallets <= 0.75  # 72% chose an e-wallet
    newcomers = [h for h in held if h.must_open]
    new_wallets = sum(not BY_INSTANCE[h.choice].is_bank for h in newcomers) / len(newcomers)
    assert 0.90 <= new_wallets <= 0.96  # 93% of those without an account
    assert set(Counter(h.choice for h in held)) == {spec.instance for spec in PARTNERS}
    levels = Counter(
        a.kyc_level.value for h in held for a in h.accounts if not BY_INSTANCE[a.partner].is_bank
    )
    assert levels["VERIFIED"] > levels["UNVERIFIED"] > levels["PENDING"] > 0  # refusals happen


def test_verified_accounts_carry_the_nik_and_the_registry_name(people: list[Person]) -> None:
    for index, person in enumerate(people):
        for account in holdings(index, person, SEED).accounts:
            if account.kyc_level.value == "VERIFIED":
                assert (account.nik, account.holder_name) == (person.nik, person.name)
            else:
                assert account.nik is None
            if BY_INSTANCE[account.partner].is_bank:
                assert len(account.number) == 10 and account.limit is None
            else:
                assert account.number == person.phone  # on the person's own phone


def test_the_book_holds_every_account_once_with_the_fixtures(people: list[Person]) -> None:
    book = AccountBook.from_people(people, SEED)
    drawn = [a for i, p in enumerate(people) for a in holdings(i, p, SEED).accounts]
    for partners in book:
        mine = [a for a in drawn if a.partner == partners.spec.instance]
        assert len(partners.accounts) == len(mine) + len(partners.fixtures)  # numbers unique
        assert {f.purpose for f in partners.fixtures} >= {"verified", "unverified", "blocked"}


def test_adjust_changes_every_partner_or_one_and_refuses_unknown_fields() -> None:
    flaky = adjust(every={"error_rate": 0.2, "timeout_rate": 0.1}, only={"bni": {"settle_ms": 0}})
    assert {(s.profile.error_rate, s.profile.timeout_rate) for s in flaky} == {(0.2, 0.1)}
    assert [s.settle_ms for s in flaky if s.instance == "bni"] == [0]
    assert {s.profile.latency_ms for s in adjust(every=ZERO_LATENCY)} == {0.0}
    assert len({s.profile.latency_ms for s in PARTNERS}) == len(PARTNERS)  # they differ
    with pytest.raises(ValueError, match="cannot adjust"):
        adjust(every={"latency": 1})
    with pytest.raises(ValueError, match="no partner"):
        adjust(only={"mandiri": {}})
    with pytest.raises(ValueError, match="must not exceed"):
        adjust(every={"error_rate": 0.8, "timeout_rate": 0.3})
