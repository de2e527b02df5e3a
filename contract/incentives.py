"""Incentives on Prakerja's side (sandbox-defined): the beneficiary links an account, sees the
schedule and history, answers the evaluation surveys; the programme office runs the due payments
and the reconciliation.

Beneficiary calls are on the registration surface (bearer session). Linking: ``incentive/link``
names a payment partner, the account type and number; Prakerja asks the partner about the account
(``contract.payouts`` account inquiry) and goes on only when it is KYC-verified, active and of the
card holder's NIK, and, for an e-wallet, on the card holder's own registered phone; it then texts
an OTP to that phone, and ``incentive/link/confirm`` with it makes the account the one incentives
are paid into (replacing an earlier one). Incentives are due once the first training is finished,
rated and reviewed and an account is linked; the scheme says how many and how much
(``schemes.json``); each evaluation survey is paid once, after it is answered.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from contract.payouts import AccountType
from contract.types import Storable


class Request(BaseModel):
    """Sandbox-side requests refuse fields they do not know: a typo should not pass silently."""

    model_config = ConfigDict(extra="forbid")


PartnerCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$"),
    Field(description="The client_code of a payment partner (role pp)."),
]
LinkId = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
Otp = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
SurveyCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
]

_PHONE = re.compile(r"^(?:\+62|62|0)(8[1-9][0-9]{6,10})$")
_DIGITS = re.compile(r"^[0-9]{6,20}$")


class LinkStatus(StrEnum):
    """A linked account's state."""

    PENDING_OTP = "PENDING_OTP"  # inquiry passed, OTP texted, not confirmed yet
    ACTIVE = "ACTIVE"  # incentives are paid into it
    REPLACED = "REPLACED"  # another account was linked after it
    SUSPENDED = "SUSPENDED"  # a disbursement to it failed: link an account again
    EXPIRED = "EXPIRED"  # the OTP ran out or was tried too often


class StepStatus(StrEnum):
    """One payment of the schedule."""

    WAITING = "waiting"  # its conditions are not met yet
    SCHEDULED = "scheduled"  # conditions met, due at due_at
    PROCESSING = "processing"  # sent to the payment partner, not final yet
    PAID = "paid"
    FAILED = "failed"  # the last disbursement failed: paid again once an account is linked


class PayoutState(StrEnum):
    """A disbursement on Prakerja's side. SCHEDULED → SUBMITTED → PAID | FAILED."""

    SCHEDULED = "SCHEDULED"  # created, not sent yet
    SUBMITTED = "SUBMITTED"  # sent at least once: the partner may hold it (PENDING or unknown)
    PAID = "PAID"  # the partner credited the account; a ledger entry exists
    FAILED = "FAILED"  # the partner refused it for good; nothing was paid


class MismatchKind(StrEnum):
    """A difference between a partner's statement and Prakerja's ledger."""

    MISSING_AT_PARTNER = "MISSING_AT_PARTNER"  # Prakerja has it final that day; the statement not
    MISSING_AT_PRAKERJA = "MISSING_AT_PRAKERJA"  # the statement lists an id Prakerja never sent
    AMOUNT = "AMOUNT"  # both have it, with different amounts
    STATUS = "STATUS"  # both have it, with different outcomes (paid vs failed or not final)
    DUPLICATE = "DUPLICATE"  # the statement lists one disbursement more than once


# --- beneficiary: linking -----------------------------------------------------------------------


class LinkAccountRequest(Request):
    partner_code: PartnerCode
    account_type: AccountType
    account_number: str = Field(
        min_length=6,
        max_length=20,
        description="BANK: the account number (digits). EWALLET: the wallet's phone number "
        "(08…, 628… or +628…), which must be the phone registered with Prakerja.",
    )

    @model_validator(mode="after")
    def _account_number(self) -> Self:
        number = self.account_number.strip()
        if self.account_type is AccountType.EWALLET:
            match = _PHONE.fullmatch(number)
            if not match:
                raise ValueError("account_number of an EWALLET must be a mobile number 08…")
            self.account_number = "0" + match.group(1)
        elif not _DIGITS.fullmatch(number):
            raise ValueError("account_number of a BANK must be 6-20 digits")
        else:
            self.account_number = number
        return self


class ConfirmLinkRequest(Request):
    link_id: LinkId
    otp: Otp


class LinkData(BaseModel):
    link_id: str
    status: LinkStatus
    partner_code: str
    partner_name: str
    account_type: AccountType
    account_number: str = Field(description="Masked: the last four digits only.")
    holder_name: str = Field(description="The name the partner holds, masked.")
    otp_sent_to: str | None = Field(description="The phone the OTP went to, masked.")
    otp_expired_at: str | None
    linked_at: str | None


class PaymentPartnerView(BaseModel):
    partner_code: str
    name: str


class PaymentPartnersData(BaseModel):
    partners: list[PaymentPartnerView] = Field(description="Payment partners one can link.")


# --- beneficiary: schedule and history ----------------------------------------------------------


class IncentiveConditions(BaseModel):
    training_completed: bool = Field(description="The first training's post-test is verified.")
    reviewed: bool = Field(description="The first training is rated and reviewed.")
    account_linked: bool = Field(description="An account is linked and active.")


class ScheduleStep(BaseModel):
    kind: Literal["incentive", "survey"]
    step: int = Field(ge=1)
    amount: int = Field(description="Integer rupiah, from the scheme.")
    status: StepStatus
    due_at: str | None = Field(description="When it is (or was) due; null while waiting.")
    paid_at: str | None
    disbursement_id: str | None = Field(description="The latest disbursement of this step.")
    condition: str = Field(description="What it waits for, in Indonesian.")


class DisbursementView(BaseModel):
    disbursement_id: str
    kind: Literal["incentive", "survey"]
    step: int
    amount: int
    status: PayoutState
    partner_code: str
    account_number: str = Field(description="Masked.")
    created_at: str
    paid_at: str | None
    failure_code: str | None


class IncentivesData(BaseModel):
    scheme: str
    eligible: bool = Field(description="Every condition is met: incentives are scheduled.")
    conditions: IncentiveConditions
    account: LinkData | None = Field(description="The active linked account, if any.")
    schedule: list[ScheduleStep]
    history: list[DisbursementView] = Field(description="Every disbursement, newest first.")
    total_paid: int = Field(description="Integer rupiah paid so far.")


# --- beneficiary: surveys -----------------------------------------------------------------------


class QuestionKind(StrEnum):
    CHOICE = "choice"  # one of options
    RATING = "rating"  # an integer 1-5
    TEXT = "text"  # free text, at most 500 characters


class SurveyQuestion(BaseModel):
    question_id: str
    text: str
    kind: QuestionKind
    options: list[str] | None = Field(description="The allowed answers of a choice question.")


class SurveyView(BaseModel):
    survey_code: str
    step: int = Field(description="Its place in the scheme's surveys (1, 2, …).")
    title: str
    status: Literal["locked", "open", "answered"]
    opens_after: str = Field(description="What opens it, in Indonesian.")
    amount: int = Field(description="Integer rupiah paid once it is answered.")
    payment: StepStatus | None = Field(description="Its payment, once answered.")
    questions: list[SurveyQuestion]


class SurveysData(BaseModel):
    surveys: list[SurveyView]


AnswerValue = Annotated[str, StringConstraints(max_length=500), Storable] | int


class SurveyAnswerRequest(Request):
    survey_code: SurveyCode
    answers: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=32), Storable], AnswerValue
    ] = Field(
        max_length=50,
        description="question_id → answer: an option of a choice question, an integer 1-5 "
        "for a rating, text for a text question. Every question must be answered.",
    )


class SurveyAnswerData(BaseModel):
    survey_code: str
    answered_at: str
    payment: ScheduleStep


# --- programme office -------------------------------------------------------------------------


class RunDueRequest(Request):
    as_of: AwareDatetime | None = Field(
        default=None,
        description="Sandbox only: run as if it were this time (default now), e.g. months "
        "ahead to make every monthly incentive due.",
    )


class RunDueData(BaseModel):
    as_of: str
    newly_eligible: int = Field(description="Beneficiaries whose schedule started in this run.")
    disbursements: int = Field(description="Disbursements created (and queued) by this run.")
    amount: int = Field(description="Integer rupiah of those disbursements.")


class ReconcileRequest(Request):
    partner_code: PartnerCode
    date: dt.date = Field(description="The statement day, Asia/Jakarta.")


class Mismatch(BaseModel):
    kind: MismatchKind
    disbursement_id: str
    prakerja_amount: int | None
    partner_amount: int | None
    prakerja_status: str | None
    partner_status: str | None


class ReconciliationData(BaseModel):
    partner_code: str
    date: str
    run_at: str
    statement_entries: int = Field(description="Entries on the partner's statement.")
    ledger_entries: int = Field(description="Prakerja's disbursements final that day.")
    matched: int
    partner_success_amount: int = Field(description="The statement's SUCCESS total (rupiah).")
    ledger_paid_amount: int = Field(description="Prakerja's PAID total for the day (rupiah).")
    mismatches: list[Mismatch] = Field(description="Every difference found (at most 1,000 shown).")
    mismatch_count: int


class PayoutSummaryRequest(Request):
    partner_code: PartnerCode | None = Field(default=None, description="One partner, or all.")


class PartnerPayouts(BaseModel):
    partner_code: str
    by_status: dict[str, int] = Field(description="Disbursements per Prakerja status.")
    paid_amount: int = Field(description="Ledger total paid through this partner (rupiah).")
    in_flight: int = Field(description="Calls to the partner running right now.")


class PayoutSummaryData(BaseModel):
    partners: list[PartnerPayouts]
    ledger_total: int = Field(description="Every incentive rupiah in the ledger.")
    open_anomalies: int = Field(description="Callbacks or answers that contradicted the record.")
