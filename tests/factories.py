"""Factories: keyword-only functions and small helpers that build what tests need."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from contract.client import PartnerClient
from contract.endpoints import Role
from reference_server.fixtures import describe
from reference_server.partners import Credentials, add_partner
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction

REDIRECT_URI = "http://127.0.0.1:9/callback"


@dataclass
class Partner:
    """A registered partner: its credentials, a signing client, and its fixtures."""

    creds: Credentials
    client: PartnerClient
    fixtures: dict[str, Any]

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        """A signed POST."""
        return self.client.post(path, body, **kwargs)


class Partners:
    """Creates partners with their fixtures, as ``prakerja partners add`` does."""

    def __init__(self, runtime: Runtime, base_url: str) -> None:
        self.runtime = runtime
        self.base_url = base_url
        self._clients: list[PartnerClient] = []  # closed by close(), not left to the GC

    def add(
        self,
        *,
        role: Role,
        name: str | None = None,
        redirect_uris: tuple[str, ...] = (REDIRECT_URI,),
    ) -> Partner:
        """A new partner of ``role`` with its own fixtures."""
        with transaction(self.runtime.sessions) as session:
            creds = add_partner(
                session,
                self.runtime.keys,
                role=role,
                name=name or f"test {role.value} {secrets.token_hex(3)}",
                redirect_uris=redirect_uris if role is Role.LP else (),
            )
        with self.runtime.sessions() as session:
            data = describe(session, creds.client_code)
        client = PartnerClient(self.base_url, creds.client_code, creds.sign_key)
        self._clients.append(client)
        return Partner(creds, client, data["partners"][0])

    def close(self) -> None:
        """Close every partner's connection pool (an unclosed socket is an error under pytest)."""
        for client in self._clients:
            client.close()
        self._clients.clear()

    def dp(self) -> Partner:
        """A new digital platform."""
        return self.add(role=Role.DP)

    def lp(self, *, redirect_uris: tuple[str, ...] = (REDIRECT_URI,)) -> Partner:
        """A new training provider."""
        return self.add(role=Role.LP, redirect_uris=redirect_uris)


def beneficiary(partner: Partner, slot: str) -> dict[str, Any]:
    """One of a DP's fixture beneficiaries, by slot (normal-1, low-balance, …)."""
    return next(b for b in partner.fixtures["beneficiaries"] if b["slot"] == slot)


def redeem_code(partner: Partner, test_case: str) -> str:
    """One of an LP's fixture PRAT- codes, by test case (TC1-001-200, …)."""
    return str(
        next(r for r in partner.fixtures["redeem_codes"] if r["test_case"] == test_case)[
            "redeem_code"
        ]
    )


def latest_otp(base_url: str, prakerja_id: str) -> str:
    """The newest OTP texted to a card holder, from the sandbox SMS inbox."""
    response = httpx.get(
        f"{base_url}/api/v1/sandbox/sms-inbox", params={"prakerja_id": prakerja_id}
    )
    response.raise_for_status()
    return str(response.json()["data"]["messages"][0]["otp"])


SSO_SCOPE = "name email prakerjaid notelp"


def sso_query(**params: str) -> str:
    """A query string with every value encoded as encodeURIComponent does (keys in given order)."""
    from urllib.parse import quote

    return "&".join(f"{key}={quote(value, safe='')}" for key, value in params.items())


def sso_authorize(
    base_url: str,
    *,
    client_code: str,
    sign_key: str,
    query: str,
    sign_query: bool = True,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A signed generate-url GET; the raw string covers the path with or without ``query``."""
    import time

    from contract.endpoints import SSO_AUTHORIZE_PATH
    from contract.signature import sign

    ts = str(timestamp if timestamp is not None else int(time.time()))
    signed_path = f"{SSO_AUTHORIZE_PATH}?{query}" if sign_query else SSO_AUTHORIZE_PATH
    sent = {
        "X-Client-Id": client_code,
        "X-Timestamp": ts,
        "X-Signature": sign(sign_key, client_code, ts, "GET", signed_path, ""),
        **(headers or {}),
    }
    return httpx.get(f"{base_url}{SSO_AUTHORIZE_PATH}?{query}", headers=sent)


def sso_code(
    base_url: str,
    lp: Partner,
    *,
    card_number: str,
    redirect_uri: str,
    login_uri: str,
    scope: str = SSO_SCOPE,
    state: str | None = None,
) -> str:
    """The code an LP receives after a participant logs in and allows (generate-url, consent page)."""
    from urllib.parse import parse_qs, urlsplit

    # A fresh state by default: the same query signed in the same second would be a replay.
    query = sso_query(
        state=state or f"STATE-{secrets.token_hex(4)}",
        scope=scope,
        client_id=lp.creds.client_code,
        redirect_uri=redirect_uri,
        login_uri=login_uri,
    )
    response = sso_authorize(
        base_url, client_code=lp.creds.client_code, sign_key=lp.creds.sign_key, query=query
    )
    assert response.status_code == 200, response.text
    page_query = parse_qs(urlsplit(response.json()["data"]["redirect_url"]).query)
    form = {key: values[0] for key, values in page_query.items()} | {
        "card_number": card_number,
        "action": "allow",
    }
    consent = httpx.post(f"{base_url}/consent-sso", data=form, follow_redirects=False)
    assert consent.status_code == 303, consent.text
    return parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]


def new_card(session: Any, *, balance: int = 3_500_000) -> Any:
    """A beneficiary of nobody's fixtures with an active card (a buyer only this test knows)."""
    from datetime import date

    from reference_server.storage import tables as t

    digits = "".join(secrets.choice("0123456789") for _ in range(15))
    person = t.Beneficiary(
        user_id="USR" + digits[:12],
        nik="3171" + digits[:12],
        name="peserta uji",
        birth_date=date(1995, 5, 17),
        sex="F",
        education=3,
        phone_number="0813" + digits[:8],
        email=f"{digits}@sandbox.prakerja.test",
    )
    session.add(person)
    session.flush()
    card = t.Card(
        beneficiary_id=person.id,
        card_number="8" + digits,
        scheme="normal",
        status="active",
        balance=balance,
    )
    session.add(card)
    session.flush()
    session.add(
        t.LedgerEntry(card_id=card.id, amount=balance, kind="grant", reference="test", actor="test")
    )
    return card


def purchased_redeem_code(runtime: Runtime, lp: Partner, *, method: str = "MANDIRI") -> str:
    """A redeem code of a real purchase (no PRAT- prefix, no test case) of one of the LP's courses.

    Inserted straight into the database, as the DP purchase flow would leave it.
    """
    from sqlalchemy import select

    from reference_server.fixtures import BUILTIN_DP
    from reference_server.storage import tables as t

    with transaction(runtime.sessions) as session:
        course_code = f"{lp.creds.client_code}-{method}".upper()
        course = session.scalars(select(t.Course).where(t.Course.course_code == course_code)).one()
        schedule = session.scalars(
            select(t.Schedule).where(t.Schedule.course_id == course.id)
        ).first()
        dp = session.scalars(select(t.Partner).where(t.Partner.client_code == BUILTIN_DP)).one()
        assert schedule is not None
        card = new_card(session)
        code = "RC" + secrets.token_hex(5).upper()
        purchase = t.Transaction(
            transaction_code="TX" + secrets.token_hex(7).upper(),
            dp_id=dp.id,
            invoice_code=f"INV-{code}",
            invoice_url=f"https://dp.example/invoice/{code}",
            user_platform_id="USR-" + code,
            card_id=card.id,
            course_id=course.id,
            schedule_id=schedule.id,
            amount=course.price,
            status="SUCCESS",
        )
        session.add(purchase)
        session.flush()
        session.add(
            t.RedeemCode(code=code, transaction_id=purchase.id, course_id=course.id, status=0)
        )
    return code


def verification_url(
    lp: Partner, code: str, sequence: int, *, email: str, redirect_uri: str = REDIRECT_URI
) -> str:
    """The verification page URL that url-generate hands out for one stage."""
    response = lp.post(
        "/api/v1/integration/oauth/url-generate",
        {"redeem_code": code, "redirect_uri": redirect_uri, "email": email, "sequence": sequence},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["url"])


def answer_verification(url: str, action: str = "approve") -> httpx.Response:
    """The participant presses "Verifikasi" (approve) or "Batal" (reject) on the page."""
    return httpx.post(url, data={"action": action}, follow_redirects=False)


def verify_stage(lp: Partner, code: str, sequence: int, *, email: str) -> httpx.Response:
    """Verify one stage the way a participant does: url-generate, then approve on the page."""
    return answer_verification(verification_url(lp, code, sequence, email=email))


def send_otp(
    dp: Partner,
    *,
    slot: str = "normal-1",
    course_code: str = "SBX-MANDIRI",
    schedule_code: str | None = None,
    amount: int = 500_000,
) -> httpx.Response:
    """A send-otp for one of the DP's fixture beneficiaries (the course's OPEN schedule by default)."""
    from contract.endpoints import SEND_OTP

    body = {
        "user_platform_id": f"user-{slot}",
        "prakerja_id": beneficiary(dp, slot)["prakerja_id"],
        "course_code": course_code,
        "schedule_code": schedule_code or f"{course_code}-OPEN",
        "amount": amount,
    }
    return dp.post(SEND_OTP.path, body)


def start_purchase(dp: Partner, base_url: str, **order: Any) -> tuple[str, str]:
    """Send-otp (keywords as ``send_otp``) and read the texted OTP: (payment_token, otp)."""
    response = send_otp(dp, **order)
    assert response.status_code == 200, response.text
    prakerja_id = beneficiary(dp, order.get("slot", "normal-1"))["prakerja_id"]
    return response.json()["data"]["payment_token"], latest_otp(base_url, prakerja_id)


def authorize(
    dp: Partner, token: str, otp: str, *, invoice_code: str | None = None
) -> httpx.Response:
    """An authorize with ``Authorization: Payment <token>`` (a fresh invoice code unless given)."""
    from contract.endpoints import AUTHORIZE

    code = invoice_code or f"INV-{secrets.token_hex(6)}"
    body = {"otp": otp, "invoice_url": f"https://dp.example/invoice/{code}", "invoice_code": code}
    return dp.post(AUTHORIZE.path, body, authorization=f"Payment {token}")


def buy(dp: Partner, base_url: str, **order: Any) -> dict[str, Any]:
    """A whole purchase (send-otp, OTP from the inbox, authorize); the authorize ``data``."""
    token, otp = start_purchase(dp, base_url, **order)
    response = authorize(dp, token, otp)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def card_money(runtime: Runtime, prakerja_id: str) -> tuple[int, int]:
    """A card's balance and the sum of its ledger entries (the two must always agree)."""
    from sqlalchemy import func, select

    from reference_server.storage.tables import Card, LedgerEntry

    with runtime.sessions() as session:
        card = session.scalars(select(Card).where(Card.card_number == prakerja_id)).one()
        total = session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.card_id == card.id
            )
        )
        return card.balance, int(total or 0)


def private_schedule(
    runtime: Runtime,
    *,
    price: int = 500_000,
    quota: int = 10,
    starts_in_days: int = 30,
    max_age: int | None = None,
) -> tuple[str, str]:
    """A course and schedule of the built-in LP that only the calling test uses: (course, schedule)."""
    from datetime import timedelta

    from sqlalchemy import select

    from reference_server.fixtures import BUILTIN_LP
    from reference_server.storage.tables import Course, Schedule, utcnow
    from reference_server.storage.tables import Partner as PartnerRow

    code = f"T-{secrets.token_hex(4).upper()}"
    start = utcnow() + timedelta(days=starts_in_days)
    with transaction(runtime.sessions) as session:
        lp_id = session.scalars(
            select(PartnerRow.id).where(PartnerRow.client_code == BUILTIN_LP)
        ).one()
        course = Course(
            course_code=code,
            lp_id=lp_id,
            title=f"Pelatihan uji {code}",
            method="self_paced",
            sessions=1,
            price=price,
            min_age=18,
            max_age=max_age,
            min_education=1,
        )
        session.add(course)
        session.flush()
        session.add(
            Schedule(
                schedule_code=f"{code}-S",
                course_id=course.id,
                start_at=start,
                end_at=start + timedelta(days=30),
                capacity=max(quota, 1),
                quota=quota,
            )
        )
    return code, f"{code}-S"


def success_data(response: httpx.Response) -> Any:
    """The ``data`` of a 200 success envelope (fails the test on anything else)."""
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["success"] is True, payload
    return payload["data"]


def assert_api_error(response: httpx.Response, code: str, status: int = 400) -> None:
    """The response is the error envelope with this catalogued code."""
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["success"] is False, payload
    assert payload["code"] == code, payload
    assert payload["message"]


def run_report(
    *,
    partner: str,
    role: Role,
    mode: Any = None,
    capabilities: tuple[str, ...] | None = None,
    failing: tuple[str, ...] = (),
    waived: tuple[str, ...] = (),
) -> Any:
    """A whole, honest certification report: one result per applicable requirement, the ones in
    ``failing`` failed and those in ``waived`` failed under a waiver."""
    from contract import VERSION
    from contract.certification import (
        CheckResult,
        Outcome,
        RunReport,
        Waiver,
        report_digest,
        summarize,
    )
    from contract.requirements import CAPABILITIES, CATALOGUE_VERSION, Mode, for_partner

    mode = mode or Mode.CLIENT
    caps = tuple(CAPABILITIES[role]) if capabilities is None else capabilities
    results = []
    for requirement in for_partner(role, mode, frozenset(caps)):
        outcome = Outcome.PASSED
        waiver = None
        if requirement.id in failing:
            outcome = Outcome.FAILED
        elif requirement.id in waived:
            outcome, waiver = Outcome.WAIVED, Waiver(reason="known", expires="2099-01-01")
        results.append(
            CheckResult(
                requirement_id=requirement.id,
                level=requirement.level,
                check="test_check",
                outcome=outcome,
                message="" if outcome is Outcome.PASSED else "Broken on purpose.",
                duration_ms=1,
                waiver=waiver,
            )
        )
    draft = RunReport(
        run_id=secrets.token_hex(16),
        partner=partner,
        role=role,
        mode=mode,
        target="http://127.0.0.1:9",
        capabilities=sorted(caps),
        contract_version=VERSION,
        catalogue_version=CATALOGUE_VERSION,
        harness_version="test",
        started_at="2025-01-01T00:00:00+00:00",
        finished_at="2025-01-01T00:00:01+00:00",
        results=results,
        summary=summarize(results),
        digest="0" * 64,
    )
    return draft.model_copy(update={"digest": report_digest(draft)})
