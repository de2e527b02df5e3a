"""Webhooks: Prakerja tells partners what happened (sandbox-defined).

Prakerja POSTs one JSON event to the partner's registered webhook URL (`prakerja partners add
--webhook-url`, `partners set-urls`) for each thing that concerns it:

| event | sent to | when |
|---|---|---|
| `disbursement.settled` | the payment partner that paid it | Prakerja recorded the disbursement as paid |
| `disbursement.failed` | the payment partner | Prakerja recorded the disbursement as failed |
| `card.revoked` | every digital platform | a card was revoked (no purchase by its deadline): refuse it at checkout |
| `purchase.voided` | the training provider of the course | a purchase was voided: its redeem code is void |

**Signature.** Headers `client_code` (the *receiving* partner's own code), `timestamp` (Unix
seconds) and `signature` = lower-case hex `HMAC-SHA1(webhook_key, client_code + timestamp +
"POST" + path + body)`, where `webhook_key` is the receiver's webhook key and `path` the path of
its webhook URL. Verify it (and a timestamp within 300 s) before trusting the body.

**Delivery.** At least once: answer any HTTP 2xx within 10 seconds once the event is stored.
Anything else (or no answer) is retried with growing delays (up to a minute apart) until a 2xx;
a rotated webhook key applies to the retries. The same `event_id` may therefore arrive more than
once, and events may arrive out of order: de-duplicate by `event_id` and order by `occurred_at`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

WEBHOOK_TIMEOUT_SECONDS = 10.0


class EventType(StrEnum):
    DISBURSEMENT_SETTLED = "disbursement.settled"
    DISBURSEMENT_FAILED = "disbursement.failed"
    CARD_REVOKED = "card.revoked"
    PURCHASE_VOIDED = "purchase.voided"


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: str = Field(description="Unique per event; the same on every delivery of it.")
    occurred_at: str = Field(description="When it happened (ISO-8601 UTC).")


class DisbursementEventData(BaseModel):
    disbursement_id: str
    partner_reference: str | None
    amount: int = Field(description="Integer rupiah.")
    status: str = Field(description="PAID or FAILED, as Prakerja recorded it.")
    failure_code: str | None


class DisbursementSettledEvent(_Event):
    event_type: Literal["disbursement.settled"] = "disbursement.settled"
    data: DisbursementEventData


class DisbursementFailedEvent(_Event):
    event_type: Literal["disbursement.failed"] = "disbursement.failed"
    data: DisbursementEventData


class CardRevokedData(BaseModel):
    prakerja_id: str = Field(description="The card number.")
    revoked_at: str


class CardRevokedEvent(_Event):
    event_type: Literal["card.revoked"] = "card.revoked"
    data: CardRevokedData


class PurchaseVoidedData(BaseModel):
    transaction_code: str
    course_code: str
    redeem_code: str | None
    voided_at: str


class PurchaseVoidedEvent(_Event):
    event_type: Literal["purchase.voided"] = "purchase.voided"
    data: PurchaseVoidedData


EVENT_MODELS: dict[EventType, type[_Event]] = {
    EventType.DISBURSEMENT_SETTLED: DisbursementSettledEvent,
    EventType.DISBURSEMENT_FAILED: DisbursementFailedEvent,
    EventType.CARD_REVOKED: CardRevokedEvent,
    EventType.PURCHASE_VOIDED: PurchaseVoidedEvent,
}
