"""Webhooks Prakerja sends partners: signed with the receiver's webhook key, delivered at least
once (retried until a 2xx), for a revoked card (every DP) and a voided purchase (the course's LP).
The receiver here stands where a partner's endpoint would, verifying as contract.inbound does."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from contract import inbound
from contract.endpoints import REVOKE_EXPIRED, VOID
from reference_server.partners import set_urls
from reference_server.runtime import Runtime
from reference_server.storage import tables as t
from reference_server.storage.db import transaction
from simulators.framework.serving import running
from tests.factories import Partner, Partners, buy, success_data
from tests.reference_server import waves_support as ws
from tests.reference_server.payouts_support import wait_for

HOOK = "/hooks/prakerja"


@dataclass
class Receiver:
    """A partner's webhook endpoint: verifies, keeps events, can refuse the first deliveries."""

    keys: dict[str, str]  # client_code -> webhook_key
    events: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    refuse_next: int = 0

    def app(self) -> FastAPI:
        verifier = inbound.InboundVerifier(self.keys.get)
        app = FastAPI()

        @app.post(HOOK)
        async def hook(request: Request) -> JSONResponse:
            body = await request.body()
            try:
                verifier.check("POST", request.url.path, request.headers, body)
            except inbound.InboundRefused as exc:
                return JSONResponse({"refused": exc.reason}, 401)
            if self.refuse_next > 0:
                self.refuse_next -= 1
                self.refused += 1
                return JSONResponse({"busy": True}, 503)
            self.events.append(json.loads(body))
            return JSONResponse({"ok": True})

        return app

    def of(self, event_type: str, **data: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["event_type"] == event_type and all(e["data"].get(k) == v for k, v in data.items())
        ]


@pytest.fixture
def receiving(runtime: Runtime, partners: Partners) -> Iterator[tuple[Receiver, Partner, Partner]]:
    """A DP and an LP whose webhook URLs point at one receiver."""
    dp, lp = partners.dp(), partners.lp()
    receiver = Receiver({p.creds.client_code: p.creds.webhook_key for p in (dp, lp)})
    with running([("hooks", receiver.app())]) as urls:
        with transaction(runtime.sessions) as session:
            for partner in (dp, lp):
                set_urls(session, partner.creds.client_code, webhook_url=urls["hooks"] + HOOK)
        yield receiver, dp, lp
        with transaction(runtime.sessions) as session:  # later events of the session: nowhere
            for partner in (dp, lp):
                row = session.scalars(
                    select(t.Partner).where(t.Partner.client_code == partner.creds.client_code)
                ).one()
                row.webhook_url = None


def test_a_revoked_card_is_told_to_every_platform_signed_and_retried(
    runtime: Runtime, partners: Partners, receiving: tuple[Receiver, Partner, Partner]
) -> None:
    receiver, _, _ = receiving
    receiver.refuse_next = 1  # the first delivery fails: it comes again
    office = ws.pmo(partners)
    drawn = ws.drawn_wave(office, runtime, quota=1, joiners=ws.niks(ws.nik_prefix(), 1))
    with runtime.sessions() as session:
        card = session.scalars(
            select(t.Card)
            .join(t.Wave, t.Wave.id == t.Card.wave_id)
            .where(t.Wave.wave_code == drawn["wave_code"])
        ).one()
    assert card.purchase_deadline is not None
    later = card.purchase_deadline + timedelta(days=1)
    success_data(office.post(REVOKE_EXPIRED.path, {"as_of": later.isoformat()}))
    (event,) = wait_for(
        lambda: receiver.of("card.revoked", prakerja_id=card.card_number),
        what="the card.revoked webhook",
    )
    assert receiver.refused == 1
    assert event["event_id"].startswith("EVT-") and event["data"]["revoked_at"]


def test_a_voided_purchase_is_told_to_the_courses_provider(
    runtime: Runtime, server_url: str, receiving: tuple[Receiver, Partner, Partner]
) -> None:
    receiver, dp, lp = receiving
    code = f"W-{secrets.token_hex(4).upper()}"
    start = datetime.now(UTC) + timedelta(days=30)
    with transaction(runtime.sessions) as session:
        lp_id = session.scalars(
            select(t.Partner.id).where(t.Partner.client_code == lp.creds.client_code)
        ).one()
        course = t.Course(
            course_code=code,
            lp_id=lp_id,
            title="Pelatihan webhook",
            method="self_paced",
            sessions=1,
            price=500_000,
            min_age=18,
            max_age=None,
            min_education=1,
        )
        session.add(course)
        session.flush()
        session.add(
            t.Schedule(
                schedule_code=f"{code}-S",
                course_id=course.id,
                start_at=start,
                end_at=start + timedelta(days=30),
                capacity=5,
                quota=5,
            )
        )
    bought = buy(dp, server_url, course_code=code, schedule_code=f"{code}-S")
    invoice = {
        "invoice_code": bought["invoice_code"],
        "transaction_code": bought["transaction_code"],
    }
    assert dp.post(VOID.path, invoice).status_code == 200
    (event,) = wait_for(
        lambda: receiver.of("purchase.voided", transaction_code=bought["transaction_code"]),
        what="the purchase.voided webhook",
    )
    assert event["data"]["course_code"] == code
    assert event["data"]["redeem_code"] == bought["redeem_code"]
