"""Job search over HTTP on a server of its own: each filter alone and together, text, paging,
only live vacancies, and every bad query refused with its code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from contract import errors as err
from contract.jobs import SearchRequest
from reference_server.services import vacancies as service
from reference_server.storage.db import transaction
from reference_server.storage.tables import Vacancy
from tests.factories import Partner, assert_api_error, success_data
from tests.reference_server.vacancies_support import (
    OwnServer,
    found,
    ids,
    jp,
    own_server,
    push,
    search,
    vacancy,
    withdraw,
)

NOW = datetime.now(UTC)


def _at(hours_ago: int) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat()


# Newest first: A (1 h ago) … E (5 h ago).
LISTED = {
    "A": vacancy(
        vacancy_id="A", title="Kasir Minimarket", company="PT Sumber Rejeki",
        location="31.71.01", min_education="SMA", industry="penjualan_pemasaran",
        job_type="full_time", salary_min=4_500_000, salary_max=5_000_000, posted_at=_at(1),
    ),
    "B": vacancy(
        vacancy_id="B", title="Programmer Web", company="PT Teknologi Nusantara",
        location="32.73", min_education="S1", industry="teknologi_informasi",
        job_type="full_time", salary_min=8_000_000, salary_max=12_000_000, posted_at=_at(2),
    ),
    "C": vacancy(
        vacancy_id="C", title="Barista", company="CV Kopi Kenangan Senja",
        location="35.78.01", min_education="D3", industry="kuliner",
        job_type="part_time", salary_min=2_000_000, salary_max=2_500_000, posted_at=_at(3),
    ),
    "D": vacancy(
        vacancy_id="D", title="Kurir Paket", company="PT Kilat Antar",
        location="31.74.01", min_education="SMP", industry="transportasi_logistik",
        job_type="contract", salary_min=3_500_000, salary_max=4_000_000, posted_at=_at(4),
    ),
    "E": vacancy(
        vacancy_id="E", title="Staf Administrasi", company="PT Teknologi Nusantara",
        location="32.73.02", min_education="SMA", industry="administrasi_perkantoran",
        job_type="internship", salary_min=1_500_000, salary_max=2_000_000, posted_at=_at(5),
    ),
}  # fmt: skip
GONE = {
    "W": vacancy(vacancy_id="W", title="Kasir Withdrawn", location="31.71.01", posted_at=_at(1)),
    "X": vacancy(vacancy_id="X", title="Kasir Expired", location="31.71.01", posted_at=_at(1)),
}


@dataclass
class Jobs:
    server: OwnServer
    portal: Partner

    @property
    def http(self) -> httpx.Client:
        return self.server.http


@pytest.fixture(scope="module")
def jobs(module_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Jobs]:
    log = Path(tmp_path_factory.mktemp("search")) / "server.log"
    with own_server(module_database, log) as server:
        portal = jp(server.partners)
        data = push(portal, [*LISTED.values(), *GONE.values()])
        assert data["accepted"] == len(LISTED) + len(GONE), data
        withdraw(portal, ["W"])
        with transaction(server.runtime.sessions) as session:  # X's time ran out
            session.execute(
                update(Vacancy)
                .where(Vacancy.vacancy_id == "X")
                .values(expires_at=NOW - timedelta(minutes=1))
            )
        yield Jobs(server, portal)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "ABCDE"),
        ({"province": "31"}, "AD"),
        ({"regency": "32.73"}, "BE"),  # a regency-coded vacancy and one in its district
        ({"regency": "31.71"}, "A"),
        ({"education": "SMA"}, "ADE"),  # vacancies asking SMA or less
        ({"education": "SD"}, ""),
        ({"education": "S3"}, "ABCDE"),
        ({"industry": "teknologi_informasi"}, "B"),
        ({"job_type": "part_time"}, "C"),
        ({"salary_min": 5_000_000}, "AB"),  # may pay at least 5 M
        ({"salary_max": 2_000_000}, "CE"),  # starts at 2 M or less
        ({"salary_min": 2_200_000, "salary_max": 4_600_000}, "ACD"),  # ranges that overlap
        ({"q": "programmer"}, "B"),
        ({"q": "teknologi"}, "BE"),  # the company's words count
        ({"q": "admin"}, "E"),  # a word's start
        ({"q": "staf admin"}, "E"),
        ({"q": "KASÍR"}, "A"),  # case and accents folded
        ({"q": "kasir programmer"}, ""),  # every word must match
        ({"q": "ir"}, ""),  # inside a word is not a match
        ({"q": "  ...  "}, "ABCDE"),  # no words: no text filter
        ({"province": "32", "education": "SMA", "job_type": "internship"}, "E"),
        ({"province": "31", "q": "kurir", "salary_min": 3_000_000}, "D"),
        ({"province": "31", "regency": "32.73"}, ""),
    ],
)
def test_each_filter_alone_and_together(jobs: Jobs, params: dict[str, Any], expected: str) -> None:
    assert ids(found(jobs.http, **params)) == list(expected)


def test_results_show_the_vacancy_as_pushed_with_its_place(jobs: Jobs) -> None:
    (shown,) = found(jobs.http, q="barista")
    pushed = LISTED["C"]
    assert shown["portal"]["client_code"] == jobs.portal.creds.client_code
    assert shown["location"] == {
        "code": "35.78.01",
        "regency_code": "35.78",
        "province_code": "35",
        "name": "Karang Pilang, KOTA SURABAYA, JAWA TIMUR",
    }
    for key in ("title", "company", "description", "min_education", "industry", "job_type"):
        assert shown[key] == pushed[key]
    assert (shown["salary_min"], shown["salary_max"]) == (2_000_000, 2_500_000)
    assert shown["apply_url"] == pushed["apply_url"]
    assert datetime.fromisoformat(shown["posted_at"]) == datetime.fromisoformat(
        pushed["posted_at"]
    ).replace(microsecond=0)


def test_pages_follow_the_cursor_to_the_end(jobs: Jobs) -> None:
    pages = []
    cursor = None
    while True:
        page = success_data(search(jobs.http, limit=2, **({"cursor": cursor} if cursor else {})))
        pages.append(ids(page["vacancies"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [["A", "B"], ["C", "D"], ["E"]]
    assert success_data(search(jobs.http, limit=5))["next_cursor"] is None
    first = success_data(search(jobs.http, province="31", limit=1))
    second = success_data(search(jobs.http, province="31", limit=1, cursor=first["next_cursor"]))
    assert (ids(first["vacancies"]), ids(second["vacancies"])) == (["A"], ["D"])
    assert second["next_cursor"] is None


def test_a_vacancy_pushed_meanwhile_does_not_shift_the_next_page(jobs: Jobs) -> None:
    first = success_data(search(jobs.http, limit=2))
    newest = vacancy(vacancy_id="NEW", posted_at=NOW.isoformat())
    push(jobs.portal, [newest])
    try:
        second = success_data(search(jobs.http, limit=2, cursor=first["next_cursor"]))
        assert ids(second["vacancies"]) == ["C", "D"]
        assert ids(success_data(search(jobs.http, limit=1))["vacancies"]) == ["NEW"]
    finally:
        withdraw(jobs.portal, ["NEW"])


BAD_QUERIES: list[tuple[dict[str, Any], str]] = [
    ({"province": "99"}, err.LOCATION_UNKNOWN.code),
    ({"regency": "31.99"}, err.LOCATION_UNKNOWN.code),
    ({"province": "3"}, err.JOB_SEARCH_INVALID.code),
    ({"regency": "31-71"}, err.JOB_SEARCH_INVALID.code),
    ({"salary_min": 5_000_000, "salary_max": 4_000_000}, err.SALARY_RANGE_INVALID.code),
    ({"salary_min": -1}, err.JOB_SEARCH_INVALID.code),
    ({"salary_min": "1.5"}, err.JOB_SEARCH_INVALID.code),
    ({"cursor": "bukan-cursor"}, err.JOB_CURSOR_INVALID.code),
    ({"limit": 0}, err.JOB_SEARCH_INVALID.code),
    ({"limit": 101}, err.JOB_SEARCH_INVALID.code),
    ({"education": "SLTA"}, err.JOB_SEARCH_INVALID.code),
    ({"industry": "pertambangan"}, err.JOB_SEARCH_INVALID.code),
    ({"job_type": "harian"}, err.JOB_SEARCH_INVALID.code),
    ({"provinsi": "31"}, err.JOB_SEARCH_INVALID.code),  # a typo is not ignored
    ({"q": "satu dua tiga empat lima enam tujuh"}, err.JOB_SEARCH_INVALID.code),
    ({"q": "x" * 101}, err.JOB_SEARCH_INVALID.code),
    ({"q": "nul\x00"}, err.JOB_SEARCH_INVALID.code),
]


@pytest.mark.parametrize(("params", "code"), BAD_QUERIES)
def test_bad_queries_are_refused_with_their_code(
    jobs: Jobs, params: dict[str, Any], code: str
) -> None:
    assert_api_error(search(jobs.http, **params), code)


def test_withdrawn_and_expired_vacancies_never_show(jobs: Jobs) -> None:
    assert not {"W", "X"} & set(ids(found(jobs.http, q="kasir")))
    assert ids(found(jobs.http, q="kasir")) == ["A"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "teknologi"},
        {"q": "staf admin"},
        {"q": "kas", "province": "31"},
        {"q": "teknologi", "education": "SMA", "limit": 1},
        {"q": "tidakada"},
    ],
)
def test_a_common_word_walks_the_newest_and_finds_what_the_index_finds(
    jobs: Jobs, params: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite walks the newest vacancies for a word it counts as common (word_filter); every
    word is common at a threshold of one, and the answer must not change."""
    query = SearchRequest.model_validate(params)
    runtime = jobs.server.runtime
    by_index = service.search(runtime, query)
    monkeypatch.setattr(service, "COMMON_WORD", 1)
    walked = service.search(runtime, query)
    assert walked == by_index
    expected = ids(found(jobs.http, **params)) if "limit" not in params else None
    if expected is not None:
        assert ids([v.model_dump() for v in walked.vacancies]) == expected
