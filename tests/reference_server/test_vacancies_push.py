"""A job portal pushes and withdraws vacancies over HTTP: per-item results, idempotency, updates,
withdrawal, expiry, and the batch refusals."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from contract import errors as err
from contract.endpoints import PUSH_VACANCIES, WITHDRAW_VACANCIES
from contract.jobs import PUSH_MAX_ITEMS
from reference_server.domain.eligibility import WIB
from reference_server.runtime import Runtime
from reference_server.services import vacancies as service
from reference_server.storage.db import transaction
from reference_server.storage.tables import Vacancy
from tests.factories import Partner, Partners, assert_api_error
from tests.reference_server.vacancies_support import (
    found,
    ids,
    jp,
    outcomes,
    push,
    vacancy,
    withdraw,
)

NOW = datetime.now(UTC)
# Each bad item and the code its result must carry.
BAD_ITEMS: list[tuple[str, Any, str]] = [
    ("not an object", 42, err.VACANCY_INVALID.code),
    (
        "a field missing",
        {k: v for k, v in vacancy().items() if k != "company"},
        err.VACANCY_INVALID.code,
    ),
    ("an unknown field", vacancy(salary="lima juta"), err.VACANCY_INVALID.code),
    ("a float salary", vacancy(salary_min=4_500_000.5), err.VACANCY_INVALID.code),
    ("a salary as text", vacancy(salary_max="5000000"), err.VACANCY_INVALID.code),
    ("an unknown industry", vacancy(industry="pertambangan"), err.VACANCY_INVALID.code),
    ("an unknown education", vacancy(min_education="SLTA"), err.VACANCY_INVALID.code),
    ("a naive time", vacancy(posted_at="2024-01-01T10:00:00"), err.VACANCY_INVALID.code),
    ("not an http URL", vacancy(apply_url="javascript:alert(1)"), err.VACANCY_INVALID.code),
    ("a NUL in the title", vacancy(title="Kasir\x00"), err.VACANCY_INVALID.code),
    ("a bad vacancy_id", vacancy(vacancy_id="a b/c"), err.VACANCY_INVALID.code),
    ("a location off the list", vacancy(location="31.71.99"), err.LOCATION_UNKNOWN.code),
    ("a province as location", vacancy(location="31"), err.VACANCY_INVALID.code),
    ("salary_min > salary_max", vacancy(salary_min=6_000_000), err.SALARY_RANGE_INVALID.code),
    (
        "posted in the future",
        vacancy(posted_at=(NOW + timedelta(days=1)).isoformat()),
        err.VACANCY_DATES_INVALID.code,
    ),
    (
        "expires before it is posted",
        vacancy(
            posted_at=(NOW - timedelta(days=2)).isoformat(),
            expires_at=(NOW - timedelta(days=3)).isoformat(),
        ),
        err.VACANCY_DATES_INVALID.code,
    ),
    (
        "open for a year",
        vacancy(expires_at=(NOW + timedelta(days=365)).isoformat()),
        err.VACANCY_DATES_INVALID.code,
    ),
    (
        "already expired",
        vacancy(
            posted_at=(NOW - timedelta(days=40)).isoformat(),
            expires_at=(NOW - timedelta(days=10)).isoformat(),
        ),
        err.VACANCY_EXPIRED.code,
    ),
]


@pytest.fixture
def portal(partners: Partners) -> Partner:
    return jp(partners)


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


def marker() -> str:
    """A word no other test's vacancies carry: searching it finds this test's only."""
    return f"uji{secrets.token_hex(5)}"


def test_every_bad_item_gets_its_code_and_the_rest_are_taken(
    portal: Partner, http: httpx.Client
) -> None:
    word = marker()
    good = [vacancy(title=f"Kasir {word}"), vacancy(title=f"Staf Gudang {word}")]
    batch = [good[0], *(item for _, item, _ in BAD_ITEMS), good[1]]
    data = push(portal, batch)
    expected = ["accepted"] + [f"rejected:{code}" for _, _, code in BAD_ITEMS] + ["accepted"]
    assert outcomes(data) == expected
    assert (data["accepted"], data["rejected"]) == (2, len(BAD_ITEMS))
    for result, (what, _, _) in zip(data["results"][1:-1], BAD_ITEMS, strict=True):
        assert result["message"], what
    assert [r["index"] for r in data["results"]] == list(range(len(batch)))
    assert data["results"][1]["vacancy_id"] is None  # 42 has no id to name
    assert sorted(ids(found(http, q=word))) == sorted(v["vacancy_id"] for v in good)


def test_a_repeated_id_in_one_batch_counts_once(portal: Partner) -> None:
    first = vacancy()
    data = push(portal, [first, {**first, "title": "Kasir Shift Malam"}])
    assert outcomes(data) == ["accepted", f"rejected:{err.VACANCY_DUPLICATE_IN_BATCH.code}"]


def test_the_same_content_is_a_no_op_and_changed_content_an_update(
    portal: Partner, http: httpx.Client, runtime: Runtime
) -> None:
    word = marker()
    items = [vacancy(title=f"Barista {word}"), vacancy(title=f"Koki {word}")]
    assert outcomes(push(portal, items)) == ["accepted", "accepted"]
    before = _rows(runtime, ids(items))
    # The same content again, one of them with its times in another offset (the same instants).
    in_wib = datetime.fromisoformat(items[1]["posted_at"]).astimezone(WIB).isoformat()
    again = [items[0], {**items[1], "posted_at": in_wib}]
    assert outcomes(push(portal, again)) == ["unchanged", "unchanged"]
    assert _rows(runtime, ids(items)) == before  # nothing written

    changed = {**items[1], "title": f"Kepala Dapur {word}", "salary_max": 7_000_000}
    assert outcomes(push(portal, [items[0], changed])) == ["unchanged", "updated"]
    seen = {v["vacancy_id"]: v for v in found(http, q=word)}
    assert seen[changed["vacancy_id"]]["title"] == f"Kepala Dapur {word}"
    assert seen[changed["vacancy_id"]]["salary_max"] == 7_000_000
    assert ids(found(http, q=f"koki {word}")) == []  # the old title's words are gone
    assert ids(found(http, q=f"kepala {word}")) == [changed["vacancy_id"]]


def test_portals_have_their_own_ids(partners: Partners, http: httpx.Client) -> None:
    word = marker()
    one, other = jp(partners), jp(partners)
    item = vacancy(title=f"Operator {word}")
    assert outcomes(push(one, [item])) == ["accepted"]
    assert outcomes(push(other, [item])) == ["accepted"]
    portals = {v["portal"]["client_code"] for v in found(http, q=word)}
    assert portals == {one.creds.client_code, other.creds.client_code}
    # A portal withdraws only its own.
    data = withdraw(other, [item["vacancy_id"]])
    assert [r["result"] for r in data["results"]] == ["withdrawn"]
    assert [v["portal"]["client_code"] for v in found(http, q=word)] == [one.creds.client_code]


def test_withdrawal_takes_a_vacancy_out_and_a_push_brings_it_back(
    portal: Partner, http: httpx.Client
) -> None:
    word = marker()
    items = [vacancy(title=f"Sopir {word}"), vacancy(title=f"Kurir {word}")]
    push(portal, items)
    gone, kept = items
    data = withdraw(portal, [gone["vacancy_id"], gone["vacancy_id"], "V-tidak-ada"])
    assert [(r["result"], r["code"]) for r in data["results"]] == [
        ("withdrawn", None),
        ("unchanged", None),
        ("rejected", err.VACANCY_NOT_FOUND.code),
    ]
    assert (data["withdrawn"], data["unchanged"], data["rejected"]) == (1, 1, 1)
    assert ids(found(http, q=word)) == [kept["vacancy_id"]]
    again = withdraw(portal, [gone["vacancy_id"]])
    assert [r["result"] for r in again["results"]] == ["unchanged"]
    assert outcomes(push(portal, [gone])) == ["updated"]  # re-opened
    assert sorted(ids(found(http, q=word))) == sorted(ids(items))


def test_expired_vacancies_drop_out_of_search_and_the_daily_job_marks_them(
    portal: Partner, http: httpx.Client, runtime: Runtime
) -> None:
    word = marker()
    items = [vacancy(title=f"Satpam {word}"), vacancy(title=f"Resepsionis {word}")]
    push(portal, items)
    lapsed, live = items
    past = datetime.now(UTC) - timedelta(minutes=1)
    with transaction(runtime.sessions) as session:  # time passes for one of them
        session.execute(
            update(Vacancy)
            .where(Vacancy.vacancy_id == lapsed["vacancy_id"])
            .values(expires_at=past)
        )
    assert ids(found(http, q=word)) == [live["vacancy_id"]]  # before the daily job
    assert service.expire(runtime) >= 1
    assert _status(runtime, lapsed["vacancy_id"]) == "expired"
    assert _status(runtime, live["vacancy_id"]) == "open"
    renewed = {**lapsed, "expires_at": (datetime.now(UTC) + timedelta(days=14)).isoformat()}
    assert outcomes(push(portal, [renewed])) == ["updated"]
    assert sorted(ids(found(http, q=word))) == sorted(ids(items))


def test_batch_refusals(portal: Partner, partners: Partners) -> None:
    path = PUSH_VACANCIES.path
    assert_api_error(portal.post(path, {"vacancies": []}), err.JOB_PUSH_INVALID.code)
    assert_api_error(portal.post(path, {}), err.JOB_PUSH_INVALID.code)
    assert_api_error(portal.post(path, [vacancy()]), err.JOB_PUSH_INVALID.code)
    assert_api_error(portal.post(path, {"vacancies": {}}), err.JOB_PUSH_INVALID.code)
    too_many = {"vacancies": [vacancy() for _ in range(PUSH_MAX_ITEMS + 1)]}
    assert_api_error(portal.post(path, too_many), err.JOB_PUSH_INVALID.code)
    assert_api_error(
        portal.post(WITHDRAW_VACANCIES.path, {"vacancy_ids": []}), err.JOB_PUSH_INVALID.code
    )
    dp = partners.dp()
    assert_api_error(dp.post(path, {"vacancies": [vacancy()]}), err.WRONG_ROLE.code, 403)


def test_a_full_batch_of_long_vacancies_fits_and_more_is_refused(portal: Partner) -> None:
    long_text = "Tanggung jawab: melayani pelanggan dengan ramah. " * 80  # ~4,000 characters
    batch = [vacancy(description=long_text[:4000]) for _ in range(PUSH_MAX_ITEMS)]
    data = push(portal, batch)  # ~420 KiB: over the 64 KiB of other bodies, under the 1 MiB cap
    assert data["accepted"] == PUSH_MAX_ITEMS
    oversize = {"vacancies": [vacancy(description="x" * 1_100_000)]}
    assert_api_error(portal.post(PUSH_VACANCIES.path, oversize), err.BODY_TOO_LARGE.code, 413)


# --- helpers ---------------------------------------------------------------------------------


def _rows(runtime: Runtime, vacancy_ids: list[str]) -> list[tuple[Any, ...]]:
    with runtime.sessions() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(Vacancy.vacancy_id, Vacancy.updated_at, Vacancy.content_hash)
                .where(Vacancy.vacancy_id.in_(vacancy_ids))
                .order_by(Vacancy.vacancy_id)
            )
        ]


def _status(runtime: Runtime, vacancy_id: str) -> str:
    with runtime.sessions() as session:
        return str(session.scalar(select(Vacancy.status).where(Vacancy.vacancy_id == vacancy_id)))
