"""Helpers of the catalogue tests: course bodies, submissions and assessments over the API, and a
beneficiary with an account and a card who can buy, finish and review."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from contract.catalogue import AssessmentKind
from contract.endpoints import ASSESS, AUTHORIZE, INDICATORS, SEND_OTP, SUBMIT_COURSE, Role
from contract.registration import Stage
from reference_server.domain import curation
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import Account, Applicant, Beneficiary, Schedule
from tests.factories import Partner, Partners, latest_otp, new_card, success_data
from tests.reference_server.applicants import Applicant as ApplicantClient
from tests.reference_server.applicants import verified

PRICE = 650_000


def pmo(partners: Partners) -> Partner:
    """A new programme-office partner."""
    return partners.add(role=Role.PMO)


def code(prefix: str = "C") -> str:
    """A course or schedule code no other test uses."""
    return f"{prefix}-{secrets.token_hex(4).upper()}"


def schedule(
    schedule_code: str | None = None, *, starts_in_days: int = 20, capacity: int = 25
) -> dict[str, Any]:
    """A schedule that starts in the future (Jakarta time) and runs four weeks."""
    start = (datetime.now(UTC) + timedelta(days=starts_in_days)).replace(microsecond=0)
    return {
        "schedule_code": schedule_code or code("S"),
        "start_at": start.astimezone().isoformat(),
        "end_at": (start + timedelta(days=28)).isoformat(),
        "capacity": capacity,
    }


def course_body(lp: Partner, **changes: Any) -> dict[str, Any]:
    """A valid self-paced course of ``lp`` with one schedule (``changes`` override fields)."""
    body: dict[str, Any] = {
        "lp_client_code": lp.creds.client_code,
        "course_code": code(),
        "title": "Teknik Penjualan Online untuk Pemula",
        "description": "Membuka toko daring, menulis deskripsi produk dan melayani pembeli.",
        "category": "penjualan_pemasaran",
        "method": "self_paced",
        "duration_hours": 6,
        "price": PRICE,
        "min_age": 18,
        "min_education": "SMP",
        "schedules": [schedule()],
    }
    body.update(changes)
    return body


def submit(dp: Partner, body: dict[str, Any]) -> dict[str, Any]:
    """Submit a course; the SubmissionData (fails the test on an error)."""
    data: dict[str, Any] = success_data(dp.post(SUBMIT_COURSE.path, body))
    return data


def all_good(kind: AssessmentKind, score: int = 5) -> dict[str, int]:
    """The same score for every indicator of ``kind``."""
    return {i.id: score for i in curation.indicator_set(kind).indicators}


def failing(kind: AssessmentKind) -> tuple[dict[str, int], str]:
    """Scores that fail ``kind`` on one critical indicator only: (scores, that indicator's id)."""
    scores = all_good(kind)
    critical = next(i for i in curation.indicator_set(kind).indicators if i.critical)
    scores[critical.id] = 1
    return scores, critical.id


def assess(
    office: Partner,
    course_code: str,
    kind: AssessmentKind = AssessmentKind.ENTRY,
    scores: dict[str, int] | None = None,
    **extra: Any,
) -> httpx.Response:
    """An assessment (all 5s unless ``scores``)."""
    body = {"course_code": course_code, "kind": kind.value, "scores": scores or all_good(kind)}
    return office.post(ASSESS.path, {**body, **extra})


def approved(dp: Partner, lp: Partner, office: Partner, **changes: Any) -> dict[str, Any]:
    """A course of ``lp`` submitted by ``dp`` and approved: its SubmissionData after approval."""
    body = course_body(lp, **changes)
    submit(dp, body)
    success_data(assess(office, body["course_code"]))
    data: dict[str, Any] = success_data(
        dp.post("/api/v1/catalogue/submissions/status", {"course_code": body["course_code"]})
    )
    return data


def indicators(base_url: str) -> dict[str, Any]:
    """The published indicators."""
    data: dict[str, Any] = success_data(httpx.get(base_url + INDICATORS.path))
    return data


# --- a beneficiary who buys, learns and reviews -------------------------------------------------


def beneficiary(runtime: Runtime, http: httpx.Client) -> tuple[ApplicantClient, str]:
    """An applicant with a bearer session who holds an active card: (client, card number).

    The card is made in the database, as a wave's draw would leave it (stage BENEFICIARY, the
    card found through the NIK), so the test does not need a wave of its own.
    """
    person = verified(http)
    with transaction(runtime.sessions) as session:
        card = new_card(session)
        holder = session.get_one(Beneficiary, card.beneficiary_id)
        row = session.scalars(
            select(Applicant)
            .join(Account, Account.id == Applicant.account_id)
            .where(Account.account_id == person.account_id)
        ).one()
        row.nik, row.name, row.birth_date = holder.nik, holder.name, holder.birth_date
        row.stage = Stage.BENEFICIARY.value
        number = card.card_number
    return person, number


def buy(
    dp: Partner, base_url: str, card_number: str, course_code: str, schedule_code: str
) -> dict[str, Any]:
    """The whole payment flow for a card: send-otp, the OTP from the inbox, authorize."""
    order = {
        "user_platform_id": f"u-{card_number[-6:]}",
        "prakerja_id": card_number,
        "course_code": course_code,
        "schedule_code": schedule_code,
        "amount": PRICE,
    }
    token = success_data(dp.post(SEND_OTP.path, order))["payment_token"]
    otp = latest_otp(base_url, card_number)
    invoice = f"INV-{secrets.token_hex(5)}"
    body = {"otp": otp, "invoice_url": f"https://dp.example/inv/{invoice}", "invoice_code": invoice}
    data: dict[str, Any] = success_data(
        dp.post(AUTHORIZE.path, body, authorization=f"Payment {token}")
    )
    return data


def seats(runtime: Runtime, schedule_code: str) -> int:
    """Seats left on a schedule."""
    with runtime.sessions() as session:
        return session.scalars(
            select(Schedule.quota).where(Schedule.schedule_code == schedule_code)
        ).one()
