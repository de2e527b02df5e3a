"""Helpers of the job tests: valid vacancies, a job portal's signed calls, search over HTTP, and a
server of a module's own (search and recommendations need a database no other test writes to).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from contract.endpoints import PUSH_VACANCIES, SEARCH_VACANCIES, WITHDRAW_VACANCIES, Role
from reference_server.launch import running_server
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from tests.factories import Partner, Partners, success_data

ROOT = Path(__file__).resolve().parents[2]


def vacancy(**changes: Any) -> dict[str, Any]:
    """A valid vacancy (a cashier in Gambir, Jakarta, posted an hour ago, open for 30 days)."""
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "vacancy_id": f"V-{secrets.token_hex(6)}",
        "title": "Kasir Minimarket",
        "company": "PT Sumber Rejeki",
        "description": "Melayani pembeli, menghitung uang, menjaga kebersihan toko.",
        "location": "31.71.01",
        "min_education": "SMA",
        "industry": "penjualan_pemasaran",
        "job_type": "full_time",
        "salary_min": 4_500_000,
        "salary_max": 5_000_000,
        "posted_at": (now - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=30)).isoformat(),
        "apply_url": "https://loker.example/lowongan/1",
    }
    body.update(changes)
    return body


def jp(partners: Partners) -> Partner:
    """A new job portal."""
    return partners.add(role=Role.JP)


def push(portal: Partner, items: list[Any]) -> dict[str, Any]:
    """Push a batch (asserting the batch itself was taken); the ``data`` with its results."""
    data: dict[str, Any] = success_data(portal.post(PUSH_VACANCIES.path, {"vacancies": items}))
    return data


def outcomes(data: dict[str, Any]) -> list[str]:
    """Each item's result, in batch order (``rejected:CODE`` for a refusal)."""
    return [
        r["result"] if r["code"] is None else f"{r['result']}:{r['code']}" for r in data["results"]
    ]


def withdraw(portal: Partner, ids: list[str]) -> dict[str, Any]:
    """Withdraw vacancies; the ``data`` with its results."""
    data: dict[str, Any] = success_data(portal.post(WITHDRAW_VACANCIES.path, {"vacancy_ids": ids}))
    return data


def search(http: httpx.Client, **params: Any) -> httpx.Response:
    """A search over HTTP (``http`` has the server's base URL), as a job seeker's app makes it."""
    return http.get(SEARCH_VACANCIES.path, params=params)


def found(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every vacancy a search returns, following ``next_cursor`` to the last page."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = success_data(search(http, **params, **({"cursor": cursor} if cursor else {})))
        seen += page["vacancies"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def ids(vacancies: list[dict[str, Any]]) -> list[str]:
    """The vacancy ids, in the order given."""
    return [v["vacancy_id"] for v in vacancies]


@dataclass
class OwnServer:
    """A reference server on a database of its own, with a handle on that database."""

    url: str
    runtime: Runtime
    partners: Partners
    http: httpx.Client  # with the server's base URL


@contextmanager
def own_server(database_url: str, log: Path, **settings: str) -> Iterator[OwnServer]:
    """A server on ``database_url`` (fixtures not seeded, limits out of the way) for a module."""
    secret = Fernet.generate_key().decode()
    env = {
        **os.environ,
        "PRAKERJA_DATABASE_URL": database_url,
        "PRAKERJA_SECRET_KEY": secret,
        "PRAKERJA_RATE_PER_ACCOUNT": "100000",
        "PRAKERJA_RATE_PER_ADDRESS": "100000",
        "PRAKERJA_PASSWORD_HASH_COST": "10",
        "PRAKERJA_SEED_FIXTURES": "false",
        **{f"PRAKERJA_{k.upper()}": v for k, v in settings.items()},
    }
    with running_server(env, log, cwd=ROOT) as url:
        runtime = Runtime(ServerSettings(database_url=database_url, secret_key=secret))
        partners = Partners(runtime, url)
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                yield OwnServer(url, runtime, partners, http)
        finally:
            partners.close()
            runtime.close()


def finish_course(runtime: Runtime, card_number: str, category: str) -> str:
    """A course of the built-in LP in ``category``, bought with the card and finished (post-test
    verified), written as the purchase and the verification page would leave it; its code."""
    from sqlalchemy import select

    from contract.attendance import POST_TEST_SEQUENCE
    from reference_server.fixtures import BUILTIN_DP, BUILTIN_LP
    from reference_server.storage import tables as t
    from reference_server.storage.db import transaction

    code = f"F-{secrets.token_hex(4).upper()}"
    now = datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        lp_id, dp_id = (
            session.scalars(select(t.Partner.id).where(t.Partner.client_code == client)).one()
            for client in (BUILTIN_LP, BUILTIN_DP)
        )
        card = session.scalars(select(t.Card).where(t.Card.card_number == card_number)).one()
        course = t.Course(
            course_code=code, lp_id=lp_id, title=f"Pelatihan {category}", method="self_paced",
            sessions=1, price=500_000, min_age=18, max_age=None, min_education=1,
            category=category,
        )  # fmt: skip
        session.add(course)
        session.flush()
        schedule = t.Schedule(
            schedule_code=f"{code}-S", course_id=course.id, start_at=now - timedelta(days=40),
            end_at=now - timedelta(days=10), capacity=10, quota=9,
        )  # fmt: skip
        session.add(schedule)
        session.flush()
        purchase = t.Transaction(
            transaction_code=f"TX{secrets.token_hex(7).upper()}", dp_id=dp_id,
            invoice_code=f"INV-{code}", invoice_url=f"https://dp.example/inv/{code}",
            user_platform_id=f"u-{code}", card_id=card.id, course_id=course.id,
            schedule_id=schedule.id, amount=500_000, status="SUCCESS",
        )  # fmt: skip
        session.add(purchase)
        session.flush()
        redeem = t.RedeemCode(
            code=f"RC{secrets.token_hex(5).upper()}", transaction_id=purchase.id,
            course_id=course.id, status=2, redeemed_at=now - timedelta(days=39),
        )  # fmt: skip
        session.add(redeem)
        session.flush()
        for sequence in (1, POST_TEST_SEQUENCE):
            session.add(t.Attendance(redeem_code_id=redeem.id, sequence=sequence, via="page"))
    return code
