"""The job portals' vacancies and change log, without a server: valid, realistic, repeatable, and a
feed that never repeats or skips."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from contract.jobs import Vacancy
from reference_server.domain import vacancies as rules
from reference_server.domain.vacancies import Listing as Stored
from simulators.framework.registry import SimConfig
from simulators.jobportal.listings import Listings, cursor_of, seq_of
from simulators.jobportal.portals import PORTALS, spec_of
from simulators.jobportal.vacancies import UMP_2024, VacancyMaker

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def maker(seed: int | str = 1, **changes: object) -> VacancyMaker:
    options: dict[str, object] = {
        "id_prefix": "T",
        "apply_base": "https://portal.example",
        **changes,
    }
    return VacancyMaker(seed, **options)  # type: ignore[arg-type]


def test_every_vacancy_is_one_the_server_takes_in() -> None:
    make = maker()
    made = [make.new(NOW) for _ in range(400)]
    for listing in made:
        Vacancy.model_validate(listing.body)  # the contract's schema
        assert isinstance(rules.judge(listing.body, NOW), Stored), listing.body  # and its rules
    assert len({m.vacancy_id for m in made}) == len(made)
    industries = Counter(m.body["industry"] for m in made)
    assert len(industries) >= 12  # every field varies
    assert len({m.body["company"] for m in made}) > 300
    assert {m.body["location"].count(".") for m in made} == {1, 2}  # regencies and districts


def test_salaries_are_rupiah_near_the_province_minimum_wage() -> None:
    make = maker(seed=3)
    for listing in (make.new(NOW) for _ in range(300)):
        body = listing.body
        low, high = body["salary_min"], body["salary_max"]
        assert isinstance(low, int) and low % 50_000 == 0 and high % 50_000 == 0
        assert low < high
        ump = UMP_2024[body["location"][:2]]
        assert 0.35 * ump <= low <= 4.5 * ump, body


def test_the_same_seed_gives_the_same_vacancies_and_another_seed_others() -> None:
    first = [maker(seed=7).new(NOW).body for _ in range(1)]
    again = maker(seed=7)
    assert [again.new(NOW).body for _ in range(1)] == first
    one, two = maker(seed=7), maker(seed=8)
    assert [one.new(NOW).body for _ in range(20)] != [two.new(NOW).body for _ in range(20)]
    same_a, same_b = maker(seed=7), maker(seed=7)
    assert [same_a.new(NOW).body for _ in range(50)] == [same_b.new(NOW).body for _ in range(50)]


def test_a_regional_portal_lists_in_its_provinces() -> None:
    spec = spec_of("infoloker-daerah")
    assert spec.focus is not None
    make = maker(focus=spec.focus)
    provinces = {make.new(NOW).body["location"][:2] for _ in range(200)}
    assert provinces <= set(spec.focus)
    assert len(provinces) >= 4


def test_a_revision_changes_content_but_keeps_the_vacancy_and_its_rules() -> None:
    make = maker(seed=5)
    for _ in range(50):
        listing = make.new(NOW)
        revised = make.revise(make.revise(make.revise(listing)))
        assert revised.vacancy_id == listing.vacancy_id
        assert revised.body != listing.body
        assert isinstance(rules.judge(revised.body, NOW), Stored)


def test_the_salary_mutants_vacancies_are_inverted_and_nothing_else() -> None:
    good, bad = maker(seed=9), maker(seed=9, salary_inverted=True)
    for _ in range(30):
        right, wrong = good.new(NOW).body, bad.new(NOW).body
        assert wrong["salary_min"] > wrong["salary_max"]
        assert (wrong["salary_min"], wrong["salary_max"]) == (
            right["salary_max"],
            right["salary_min"],
        )
        assert {k: v for k, v in wrong.items() if not k.startswith("salary")} == {
            k: v for k, v in right.items() if not k.startswith("salary")
        }


def _read_all(listings: Listings, cursor: str | None, limit: int) -> tuple[list[str], str | None]:
    seen: list[str] = []
    while True:
        seq = seq_of(cursor)
        assert seq is not None
        page = listings.page_after(seq, limit)
        seen += [v["vacancy_id"] for v in page.vacancies]
        cursor = cursor_of(page.last_seq)
        if not page.has_more:
            return seen, cursor


def test_the_change_log_lists_each_latest_change_once_oldest_first() -> None:
    listings = Listings()
    make = maker(seed=11)
    made = [make.new(NOW) for _ in range(25)]
    for listing in made:
        listings.publish(listing.body)
    everything, cursor = _read_all(listings, None, 4)
    assert everything == [m.vacancy_id for m in made]  # every page of 4, no repeat, no gap
    nothing, same = _read_all(listings, cursor, 4)
    assert (nothing, same) == ([], cursor)  # nothing new: the same cursor
    # Changes after the cursor: one edited twice, one withdrawn, one new.
    listings.publish(make.revise(made[3]).body)
    listings.withdraw(made[7].vacancy_id)
    listings.publish(make.revise(make.revise(made[3])).body)
    late = make.new(NOW)
    listings.publish(late.body)
    changed, _ = _read_all(listings, cursor, 2)
    assert changed == [made[7].vacancy_id, made[3].vacancy_id, late.vacancy_id]
    page = listings.page_after(seq_of(cursor) or 0, 10)
    status = {v["vacancy_id"]: v["status"] for v in page.vacancies}
    assert status == {
        made[7].vacancy_id: "withdrawn",
        made[3].vacancy_id: "open",
        late.vacancy_id: "open",
    }
    assert not listings.withdraw(made[7].vacancy_id)  # already withdrawn
    assert not listings.withdraw("no-such-id")


@pytest.mark.parametrize("text", ["", "c", "c-1", "7", "c1x", "C1", "c" + "9" * 13])
def test_anything_but_a_cursor_is_not_one(text: str) -> None:
    assert seq_of(text) is None
    assert seq_of(None) == 0 and seq_of("c0") == 0 and seq_of("c42") == 42


def test_three_portals_with_rates_and_a_compressed_clock() -> None:
    from simulators.jobportal.app import Portal
    from simulators.jobportal.kinds import JOB_PORTAL

    assert [spec.instance for spec in PORTALS] == ["lokerkita", "kerjanusa", "infoloker-daerah"]
    assert len({spec.name for spec in PORTALS}) == 3
    assert [spec.push for spec in PORTALS] == [True, False, True]
    app = JOB_PORTAL.factory(
        SimConfig(instance="lokerkita", options={"time_scale": 1440.0, "per_day": 2880})
    )
    portal: Portal = app.state.portal
    # 2,880 a simulated day at a day per real minute: 48 a real second; fractions carry over.
    assert portal.due(0.5) == (24, 4, 2)
    assert sum(portal.due(0.01)[0] for _ in range(100)) == 48
    assert portal.due(60.0)[0] == 2880
