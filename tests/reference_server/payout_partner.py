"""A small payment partner for the server's payout tests: the contract, kept honestly, plus the
failures a test asks for (a share of calls answered 503 or left hanging past Prakerja's timeout,
a debit whose answer is lost, a late callback).

A stepping stone until the payment-partner simulators (simulators/payment) are on main; it
verifies Prakerja's signature with contract.inbound and signs its callbacks with its sign key.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import secrets
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from contract.client import compact, signed_headers
from contract.envelope import ok
from contract.inbound import InboundRefused, InboundVerifier
from contract.payouts import (
    ACCOUNT_INQUIRY_PATH,
    CALLBACK_PATH,
    DISBURSE_PATH,
    PP_ACCOUNT_NOT_FOUND,
    PP_BAD_REQUEST,
    PP_DISBURSEMENT_NOT_FOUND,
    PP_IDEMPOTENCY_CONFLICT,
    STATEMENT_PATH,
    STATUS_PATH,
    AccountInquiryRequest,
    DisbursementStatusRequest,
    DisburseRequest,
    StatementRequest,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
WEBHOOK_PATH = "/webhooks/prakerja"


@dataclass
class Account:
    account_type: str
    holder_name: str
    nik: str
    kyc_level: str = "VERIFIED"
    account_status: str = "ACTIVE"


@dataclass
class Faults:
    """What goes wrong, drawn per call: a share unavailable (503), a share hanging."""

    error_rate: float = 0.0
    hang_rate: float = 0.0
    hang_seconds: float = 10.0
    lose_debit_answer_rate: float = 0.0  # pays, then hangs instead of answering
    callback_delay: float = 0.0
    seed: int = 7


@dataclass
class PartnerState:
    client_code: str
    sign_key: str
    webhook_key: str
    sandbox_url: str
    faults: Faults = field(default_factory=Faults)
    accounts: dict[str, Account] = field(default_factory=dict)
    paid: dict[str, dict[str, Any]] = field(default_factory=dict)  # disbursement_id -> record
    credited: dict[str, int] = field(default_factory=dict)  # account -> rupiah received
    calls: list[str] = field(default_factory=list)  # paths, in order
    callbacks_sent: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # webhooks received, verified
    in_flight: int = 0
    most_in_flight: int = 0


def _error(code: Any, status: int | None = None) -> JSONResponse:
    return JSONResponse(
        {"success": False, "code": code.code, "message": code.message},
        status_code=status or code.http_status,
    )


def partner_app(state: PartnerState) -> FastAPI:
    """The partner's API over ``state``."""
    app = FastAPI()
    verifier = InboundVerifier(
        lambda code: state.webhook_key if code == state.client_code else None
    )
    dice = random.Random(state.faults.seed)
    tasks: set[asyncio.Task[None]] = set()

    async def callback(record: dict[str, Any]) -> None:
        await asyncio.sleep(state.faults.callback_delay)
        body = {
            k: record[k]
            for k in ("disbursement_id", "partner_reference", "status", "amount", "final_at")
        }
        body["failure_code"] = record.get("failure_code")
        text = compact(body)
        async with httpx.AsyncClient(timeout=5.0) as http:
            for _ in range(20):
                headers = signed_headers(state.client_code, state.sign_key, CALLBACK_PATH, text)
                try:
                    answer = await http.post(
                        state.sandbox_url + CALLBACK_PATH, content=text, headers=headers
                    )
                    if answer.status_code < 500:
                        state.callbacks_sent += 1
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)

    async def fate(request: Request) -> JSONResponse | None:
        """Signature first, then the drawn fault (if any)."""
        body = await request.body()
        try:
            verifier.check(request.method, request.url.path, request.headers, body)
        except InboundRefused as exc:
            return JSONResponse(
                {"success": False, "code": "ERRAUT40103", "message": exc.message}, 401
            )
        state.calls.append(request.url.path)
        roll = dice.random()
        if roll < state.faults.error_rate:
            return _error(PP_BAD_REQUEST, 503)
        if roll < state.faults.error_rate + state.faults.hang_rate:
            await asyncio.sleep(state.faults.hang_seconds)
            return _error(PP_BAD_REQUEST, 504)
        return None

    @app.middleware("http")
    async def count(request: Request, call_next: Any) -> Any:
        state.in_flight += 1
        state.most_in_flight = max(state.most_in_flight, state.in_flight)
        try:
            return await call_next(request)
        finally:
            state.in_flight -= 1

    @app.post(WEBHOOK_PATH)
    async def webhook(request: Request) -> Any:
        body = await request.body()
        try:
            verifier.check(request.method, request.url.path, request.headers, body)
        except InboundRefused as exc:
            return JSONResponse(
                {"success": False, "code": "ERRAUT40103", "message": exc.message}, 401
            )
        state.events.append(json.loads(body))
        return {"received": True}

    @app.post(ACCOUNT_INQUIRY_PATH)
    async def inquiry(request: Request) -> Any:
        refused = await fate(request)
        if refused is not None:
            return refused
        asked = AccountInquiryRequest.model_validate_json(await request.body())
        account = state.accounts.get(asked.account_number)
        if account is None or account.account_type != asked.account_type.value:
            return _error(PP_ACCOUNT_NOT_FOUND)
        return ok(
            {
                "account_type": account.account_type,
                "account_number": asked.account_number,
                "holder_name": account.holder_name,
                "kyc_level": account.kyc_level,
                "nik_match": account.nik == asked.nik,
                "account_status": account.account_status,
            }
        )

    @app.post(DISBURSE_PATH)
    async def disburse(request: Request) -> Any:
        refused = await fate(request)
        if refused is not None:
            return refused
        asked = DisburseRequest.model_validate_json(await request.body())
        known = state.paid.get(asked.disbursement_id)
        if known is not None:
            same = (known["account_number"], known["amount"]) == (
                asked.account_number,
                asked.amount,
            )
            return ok(known["answer"]) if same else _error(PP_IDEMPOTENCY_CONFLICT)
        now = dt.datetime.now(JAKARTA).isoformat()
        account = state.accounts.get(asked.account_number)
        answer: dict[str, Any] = {
            "disbursement_id": asked.disbursement_id,
            "partner_reference": "PR-" + secrets.token_hex(6),
            "amount": asked.amount,
            "received_at": now,
            "final_at": now,
            "status": "SUCCESS",
            "failure_code": None,
        }
        if account is None:
            answer.update(status="FAILED", failure_code=PP_ACCOUNT_NOT_FOUND.code)
        else:
            state.credited[asked.account_number] = (
                state.credited.get(asked.account_number, 0) + asked.amount
            )
        record = {"answer": answer, "account_number": asked.account_number, **answer}
        state.paid[asked.disbursement_id] = record
        task = asyncio.get_running_loop().create_task(callback(record))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if dice.random() < state.faults.lose_debit_answer_rate:
            await asyncio.sleep(state.faults.hang_seconds)
        return ok(answer)

    @app.post(STATUS_PATH)
    async def status(request: Request) -> Any:
        refused = await fate(request)
        if refused is not None:
            return refused
        asked = DisbursementStatusRequest.model_validate_json(await request.body())
        known = state.paid.get(asked.disbursement_id)
        return ok(known["answer"]) if known else _error(PP_DISBURSEMENT_NOT_FOUND)

    @app.post(STATEMENT_PATH)
    async def statement(request: Request) -> Any:
        refused = await fate(request)
        if refused is not None:
            return refused
        asked = StatementRequest.model_validate_json(await request.body())
        day = [
            r["answer"]
            for r in state.paid.values()
            if dt.datetime.fromisoformat(r["final_at"]).astimezone(JAKARTA).date() == asked.date
        ]
        day.sort(key=lambda a: (a["final_at"], a["disbursement_id"]))
        start = int(asked.cursor or 0)
        page = day[start : start + asked.limit]
        more = start + asked.limit < len(day)
        return ok(
            {
                "date": asked.date.isoformat(),
                "entries": [
                    {
                        k: a[k]
                        for k in (
                            "disbursement_id",
                            "partner_reference",
                            "amount",
                            "status",
                            "final_at",
                        )
                    }
                    for a in page
                ],
                "next_cursor": str(start + asked.limit) if more else None,
                "total_count": len(day),
                "success_amount": sum(a["amount"] for a in day if a["status"] == "SUCCESS"),
            }
        )

    return app
