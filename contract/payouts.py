"""Incentive payouts through payment partners (sandbox-defined): what a bank or e-wallet serves,
what it sends back, and the rules both sides keep.

Kartu Prakerja pays its cash incentives into a bank account or an e-wallet the beneficiary links.
Each payment partner (PP) serves four operations on its own base URL, and Prakerja calls them:

| operation | path | what |
|---|---|---|
| account inquiry | `POST /api/v1/payout/account-inquiry` | does this account exist, whose is it, how far is its KYC, is its NIK the one Prakerja sends |
| disburse | `POST /api/v1/payout/disburse` | pay `amount` rupiah into the account, once per `disbursement_id` |
| status | `POST /api/v1/payout/status` | the state of one disbursement |
| statement | `POST /api/v1/payout/statement` | every disbursement that became final on one day (reconciliation) |

and the partner sends one **callback** to Prakerja when a disbursement becomes final:
`POST {prakerja}/api/v1/integration/payout/callback` (in this document under `webhooks`).

**Transport.** JSON over HTTPS, `Content-Type: application/json`, UTF-8. Responses use the
envelope of the integration API: success `{"success": true, "message": "...", "data": {...}}`,
error `{"success": false, "code": "ERR...", "message": "..."}` with the HTTP status of the code.
Both sides ignore fields they do not know (a later contract version may add optional ones).

**Signatures, both ways.** Every call carries the headers `client_code`, `timestamp` (Unix
seconds) and `signature` = lower-case hex `HMAC-SHA1(key, client_code + timestamp + METHOD + path
+ body)` — the integration API's scheme. `client_code` is always *the partner's own* code.
- Prakerja → partner: signed with the partner's **webhook key** (`prakerja partners add` prints
  it). `path` is the path of the URL requested, including any path of the partner's base URL.
  The partner refuses a missing header (`ERRAUT40101`), another client code (`ERRAUT40102`), a
  wrong signature (`ERRAUT40103`), a timestamp more than 300 s from its clock (`ERRAUT40104`)
  and a signature it has accepted before (`ERRAUT40105`), all HTTP 401, before reading the body.
- Partner → Prakerja (the callback): signed with the partner's **sign key**, exactly as a
  digital platform signs its calls; Prakerja answers the same `ERRAUT` codes.

**Accounts.** `account_type` is `BANK` (an account number, digits) or `EWALLET` (the wallet's
phone number in national form, `08…`). Prakerja sends the card holder's NIK in the inquiry; the
partner compares it with the NIK of the account's verified identity and answers `nik_match`
only — it never returns a NIK, and never logs one in clear. Prakerja links an account only when
the inquiry says `kyc_level` `VERIFIED`, `nik_match` true and `account_status` `ACTIVE`, and an
e-wallet only on the card holder's own registered phone.

**Disbursements: exactly once.** `disbursement_id` is Prakerja's idempotency key.
1. The first valid request with an id is recorded under it, whatever happens next; the answer
   says `SUCCESS` (credited), `PENDING` (accepted, being processed) or `FAILED` (nothing paid,
   with `failure_code`). A business refusal (account gone, blocked, over its limit) is a
   `FAILED` disbursement, not an HTTP error: the id is then known to `status` and to the
   statement like any other.
2. The same id with the same `account_type`, `account_number` and `amount` never pays again: the
   answer is the disbursement as it stands now (same `partner_reference`), HTTP 200.
3. The same id with a different `account_type`, `account_number` or `amount` is refused with
   `ERRPPR40901` (HTTP 409) and changes nothing. `description` is not compared.
4. Status moves `PENDING` → `SUCCESS` or `PENDING` → `FAILED` (or is final at once) and a final
   status never changes. A payment is never reversed through this API.
5. Prakerja retries a call that timed out or failed with a 5xx, always with the same id; before
   re-sending a disburse whose outcome it does not know, it asks `status` first (`ERRPPR40402`
   means the partner never recorded it). It waits 5 seconds for an answer (the sandbox's
   default), sends a partner at most 8 calls at a time (ditto) and never sends one signature
   twice.

**Callback.** When a disbursement becomes final the partner POSTs the callback to Prakerja
(also when the final status was already in the disburse answer), and retries it with backoff
until it gets an HTTP 2xx, for at least 24 hours; a 4xx other than 429 is not retried. Prakerja
answers a duplicate exactly like the first and accepts callbacks in any order and at any time,
even before the disburse answer arrives. A callback that contradicts what Prakerja recorded
(another final status, another amount) is refused with a 4xx and reported for investigation.

**Statement.** The statement of a day (`date`, Asia/Jakarta, UTC+07:00) lists every disbursement
whose status became final (`SUCCESS` or `FAILED`) during that day by the partner's clock, each
once, in a stable order, paged with `cursor` / `next_cursor`; `total_count` and `success_amount`
cover the whole day and are the same on every page. A day not yet over is listed as far as it
has gone; a day in the future is `ERRPPR40002`. Prakerja compares it with its ledger and reports
every difference (missing on either side, amount, status).

**Money** is integer rupiah, positive, at most 1,000,000,000; never a float or a string. No fee is
deducted: the account is credited `amount`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from contract.errors import ErrorCode
from contract.types import Rupiah, Storable

PAYOUT = "/api/v1/payout"
ACCOUNT_INQUIRY_PATH = f"{PAYOUT}/account-inquiry"
DISBURSE_PATH = f"{PAYOUT}/disburse"
STATUS_PATH = f"{PAYOUT}/status"
STATEMENT_PATH = f"{PAYOUT}/statement"
PARTNER_PATHS = (ACCOUNT_INQUIRY_PATH, DISBURSE_PATH, STATUS_PATH, STATEMENT_PATH)
CALLBACK_PATH = "/api/v1/integration/payout/callback"
"""Where a partner sends its callbacks, on Prakerja's base URL."""

STATEMENT_TIMEZONE = "Asia/Jakarta"
STATEMENT_PAGE_MAX = 1000
STATEMENT_PAGE_DEFAULT = 500
CALLBACK_RETRY_HOURS = 24
TIMESTAMP_TOLERANCE_SECONDS = 300


# --- field types ------------------------------------------------------------------------------


class AccountType(StrEnum):
    """What kind of account receives the money."""

    BANK = "BANK"  # account_number: the bank account number, digits
    EWALLET = "EWALLET"  # account_number: the wallet's phone number, national form 08…


class KycLevel(StrEnum):
    """How far the partner has verified the account holder's identity."""

    UNVERIFIED = "UNVERIFIED"  # phone only (a basic e-wallet): cannot receive incentives
    PENDING = "PENDING"  # an upgrade (e-KYC) submitted, not decided yet
    VERIFIED = (
        "VERIFIED"  # identity verified against the civil registry (bank account, premium wallet)
    )


class AccountStatus(StrEnum):
    """Whether the account can receive money now."""

    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"  # frozen, dormant or closed: cannot be credited


class DisbursementStatus(StrEnum):
    """A disbursement as the partner sees it. PENDING → SUCCESS | FAILED; final never changes."""

    PENDING = "PENDING"  # recorded, being processed: a callback follows
    SUCCESS = "SUCCESS"  # the account was credited with the amount
    FAILED = "FAILED"  # nothing was paid; failure_code says why


FINAL_STATUSES = frozenset({DisbursementStatus.SUCCESS, DisbursementStatus.FAILED})

AccountNumber = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{6,20}$"),
    Field(
        description="BANK: the account number, 6-20 digits. EWALLET: the wallet's phone number in "
        "national form (`08…`, 10-13 digits).",
        examples=["0812345678901", "1234567890"],
    ),
]
Nik = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{16}$"),
    Field(description="The card holder's NIK (16 digits). Compare it; never return or log it."),
]
DisbursementId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"),
    Field(
        description="Prakerja's id of the disbursement and its idempotency key: opaque, 1-64 of "
        "`A-Z a-z 0-9 _ -`, case-sensitive.",
        examples=["DSB-7Q2K9XH4M3TB6R1Z"],
    ),
]
PartnerReference = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    Storable,
    Field(description="The partner's own id of the disbursement (its transaction reference)."),
]
PartnerCode = Annotated[
    str,
    StringConstraints(pattern=r"^ERRPPR[0-9]{5}$"),
    Field(description="A code of the payment-partner catalogue (`x-partner-error-catalogue`)."),
]
Timestamp = Annotated[
    AwareDatetime,
    Field(description="ISO-8601 with a UTC offset, e.g. `2024-03-01T09:30:00+07:00`."),
]


class _Message(BaseModel):
    """Messages of this surface ignore fields they do not know (a later version may add some)."""

    model_config = ConfigDict(extra="ignore")


# --- account inquiry --------------------------------------------------------------------------


class AccountInquiryRequest(_Message):
    """Prakerja asks about an account a card holder wants to link."""

    account_type: AccountType
    account_number: AccountNumber
    nik: Nik


class AccountInquiryData(_Message):
    """The account as the partner knows it. An unknown account is `ERRPPR40401` instead."""

    account_type: AccountType
    account_number: str = Field(description="As asked.")
    holder_name: str = Field(
        min_length=1,
        max_length=100,
        description="The account holder's name as on the partner's KYC record (Prakerja shows "
        "it to the card holder masked, to confirm).",
    )
    kyc_level: KycLevel
    nik_match: bool = Field(
        description="True only when the account's verified identity has exactly this NIK; false "
        "when it has another one or none."
    )
    account_status: AccountStatus


# --- disbursement -----------------------------------------------------------------------------


class DisburseRequest(_Message):
    """Pay ``amount`` into the account, once for ``disbursement_id``."""

    disbursement_id: DisbursementId
    account_type: AccountType
    account_number: AccountNumber
    amount: Rupiah
    description: str = Field(
        min_length=1,
        max_length=100,
        description="Shown on the holder's statement, e.g. `Insentif Kartu Prakerja 1/4`. Not "
        "part of the idempotency comparison.",
    )


class DisbursementStatusRequest(_Message):
    """The state of one disbursement."""

    disbursement_id: DisbursementId


class DisbursementData(_Message):
    """One disbursement as the partner recorded it (the answer of disburse and status)."""

    disbursement_id: str
    partner_reference: PartnerReference
    status: DisbursementStatus
    amount: int = Field(gt=0, description="Integer rupiah, as requested.")
    failure_code: PartnerCode | None = Field(
        default=None, description="Why nothing was paid; set exactly when status is FAILED."
    )
    failure_message: str | None = Field(default=None, max_length=200)
    received_at: Timestamp = Field(description="When the partner first recorded it.")
    final_at: Timestamp | None = Field(
        default=None, description="When it became SUCCESS or FAILED; null while PENDING."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        failed = self.status is DisbursementStatus.FAILED
        if failed != (self.failure_code is not None):
            raise ValueError("failure_code is set exactly when status is FAILED")
        if (self.status in FINAL_STATUSES) != (self.final_at is not None):
            raise ValueError("final_at is set exactly when status is SUCCESS or FAILED")
        return self


# --- statement --------------------------------------------------------------------------------


class StatementRequest(_Message):
    """One page of a day's statement."""

    date: dt.date = Field(description="The day, Asia/Jakarta (UTC+07:00), as YYYY-MM-DD.")
    cursor: str | None = Field(
        default=None,
        max_length=200,
        description="`next_cursor` of the previous page; null or absent for the first page.",
    )
    limit: int = Field(
        default=STATEMENT_PAGE_DEFAULT,
        ge=1,
        le=STATEMENT_PAGE_MAX,
        strict=True,
        description="At most this many entries on the page.",
    )


class StatementEntry(_Message):
    """One disbursement that became final on the day."""

    disbursement_id: str
    partner_reference: str
    amount: int = Field(gt=0)
    status: DisbursementStatus = Field(description="SUCCESS or FAILED (never PENDING here).")
    final_at: Timestamp


class StatementData(_Message):
    """A page of the statement; the totals cover the whole day."""

    date: dt.date
    entries: list[StatementEntry]
    next_cursor: str | None = Field(description="Null on the last page.")
    total_count: int = Field(ge=0, description="Entries of the whole day, on every page.")
    success_amount: int = Field(
        ge=0, description="Sum of the day's SUCCESS amounts (integer rupiah), on every page."
    )


# --- the callback (partner -> Prakerja) -------------------------------------------------------


class PayoutCallbackRequest(_Message):
    """A disbursement became final: the partner tells Prakerja (signed with its sign key)."""

    disbursement_id: DisbursementId
    partner_reference: PartnerReference
    status: DisbursementStatus = Field(description="SUCCESS or FAILED; PENDING is refused.")
    amount: Rupiah
    failure_code: PartnerCode | None = None
    failure_message: str | None = Field(default=None, max_length=200)
    final_at: Timestamp


class PayoutCallbackData(BaseModel):
    """What Prakerja has recorded for the disbursement after the callback."""

    disbursement_id: str
    status: str = Field(description="Prakerja's status of it: PAID or FAILED once final.")


# --- the partner-side error catalogue -----------------------------------------------------------

PARTNER_CATALOGUE: dict[str, ErrorCode] = {}


def _p(code: str, http_status: int, message: str, description: str) -> ErrorCode:
    if code in PARTNER_CATALOGUE:
        raise ValueError(f"duplicate partner error code {code}")
    entry = ErrorCode(code, http_status, message, description)
    PARTNER_CATALOGUE[code] = entry
    return entry


PP_BAD_REQUEST = _p(
    "ERRPPR40001",
    400,
    "Request tidak valid.",
    "The body is not JSON or breaks the operation's schema (a field missing, of the wrong "
    "type or out of range; an amount that is not a positive integer).",
)
PP_DATE_INVALID = _p(
    "ERRPPR40002",
    400,
    "Tanggal laporan tidak valid.",
    "statement: the date is in the future (Asia/Jakarta) or the cursor is not one this "
    "partner issued for that date.",
)
PP_ACCOUNT_NOT_FOUND = _p(
    "ERRPPR40401",
    404,
    "Rekening tidak ditemukan.",
    "No account with this number and type. An HTTP error of account-inquiry; the failure_code "
    "of a disbursement to such an account.",
)
PP_DISBURSEMENT_NOT_FOUND = _p(
    "ERRPPR40402",
    404,
    "Disbursement tidak ditemukan.",
    "status: no disbursement was ever recorded under this disbursement_id; a disburse with it "
    "will be the first.",
)
PP_IDEMPOTENCY_CONFLICT = _p(
    "ERRPPR40901",
    409,
    "disbursement_id sudah dipakai untuk permintaan lain.",
    "disburse: this disbursement_id was recorded with another account_type, account_number or "
    "amount; nothing was changed or paid.",
)
PP_ACCOUNT_BLOCKED = _p(
    "ERRPPR42201",
    422,
    "Rekening diblokir atau ditutup.",
    "The failure_code of a disbursement to an account that cannot be credited (frozen, "
    "dormant or closed).",
)
PP_LIMIT_EXCEEDED = _p(
    "ERRPPR42202",
    422,
    "Saldo melebihi batas akun.",
    "The failure_code of a disbursement that would take the account past its balance or "
    "monthly incoming limit (e-wallets).",
)
PP_TYPE_NOT_SUPPORTED = _p(
    "ERRPPR42203",
    422,
    "Jenis rekening tidak didukung.",
    "This partner holds no accounts of this account_type (an e-wallet asked for a BANK "
    "account, or the reverse): an HTTP error of account-inquiry, a failure_code of disburse.",
)
PP_INTERNAL = _p(
    "ERRPPR50001",
    500,
    "Terjadi kesalahan pada sistem mitra.",
    "Unexpected error at the partner. Prakerja retries with the same disbursement_id.",
)
PP_UNAVAILABLE = _p(
    "ERRPPR50301",
    503,
    "Layanan mitra sedang tidak tersedia.",
    "Maintenance or overload. Prakerja retries later with the same disbursement_id.",
)

FAILURE_CODES = (PP_ACCOUNT_NOT_FOUND, PP_ACCOUNT_BLOCKED, PP_LIMIT_EXCEEDED, PP_TYPE_NOT_SUPPORTED)
"""The codes a FAILED disbursement may carry as its failure_code."""

# Which partner codes each operation may answer (besides the ERRAUT codes of the signature).
OPERATION_ERRORS: dict[str, tuple[ErrorCode, ...]] = {
    ACCOUNT_INQUIRY_PATH: (
        PP_BAD_REQUEST,
        PP_ACCOUNT_NOT_FOUND,
        PP_TYPE_NOT_SUPPORTED,
        PP_INTERNAL,
        PP_UNAVAILABLE,
    ),
    DISBURSE_PATH: (PP_BAD_REQUEST, PP_IDEMPOTENCY_CONFLICT, PP_INTERNAL, PP_UNAVAILABLE),
    STATUS_PATH: (PP_BAD_REQUEST, PP_DISBURSEMENT_NOT_FOUND, PP_INTERNAL, PP_UNAVAILABLE),
    STATEMENT_PATH: (PP_BAD_REQUEST, PP_DATE_INVALID, PP_INTERNAL, PP_UNAVAILABLE),
}
