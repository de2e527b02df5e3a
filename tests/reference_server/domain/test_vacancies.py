"""The vacancy rules without a server: an item's checks in order, search words, page cursors, and
the recommendation score and ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contract import errors as err
from contract.jobs import MatchReason
from reference_server.domain import vacancies as rules
from reference_server.domain.vacancies import Candidate, Listing, Place, Refusal, Seeker, Tier

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def item(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "vacancy_id": "V-1",
        "title": "Kasir",
        "company": "PT Maju",
        "description": "Melayani pembeli.",
        "location": "31.71.01",
        "min_education": "SMA",
        "industry": "penjualan_pemasaran",
        "job_type": "full_time",
        "salary_min": 4_500_000,
        "salary_max": 5_000_000,
        "posted_at": (NOW - timedelta(hours=1)).isoformat(),
        "expires_at": (NOW + timedelta(days=30)).isoformat(),
        "apply_url": "https://loker.example/1",
    }
    body.update(changes)
    return body


def code_of(verdict: Listing | Refusal) -> str | None:
    return verdict.error.code if isinstance(verdict, Refusal) else None


def test_a_valid_item_becomes_a_listing_in_utc_with_its_place_and_rank() -> None:
    listing = rules.judge(item(posted_at="2026-03-02T14:00:00+07:00"), NOW)
    assert isinstance(listing, Listing)
    assert listing.posted_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert (listing.regency_code, listing.province_code) == ("31.71", "31")
    assert listing.min_education == 3  # SMA
    regency = rules.judge(item(location="32.73"), NOW)
    assert isinstance(regency, Listing) and regency.regency_code == "32.73"


def test_the_first_failing_check_is_the_one_reported() -> None:
    # Wrong location and an inverted salary and expired: the location is reported.
    everything_wrong = item(
        location="99.99",
        salary_min=9_000_000,
        posted_at=(NOW - timedelta(days=40)).isoformat(),
        expires_at=(NOW - timedelta(days=1)).isoformat(),
    )
    assert code_of(rules.judge(everything_wrong, NOW)) == err.LOCATION_UNKNOWN.code
    assert code_of(rules.judge({**everything_wrong, "location": "31.71"}, NOW)) == (
        err.SALARY_RANGE_INVALID.code
    )
    dated = {**everything_wrong, "location": "31.71", "salary_min": 1}
    assert code_of(rules.judge(dated, NOW)) == err.VACANCY_EXPIRED.code
    assert code_of(rules.judge({**dated, "title": ""}, NOW)) == err.VACANCY_INVALID.code


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"posted_at": (NOW + timedelta(minutes=4)).isoformat()}, None),  # clock skew
        ({"posted_at": (NOW + timedelta(minutes=6)).isoformat()}, err.VACANCY_DATES_INVALID.code),
        ({"expires_at": (NOW - timedelta(hours=1)).isoformat()}, err.VACANCY_DATES_INVALID.code),
        ({"expires_at": (NOW + timedelta(days=179)).isoformat()}, None),
        ({"expires_at": (NOW + timedelta(days=181)).isoformat()}, err.VACANCY_DATES_INVALID.code),
        ({"salary_min": 5_000_000}, None),  # equal is a fixed salary
        ({"salary_min": 0, "salary_max": 0}, None),  # an unpaid internship
        ({"salary_max": True}, err.VACANCY_INVALID.code),
        ({"location": "31.71.01.1001"}, err.VACANCY_INVALID.code),
    ],
)
def test_dates_salaries_and_types_at_their_edges(changes: dict[str, Any], code: str | None) -> None:
    assert code_of(rules.judge(item(**changes), NOW)) == code


def test_the_same_content_hashes_the_same_whatever_the_offset() -> None:
    utc, wib = (
        rules.judge(item(), NOW),
        rules.judge(item(posted_at=(NOW - timedelta(hours=1)).astimezone().isoformat()), NOW),
    )
    assert isinstance(utc, Listing) and isinstance(wib, Listing)
    assert utc.content_hash() == wib.content_hash()
    changed = rules.judge(item(salary_max=5_100_000), NOW)
    assert isinstance(changed, Listing) and changed.content_hash() != utc.content_hash()


def test_words_are_folded_and_prefixes_are_ranges() -> None:
    assert rules.words("Staf Admin/Keuangan — Café 24 Jam") == [
        "staf", "admin", "keuangan", "cafe", "24", "jam",
    ]  # fmt: skip
    listing = rules.judge(item(title="Kasir Kasir Toko", company="Toko Maju"), NOW)
    assert isinstance(listing, Listing) and rules.terms(listing) == ["kasir", "toko", "maju"]
    assert rules.query_words("  ") is None and rules.query_words(None) is None
    assert rules.query_words("Kasir kasir TOKO") == ["kasir", "toko"]
    with pytest.raises(ValueError, match="more than 6 words"):
        rules.query_words("a b c d e f g")
    for word in ("kas", "z", "a9", "99"):
        lo, hi = rules.prefix_bounds(word)
        assert lo <= word + "anything" < hi and not lo <= word[:-1] < hi
    lo, hi = rules.prefix_bounds("kas")
    assert not lo <= "kat" < hi and not lo <= "kar" < hi


def test_a_cursor_round_trips_and_anything_else_is_refused() -> None:
    moment = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
    assert rules.decode_cursor(rules.encode_cursor(moment, 42)) == (moment, 42)
    for bad in ("", "x", "djE6MTox", "djI6MTc3MjQ0MjAwMDAwMDAwMDo0Mg", "====", "v1:1:2"):
        assert rules.decode_cursor(bad) is None, bad


SEEKER = Seeker(region_code="31.71.01", education=3, industries=frozenset({"kuliner"}))


def candidate(key: int, industry: str, regency: str, hours_ago: int = 1) -> Candidate:
    return Candidate(key, industry, regency, regency[:2], NOW - timedelta(hours=hours_ago))


def test_points_and_reasons() -> None:
    assert rules.score(candidate(1, "kuliner", "31.71"), SEEKER) == (
        5,
        [MatchReason.COURSE_INDUSTRY, MatchReason.SAME_REGENCY],
    )
    assert rules.score(candidate(2, "kuliner", "31.74"), SEEKER)[0] == 3
    assert rules.score(candidate(3, "it", "31.71"), SEEKER) == (3, [MatchReason.SAME_REGENCY])
    assert rules.score(candidate(4, "kuliner", "35.78"), SEEKER) == (
        2,
        [MatchReason.COURSE_INDUSTRY],
    )
    assert rules.score(candidate(5, "it", "31.74"), SEEKER) == (1, [MatchReason.SAME_PROVINCE])
    assert rules.score(candidate(6, "it", "35.78"), SEEKER) == (0, [])


def test_ranking_is_score_then_newest_then_key_and_ignores_duplicates() -> None:
    found = [
        candidate(10, "it", "35.78", hours_ago=0),  # 0, newest of all
        candidate(11, "kuliner", "31.74", hours_ago=5),  # 3
        candidate(12, "it", "31.71", hours_ago=2),  # 3, newer: before 11
        candidate(13, "kuliner", "31.71", hours_ago=9),  # 5
        candidate(14, "it", "31.71", hours_ago=2),  # 3, as new as 12: higher key first
        candidate(13, "kuliner", "31.71", hours_ago=9),  # the same candidate from two tiers
    ]
    ranked = rules.rank(found, SEEKER, limit=10)
    assert [(c.key, points) for c, points, _ in ranked] == [
        (13, 5), (14, 3), (12, 3), (11, 3), (10, 0),
    ]  # fmt: skip
    assert [c.key for c, _, _ in rules.rank(list(reversed(found)), SEEKER, 2)] == [13, 14]


def test_tiers_cover_every_combination_once() -> None:
    assert len(rules.tiers(SEEKER)) == 6
    assert {(t.course_industry, t.place) for t in rules.tiers(SEEKER)} == {
        (match, place) for match in (True, False) for place in Place
    }
    alone = Seeker(region_code="31.71.01", education=3, industries=frozenset())
    assert rules.tiers(alone) == [Tier(False, place) for place in Place]
