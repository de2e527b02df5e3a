"""Helpers of the payout tests: card holders with a bearer session, the payment-partner
simulators registered at the sandbox, and the state a card holder reaches before incentives."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx
from sqlalchemy import select

from contract.endpoints import Role
from contract.registration import Stage
from reference_server.partners import Credentials, add_partner, set_urls
from reference_server.runtime import Runtime
from reference_server.storage import tables as t
from reference_server.storage.db import transaction
from simulators.payment.accounts import AccountBook
from simulators.payment.launch import Credentials as SimCredentials
from simulators.payment.launch import running_payment_partners, webhook_url
from simulators.payment.partners import BY_INSTANCE, ZERO_LATENCY, adjust
from tests.reference_server.applicants import Applicant, sign_up

INCENTIVE = "/incentive"


@dataclass
class Holder:
    """A card holder: the applicant's session, card and identity."""

    applicant: Applicant
    card_id: int
    card_number: str
    nik: str
    phone: str
    name: str

    def link(self, partner_code: str, account_type: str, number: str) -> httpx.Response:
        body = {
            "partner_code": partner_code,
            "account_type": account_type,
            "account_number": number,
        }
        return self.applicant.post(f"{INCENTIVE}/link", body)

    def link_otp(self) -> str:
        answer = self.applicant.http.get(
            "/api/v1/sandbox/sms-inbox", params={"phone_number": self.phone}
        )
        assert answer.status_code == 200, answer.text
        messages = [
            m for m in answer.json()["data"]["messages"] if m["purpose"] == "incentive-link"
        ]
        assert messages, "no link OTP texted"
        return str(messages[0]["otp"])

    def confirm(self, link_id: str, otp: str | None = None) -> httpx.Response:
        body = {"link_id": link_id, "otp": otp or self.link_otp()}
        return self.applicant.post(f"{INCENTIVE}/link/confirm", body)

    def incentives(self) -> dict[str, Any]:
        answer = self.applicant.get(INCENTIVE)
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["data"])


def card_holder(runtime: Runtime, http: httpx.Client, *, scheme: str = "normal") -> Holder:
    """A real account (signed up over HTTP) whose applicant was selected: beneficiary and card."""
    applicant = sign_up(http)
    digits = "".join(secrets.choice("0123456789") for _ in range(12))
    nik, name = "3171" + digits, "Siti Rahayu"
    with transaction(runtime.sessions) as session:
        row = session.scalars(
            select(t.Applicant)
            .join(t.Account, t.Account.id == t.Applicant.account_id)
            .where(t.Account.account_id == applicant.account_id)
        ).one()
        row.nik, row.name, row.stage = nik, name, Stage.BENEFICIARY.value
        person = t.Beneficiary(
            user_id="USRT" + digits,
            nik=nik,
            name=name,
            birth_date=date(1996, 4, 2),
            sex="F",
            education=3,
            phone_number=applicant.phone,
            email=applicant.email,
        )
        session.add(person)
        session.flush()
        card = t.Card(
            beneficiary_id=person.id,
            card_number="7" + digits + "001",
            scheme=scheme,
            status="active",
            balance=0,
        )
        session.add(card)
        session.flush()
        card_id, number = card.id, card.card_number
    return Holder(applicant, card_id, number, nik, applicant.phone, name)


def payment_partner(runtime: Runtime, *, name: str = "Dompet Uji") -> Credentials:
    """A payment partner registered at the sandbox (its URLs are set once it runs)."""
    with transaction(runtime.sessions) as session:
        return add_partner(
            session,
            runtime.keys,
            role=Role.PP,
            name=f"{name} {secrets.token_hex(3)}",
            base_url="http://127.0.0.1:9",
        )


@dataclass
class Sim:
    """One running payment-partner simulator, registered at the sandbox, and its test plumbing."""

    instance: str
    url: str
    creds: Credentials
    http: httpx.Client

    @property
    def code(self) -> str:
        """Its client code at the sandbox."""
        return self.creds.client_code

    def put_account(self, holder: Holder | None = None, **fields: Any) -> str:
        """An account in place (default: a verified e-wallet on the holder's phone and NIK)."""
        body = {
            "account_number": holder.phone if holder else None,
            "holder_name": holder.name if holder else "Pemilik Lain",
            "nik": holder.nik if holder else None,
            "kyc_level": "VERIFIED",
            "account_status": "ACTIVE",
        }
        body.update(fields)
        answer = self.http.post("/_sim/accounts", json=body)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["account_number"])

    def balance(self, number: str) -> int:
        """What the account holds at the partner."""
        answer = self.http.get(f"/_sim/accounts/{number}")
        assert answer.status_code == 200, answer.text
        return int(answer.json()["balance"])

    def paid(self) -> dict[str, tuple[int, int]]:
        """Disbursement id -> (credits, rupiah), from the partner's own credits."""
        found = self.http.get("/_sim/paid").json()["disbursements"]
        return {k: (int(v["count"]), int(v["total"])) for k, v in found.items()}

    def calls(self, path: str) -> int:
        """Prakerja's calls of ``path`` so far."""
        return int(self.http.get("/_sim/traffic").json()["calls"].get(path, 0))

    def most_in_flight(self) -> int:
        """The most of Prakerja's calls it had at once."""
        return int(self.http.get("/_sim/traffic").json()["most_in_flight"])

    def webhooks(self) -> list[dict[str, Any]]:
        """The signed webhooks Prakerja sent it (verified), once per event id."""
        return list(self.http.get("/_sim/webhooks").json()["events"])

    def queue(self, directives: str, **rule: Any) -> None:
        """Misbehave on calls the worker makes (``operation``, ``disbursement_id``, ``times``)."""
        answer = self.http.post("/_sim/simulate", json={"directives": directives, **rule})
        assert answer.status_code == 200, answer.text


@contextmanager
def running_partners(
    runtime: Runtime,
    server_url: str,
    instances: tuple[str, ...] = ("ovo",),
    *,
    every: dict[str, Any] | None = None,
    only: dict[str, dict[str, Any]] | None = None,
    book: AccountBook | None = None,
    mutants: dict[str, str] | None = None,
) -> Iterator[dict[str, Sim]]:
    """The payment-partner simulators ``instances`` (zero latency, never failing, unless
    ``every`` / ``only`` say otherwise), registered at the sandbox with their URLs."""
    specs = adjust(
        [BY_INSTANCE[name] for name in instances],
        every={**ZERO_LATENCY, **(every or {})},
        only=only,
    )
    creds = {name: payment_partner(runtime, name=BY_INSTANCE[name].name) for name in instances}
    keys = {
        name: SimCredentials(c.client_code, c.sign_key, c.webhook_key) for name, c in creds.items()
    }
    with running_payment_partners(book, server_url, keys, specs=specs, mutants=mutants) as urls:
        for name, url in urls.items():
            with transaction(runtime.sessions) as session:
                set_urls(
                    session, creds[name].client_code, base_url=url, webhook_url=webhook_url(url)
                )
        clients = {name: httpx.Client(base_url=url, timeout=10) for name, url in urls.items()}
        try:
            yield {name: Sim(name, urls[name], creds[name], clients[name]) for name in instances}
        finally:
            for client in clients.values():
                client.close()


def owe(runtime: Runtime, holder: Holder, *, at: datetime | None = None) -> None:
    """Start the holder's schedule as if every condition had just been met (first training
    finished, rated and reviewed): what the due run does for an eligible card."""
    from reference_server.domain.schemes import scheme as scheme_named
    from reference_server.services.payouts import start_schedule

    with transaction(runtime.sessions) as session:
        card = session.get_one(t.Card, holder.card_id)
        start_schedule(session, card, scheme_named(card.scheme), at or t.utcnow())


def linked(sim: Sim, holder: Holder, **account: Any) -> str:
    """The holder's account at the partner (an e-wallet by default), linked and confirmed."""
    number = sim.put_account(holder, **account)
    kind = "BANK" if sim.instance in ("bni", "bca") else "EWALLET"
    answer = holder.link(sim.code, kind, number)
    assert answer.status_code == 200, answer.text
    confirmed = holder.confirm(answer.json()["data"]["link_id"])
    assert confirmed.status_code == 200, confirmed.text
    return number


def wait_for(
    check: Any, *, timeout: float = 30.0, what: str = "the condition", every: float = 0.05
) -> Any:
    """Poll ``check()`` every ``every`` seconds until it returns something truthy, within
    ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s")
        time.sleep(every)


def a_paid_disbursement(runtime: Runtime, http: httpx.Client, sim: Sim) -> dict[str, Any]:
    """A card holder linked at the partner and paid (the due run done in-process, as the worker
    does); the disbursement as the partner's callback carries it."""
    from reference_server.services.payouts import run_due

    holder = card_holder(runtime, http)
    linked(sim, holder)
    owe(runtime, holder)
    run_due(runtime)

    def settled() -> t.Disbursement | None:
        with runtime.sessions() as session:
            return session.scalar(
                select(t.Disbursement).where(
                    t.Disbursement.card_id == holder.card_id, t.Disbursement.state == "PAID"
                )
            )

    d = wait_for(settled, what="the disbursement paid")
    return callback_body(d)


def callback_body(d: t.Disbursement, **changes: Any) -> dict[str, Any]:
    """The callback the partner sends for a final disbursement (as recorded)."""
    assert d.partner_final_at is not None and d.partner_reference is not None
    body = {
        "disbursement_id": d.disbursement_id,
        "partner_reference": d.partner_reference,
        "status": "SUCCESS" if d.state == "PAID" else "FAILED",
        "amount": d.amount,
        "failure_code": d.failure_code,
        "final_at": d.partner_final_at.isoformat(),
    }
    body.update(changes)
    return body


def finish_first_training(runtime: Runtime, holder: Holder) -> str:
    """A purchase of a fixture course on the holder's card, redeemed and post-test verified (as
    the DP and LP flows leave it); its transaction code."""
    from reference_server.fixtures import BUILTIN_DP

    code = "RC" + secrets.token_hex(5).upper()
    with transaction(runtime.sessions) as session:
        course = session.scalars(
            select(t.Course).where(t.Course.course_code == "SBX-MANDIRI")
        ).one()
        schedule = session.scalars(
            select(t.Schedule).where(t.Schedule.course_id == course.id)
        ).first()
        dp = session.scalars(select(t.Partner).where(t.Partner.client_code == BUILTIN_DP)).one()
        assert schedule is not None
        purchase = t.Transaction(
            transaction_code="TX" + secrets.token_hex(7).upper(),
            dp_id=dp.id,
            invoice_code=f"INV-{code}",
            invoice_url=f"https://dp.example/invoice/{code}",
            user_platform_id="USR-" + code,
            card_id=holder.card_id,
            course_id=course.id,
            schedule_id=schedule.id,
            amount=course.price,
            status="SUCCESS",
        )
        session.add(purchase)
        session.flush()
        redeem = t.RedeemCode(code=code, transaction_id=purchase.id, course_id=course.id, status=2)
        session.add(redeem)
        session.flush()
        for sequence in (1, 999):
            session.add(t.Attendance(redeem_code_id=redeem.id, sequence=sequence, via="commit"))
        return purchase.transaction_code


def review(holder: Holder, transaction_code: str) -> None:
    """The holder rates and reviews the training (the catalogue's review call)."""
    body = {"transaction_code": transaction_code, "rating": 5, "review": "Sangat bermanfaat."}
    answer = holder.applicant.post("/reviews", body)
    assert answer.status_code == 200, answer.text
