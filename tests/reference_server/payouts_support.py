"""Helpers of the payout tests: card holders with a bearer session, payment partners with an API,
and the state a beneficiary reaches before incentives (a finished first training)."""

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
from reference_server.partners import Credentials, add_partner
from reference_server.runtime import Runtime
from reference_server.storage import tables as t
from reference_server.storage.db import transaction
from simulators.framework.serving import running
from tests.reference_server.applicants import Applicant, sign_up
from tests.reference_server.payout_partner import (
    WEBHOOK_PATH,
    Account,
    Faults,
    PartnerState,
    partner_app,
)

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


def payment_partner(runtime: Runtime, *, base_url: str | None = None) -> Credentials:
    """A payment partner registered with its API's URL (as ``partners add --base-url``)."""
    with transaction(runtime.sessions) as session:
        return add_partner(
            session,
            runtime.keys,
            role=Role.PP,
            name=f"Dompet Uji {secrets.token_hex(3)}",
            base_url=base_url or "http://127.0.0.1:9",
        )


@contextmanager
def running_partner(
    runtime: Runtime, server_url: str, faults: Faults | None = None
) -> Iterator[tuple[PartnerState, Credentials]]:
    """A test payment partner served on a free port and registered with the sandbox."""
    creds = payment_partner(runtime)
    state = PartnerState(
        creds.client_code, creds.sign_key, creds.webhook_key, server_url, faults or Faults()
    )
    with running([(creds.client_code, partner_app(state))]) as urls:
        with transaction(runtime.sessions) as session:
            partner = session.scalars(
                select(t.Partner).where(t.Partner.client_code == creds.client_code)
            ).one()
            partner.base_url = urls[creds.client_code]
            partner.webhook_url = urls[creds.client_code] + WEBHOOK_PATH
        yield state, creds


def open_account(state: PartnerState, holder: Holder, **changes: Any) -> str:
    """An e-wallet on the holder's phone, verified, of the holder's NIK (unless ``changes``)."""
    number = changes.pop("number", holder.phone)
    state.accounts[number] = Account(
        account_type=changes.pop("account_type", "EWALLET"),
        holder_name=changes.pop("holder_name", holder.name),
        nik=changes.pop("nik", holder.nik),
        **changes,
    )
    return str(number)


def owe(runtime: Runtime, holder: Holder, *, at: datetime | None = None) -> None:
    """Start the holder's schedule as if every condition had just been met (first training
    finished, rated and reviewed): what the due run does for an eligible card."""
    from reference_server.domain.schemes import scheme as scheme_named
    from reference_server.services.payouts import start_schedule

    with transaction(runtime.sessions) as session:
        card = session.get_one(t.Card, holder.card_id)
        start_schedule(session, card, scheme_named(card.scheme), at or t.utcnow())


def linked(state: PartnerState, holder: Holder, partner_code: str, **account: Any) -> str:
    """The holder's e-wallet at the partner, linked and confirmed; its number."""
    number = open_account(state, holder, **account)
    answer = holder.link(partner_code, account.get("account_type", "EWALLET"), number)
    assert answer.status_code == 200, answer.text
    confirmed = holder.confirm(answer.json()["data"]["link_id"])
    assert confirmed.status_code == 200, confirmed.text
    return number


def wait_for(check: Any, *, timeout: float = 30.0, what: str = "the condition") -> Any:
    """Poll ``check()`` until it returns something truthy, within ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s")
        time.sleep(0.05)


def a_paid_disbursement(
    runtime: Runtime, http: httpx.Client, state: PartnerState, partner_code: str
) -> dict[str, Any]:
    """A card holder linked at the partner and paid (the due run done in-process, as the worker
    does); the partner's record of the disbursement, as its callback carries it."""
    from reference_server.services.payouts import run_due

    holder = card_holder(runtime, http)
    linked(state, holder, partner_code)
    owe(runtime, holder)
    run_due(runtime)

    def settled() -> dict[str, Any] | None:
        with runtime.sessions() as session:
            did = session.scalar(
                select(t.Disbursement.disbursement_id).where(
                    t.Disbursement.card_id == holder.card_id, t.Disbursement.state == "PAID"
                )
            )
        return state.paid[did]["answer"] if did else None

    answer: dict[str, Any] = wait_for(settled, what="the disbursement paid")
    keys = ("disbursement_id", "partner_reference", "status", "amount", "final_at")
    return {k: answer[k] for k in keys}
