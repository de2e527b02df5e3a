"""Recommendations over HTTP on a server of its own: the applicant's finished courses, region and
education rank live vacancies as docs/decisions.md says, the same way every time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from contract import errors as err
from contract.endpoints import RECOMMENDATIONS
from contract.registration import Stage
from reference_server.storage.db import transaction
from reference_server.storage.tables import Account, Applicant, Vacancy
from tests.factories import assert_api_error, success_data
from tests.reference_server.applicants import Applicant as ApplicantClient
from tests.reference_server.applicants import verified
from tests.reference_server.catalogue_support import beneficiary
from tests.reference_server.vacancies_support import (
    OwnServer,
    finish_course,
    jp,
    own_server,
    push,
    vacancy,
    withdraw,
)

NOW = datetime.now(UTC)
IT, SALES = "teknologi_informasi", "penjualan_pemasaran"
HOME = "31.71.01"  # Gambir, Jakarta Pusat: every applicant here lives there


def _listing(vid: str, hours_ago: int, industry: str, location: str, **changes: Any) -> Any:
    return vacancy(
        vacancy_id=vid,
        industry=industry,
        location=location,
        posted_at=(NOW - timedelta(hours=hours_ago)).isoformat(),
        **changes,
    )


# Newest first: V1 … V6. An IT course finished in Jakarta Pusat scores them 5, 3, 3, 2, 1, 0.
LISTED = [
    _listing("V1", 1, IT, "31.71"),  # IT, the same regency
    _listing("V2", 2, IT, "31.74.01"),  # IT, the same province (Jakarta Selatan)
    _listing("V3", 3, SALES, "31.71.02"),  # the same regency
    _listing("V4", 4, IT, "32.73"),  # IT, elsewhere (Bandung)
    _listing("V5", 5, SALES, "31.74"),  # the same province
    _listing("V6", 6, SALES, "35.78.01", min_education="SD"),  # elsewhere (Surabaya)
    _listing("V7", 0, IT, "31.71.01", min_education="S1"),  # asks more than SMA
    _listing("V8", 0, IT, "31.71.01"),  # withdrawn
    _listing("V9", 0, IT, "31.71.01"),  # expired
]


@dataclass
class World:
    server: OwnServer

    def recommend(self, person: ApplicantClient, **params: Any) -> Any:
        return self.server.http.get(RECOMMENDATIONS.path, params=params, headers=person.auth)

    def person(
        self, *, courses: tuple[str, ...] = (), education: str = "SMA", stage: Stage | None = None
    ) -> ApplicantClient:
        """An applicant of Gambir with a card and these courses finished (as categories)."""
        runtime = self.server.runtime
        person, card = beneficiary(runtime, self.server.http)
        for category in courses:
            finish_course(runtime, card, category)
        with transaction(runtime.sessions) as session:
            account_id = session.scalars(
                select(Account.id).where(Account.account_id == person.account_id)
            ).one()
            values: dict[str, Any] = {"region_code": HOME, "education": education}
            if stage is not None:
                values["stage"] = stage.value
            session.execute(
                update(Applicant).where(Applicant.account_id == account_id).values(**values)
            )
        return person


@pytest.fixture(scope="module")
def world(module_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    log = Path(tmp_path_factory.mktemp("recommend")) / "server.log"
    with own_server(module_database, log, seed_fixtures="true") as server:
        portal = jp(server.partners)
        assert push(portal, LISTED)["accepted"] == len(LISTED)
        withdraw(portal, ["V8"])
        with transaction(server.runtime.sessions) as session:
            session.execute(
                update(Vacancy)
                .where(Vacancy.vacancy_id == "V9")
                .values(expires_at=NOW - timedelta(minutes=1))
            )
        yield World(server)


def ranking(data: dict[str, Any]) -> list[tuple[str, int, list[str]]]:
    return [(r["vacancy"]["vacancy_id"], r["score"], r["reasons"]) for r in data["recommendations"]]


def test_a_finished_course_ranks_its_industry_then_nearness_then_recency(world: World) -> None:
    person = world.person(courses=(IT,))
    data = success_data(world.recommend(person))
    assert data["basis"] == {"industries": [IT], "region_code": HOME, "education": "SMA"}
    assert ranking(data) == [
        ("V1", 5, ["course_industry", "same_regency"]),
        ("V2", 3, ["course_industry", "same_province"]),
        ("V3", 3, ["same_regency"]),  # ties V2 on points; V2 is newer
        ("V4", 2, ["course_industry"]),
        ("V5", 1, ["same_province"]),
        ("V6", 0, []),
    ]
    shown = data["recommendations"][0]["vacancy"]
    assert shown["location"]["regency_code"] == "31.71" and shown["industry"] == IT
    assert success_data(world.recommend(person)) == data  # the same list every time
    top = success_data(world.recommend(person, limit=3))
    assert ranking(top) == ranking(data)[:3]


def test_without_a_finished_course_only_nearness_and_recency_count(world: World) -> None:
    data = success_data(world.recommend(world.person()))
    assert data["basis"]["industries"] == []
    assert [vid for vid, _, _ in ranking(data)] == ["V1", "V3", "V2", "V5", "V4", "V6"]
    assert all("course_industry" not in reasons for _, _, reasons in ranking(data))


def test_two_courses_of_two_industries_both_count(world: World) -> None:
    data = success_data(world.recommend(world.person(courses=(IT, SALES))))
    assert data["basis"]["industries"] == [SALES, IT]  # sorted by value
    scores = {vid: score for vid, score, _ in ranking(data)}
    assert scores == {"V1": 5, "V2": 3, "V3": 5, "V4": 2, "V5": 3, "V6": 2}
    assert [vid for vid, _, _ in ranking(data)] == ["V1", "V3", "V2", "V5", "V4", "V6"]


def test_education_is_a_requirement_not_a_preference(world: World) -> None:
    data = success_data(world.recommend(world.person(courses=(IT,), education="SD")))
    assert [vid for vid, _, _ in ranking(data)] == ["V6"]
    with_degree = success_data(world.recommend(world.person(courses=(IT,), education="S1")))
    assert ranking(with_degree)[0][:2] == ("V7", 5)  # asks S1, the newest of the best


def test_courses_count_only_once_the_applicant_is_selected(world: World) -> None:
    # Before selection the NIK is only declared: someone else's must not reveal their courses.
    waiting = world.person(courses=(IT,), stage=Stage.ELIGIBLE)
    assert success_data(world.recommend(waiting))["basis"]["industries"] == []


def test_refusals(world: World) -> None:
    fresh = verified(world.server.http)
    assert_api_error(world.recommend(fresh), err.IDENTITY_MISSING.code, 409)
    person = world.person()
    for params in ({"limit": 0}, {"limit": 51}, {"limit": "x"}, {"top": 5}):
        assert_api_error(world.recommend(person, **params), err.JOB_SEARCH_INVALID.code)
    anonymous = world.server.http.get(RECOMMENDATIONS.path)
    assert_api_error(anonymous, err.SESSION_INVALID.code, 401)
