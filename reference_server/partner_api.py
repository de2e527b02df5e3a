"""Prakerja's calls to partner-hosted APIs: a payment partner's payout operations, and webhooks.

Every call is signed with the receiving partner's webhook key (``client_code`` = the partner's
own code, the path signed is the path of the URL requested), carries a fresh signature (two
identical calls in one second are stamped a second apart, never sent with one signature twice),
and has ``payout_timeout_seconds``. Outcomes come in kinds the callers treat differently:

- ``PartnerUnavailable``: a timeout, a connection error, a 5xx or a 429 — the outcome is
  *unknown* (a disburse may or may not have been recorded): retry, asking for the status first.
- ``PartnerRefused``: a catalogued refusal of the operation (``code``, e.g. ``ERRPPR40402``
  "never recorded"): the partner understood and said no.
- ``PartnerRejected``: the partner refused our signature, or answered outside the contract (a
  4xx it may not send there, a body that breaks the schema): our bug or theirs, not an outage.

NIKs and keys travel in bodies and headers only, and never reach an error message or a log.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from contract import payouts
from contract.client import compact, signed_headers
from contract.payouts import (
    AccountInquiryData,
    AccountInquiryRequest,
    DisbursementData,
    DisbursementStatusRequest,
    DisburseRequest,
    StatementData,
    StatementRequest,
)

Answer = TypeVar("Answer", bound=BaseModel)
ERROR_TEXT = 200


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how to reach one partner (``webhook_key`` stays in memory only)."""

    partner_id: int
    client_code: str
    base_url: str
    webhook_key: str

    def __repr__(self) -> str:  # never print the key
        return f"Target(client_code={self.client_code!r}, base_url={self.base_url!r})"


class PartnerCallError(Exception):
    """A partner gave no usable answer."""

    def __init__(self, client_code: str, reason: str) -> None:
        self.client_code = client_code
        self.reason = reason
        super().__init__(f"{client_code}: {reason}")


class PartnerUnavailable(PartnerCallError):
    """Timeout, connection error, 5xx or 429: the outcome is unknown; retry later."""

    def __init__(self, client_code: str, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(client_code, reason)
        self.timed_out = timed_out  # the partner may still be working on it


class PartnerRefused(PartnerCallError):
    """A catalogued refusal of the operation, with its code."""

    def __init__(self, client_code: str, code: str, message: str) -> None:
        super().__init__(client_code, f"{code} {message}"[:ERROR_TEXT])
        self.code = code


class PartnerRejected(PartnerCallError):
    """Our signature refused, or an answer outside the contract."""


class Stamps:
    """Fresh timestamps: the same (path, body) is never signed twice with one timestamp."""

    WINDOW = 60

    def __init__(self) -> None:
        self._used: set[tuple[int, str, str, str]] = set()
        self._lock = threading.Lock()

    def fresh(self, client_code: str, path: str, text: str) -> int:
        now = int(time.time())
        with self._lock:
            self._used = {u for u in self._used if u[0] > now - 2 * self.WINDOW}
            stamp = now
            while (stamp, client_code, path, text) in self._used:
                stamp -= 1
            self._used.add((stamp, client_code, path, text))
        return stamp


class PartnerApi:
    """One pooled, thread-safe HTTP client for every partner-hosted call of this process."""

    def __init__(self, timeout_seconds: float, *, max_connections: int = 64) -> None:
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )
        self._stamps = Stamps()

    def signed_post(self, url: str, client_code: str, key: str, body: BaseModel) -> httpx.Response:
        """POST ``body`` to ``url`` signed with ``key``; transport failures are unavailable."""
        text = compact(body.model_dump(mode="json"))
        path = urlsplit(url).path or "/"
        stamp = self._stamps.fresh(client_code, path, text)
        headers = signed_headers(client_code, key, path, text, timestamp=stamp)
        try:
            return self._client.post(url, content=text.encode(), headers=headers)
        except httpx.TimeoutException:
            raise PartnerUnavailable(client_code, "timed out", timed_out=True) from None
        except httpx.TransportError as exc:
            raise PartnerUnavailable(
                client_code, f"connection failed ({type(exc).__name__})"
            ) from None

    def _call(self, target: Target, path: str, body: BaseModel, answer: type[Answer]) -> Answer:
        response = self.signed_post(
            target.base_url.rstrip("/") + path, target.client_code, target.webhook_key, body
        )
        who = target.client_code
        if response.status_code >= 500 or response.status_code == 429:
            raise PartnerUnavailable(who, f"HTTP {response.status_code} on {path}")
        try:
            payload = response.json()
        except ValueError:
            raise PartnerRejected(who, f"HTTP {response.status_code}: not JSON on {path}") from None
        if not isinstance(payload, dict):
            raise PartnerRejected(who, f"HTTP {response.status_code}: not an envelope on {path}")
        if response.status_code != 200 or payload.get("success") is not True:
            code = str(payload.get("code", ""))
            allowed = {e.code for e in payouts.OPERATION_ERRORS[path]}
            if response.status_code != 200 and code in allowed:
                raise PartnerRefused(who, code, str(payload.get("message", "")))
            raise PartnerRejected(
                who,
                f"HTTP {response.status_code} {code or 'without a code'} on {path}"[:ERROR_TEXT],
            )
        try:
            return answer.model_validate(payload.get("data"))
        except ValidationError as exc:
            raise PartnerRejected(
                who, f"answer on {path} breaks the contract ({exc.error_count()} error(s))"
            ) from None

    def inquiry(self, target: Target, request: AccountInquiryRequest) -> AccountInquiryData:
        """Account inquiry: the account's holder, KYC level, NIK match and state."""
        return self._call(target, payouts.ACCOUNT_INQUIRY_PATH, request, AccountInquiryData)

    def disburse(self, target: Target, request: DisburseRequest) -> DisbursementData:
        """Send (or re-send, same id) a disbursement."""
        return self._call(target, payouts.DISBURSE_PATH, request, DisbursementData)

    def status(self, target: Target, disbursement_id: str) -> DisbursementData:
        """The partner's record of a disbursement (``PartnerRefused`` ERRPPR40402: none)."""
        request = DisbursementStatusRequest(disbursement_id=disbursement_id)
        return self._call(target, payouts.STATUS_PATH, request, DisbursementData)

    def statement(self, target: Target, request: StatementRequest) -> StatementData:
        """One page of a day's statement."""
        return self._call(target, payouts.STATEMENT_PATH, request, StatementData)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
