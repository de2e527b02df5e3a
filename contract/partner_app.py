"""What a bank's or e-wallet's own app does for its customer (sandbox-defined, simulators only).

Not part of the payment-partner contract (``contract.payouts``): Prakerja never calls these. A
person without an account opens one in the partner's app before linking it for incentives, and
a basic e-wallet is upgraded (e-KYC: NIK and name checked against the civil registry) before
Prakerja may link it. The payment-partner simulators serve these paths so that ``prakerja
simulate`` and tests can walk a person through it, as the person's phone would:

| path | what |
|---|---|
| `POST /api/v1/app/accounts/open` | e-wallet: a basic (UNVERIFIED) wallet on the phone; bank: a VERIFIED account (KYC at opening) |
| `POST /api/v1/app/accounts/kyc` | e-wallet: upgrade the wallet on `phone` to VERIFIED with the NIK and name |

No signature (it is the person's own app). Opening is idempotent: the same phone (e-wallet) or
NIK (bank) again returns the account already opened. The answers use the integration envelope;
the errors are the codes of ``APP_CATALOGUE`` below.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from contract.errors import ErrorCode
from contract.payouts import AccountStatus, AccountType, KycLevel
from contract.registration import Name, Nik, Phone

APP = "/api/v1/app"
OPEN_ACCOUNT_PATH = f"{APP}/accounts/open"
KYC_UPGRADE_PATH = f"{APP}/accounts/kyc"


class OpenAccountRequest(BaseModel):
    """Open an account: an e-wallet needs the phone and a name; a bank also the NIK (KYC)."""

    model_config = ConfigDict(extra="forbid")

    phone: Phone = Field(description="The customer's mobile number; an e-wallet's account number.")
    name: Name = Field(description="As the customer types it; a bank takes the registry's.")
    nik: Nik | None = Field(default=None, description="Banks only (required there).")


class KycUpgradeRequest(BaseModel):
    """Upgrade the e-wallet on ``phone``: the NIK and name are checked with the civil registry."""

    model_config = ConfigDict(extra="forbid")

    phone: Phone
    nik: Nik
    name: Name = Field(description="Compared with the registry ignoring case and spacing.")


class AppAccountData(BaseModel):
    """The account as the customer's app shows it (never the NIK)."""

    partner: str = Field(description="The partner's simulator instance, e.g. `ovo`.")
    account_type: AccountType
    account_number: str = Field(description="BANK: the account number; EWALLET: the phone.")
    holder_name: str
    kyc_level: KycLevel
    account_status: AccountStatus
    balance: int = Field(ge=0, description="Integer rupiah.")


APP_CATALOGUE: dict[str, ErrorCode] = {}


def _a(code: str, http_status: int, message: str, description: str) -> ErrorCode:
    entry = ErrorCode(code, http_status, message, description)
    APP_CATALOGUE[code] = entry
    return entry


APP_BAD_REQUEST = _a(
    "ERRAPP40001", 400, "Data tidak valid.", "The body is not JSON or breaks the schema."
)
APP_KYC_REFUSED = _a(
    "ERRAPP40002",
    400,
    "Data KYC tidak sesuai dengan Dukcapil.",
    "The NIK is not in the civil registry, or the name is not the registry's name for it.",
)
APP_NIK_REQUIRED = _a(
    "ERRAPP40003", 400, "NIK wajib diisi.", "A bank opens an account only with the NIK (KYC)."
)
APP_ACCOUNT_NOT_FOUND = _a(
    "ERRAPP40401", 404, "Akun tidak ditemukan.", "No e-wallet on this phone: open one first."
)
APP_IDENTITY_TAKEN = _a(
    "ERRAPP40901",
    409,
    "Identitas sudah dipakai akun lain.",
    "The wallet is verified with another NIK, or this NIK already verifies another wallet here.",
)
APP_NOT_SUPPORTED = _a(
    "ERRAPP42201",
    422,
    "Tidak tersedia untuk jenis akun ini.",
    "An upgrade is for e-wallets: a bank account is verified when it is opened.",
)
