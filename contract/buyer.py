"""The buyer's side of the partner simulators: what a browser does at a digital platform's
storefront and at a training provider's classroom (sandbox-defined; simulators only).

A real DP or LP has a web shop or a learning site in front of its Prakerja integration. The
simulators expose that front as a small JSON API, so that a test, ``prakerja simulate`` or the
conformance harness can act as the beneficiary's browser:

- at a **digital platform**: browse the storefront, start a checkout for a card and a schedule,
  give the OTP the buyer read from the SMS inbox, see the invoice and its redeem code, ask for a
  void. Every checkout the platform could start is answered as a ``Checkout`` whose ``status``
  says where it stands; a refusal from Prakerja is a ``Failure`` with a buyer-facing ``reason``
  (``BuyerReason``), the catalogued code behind it and, when the sandbox was busy, how long to wait;
- at a **training provider**: present a redeem code and an e-mail, open the verification page the
  answer links to (Prakerja sends the browser back to the provider's callback), attend the next
  session, submit the assignment that is due, take the post-test, and receive the certificate.

Errors of the buyer's own making (a malformed body, an unknown checkout) are 4xx in the
integration envelope with a ``BuyerReason`` as ``code``. Money is integer rupiah.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contract.catalogue import Method, SubmitCourseRequest
from contract.types import Code, Email, Url


class Request(BaseModel):
    """Buyer requests refuse fields they do not know: a typo should not pass silently."""

    model_config = ConfigDict(extra="forbid")


class BuyerReason(StrEnum):
    """Why a step did not go through, as the buyer is told (``Failure.reason``, error ``code``)."""

    # the buyer's own request
    INVALID_REQUEST = "invalid_request"  # malformed body or query
    NOT_FOUND = "not_found"  # no such checkout, invoice, enrolment or certificate here
    CONFLICT = "conflict"  # the step does not fit where the checkout or enrolment stands
    # the platform's storefront and Prakerja's checks of an order
    NOT_ON_SALE = "not_on_sale"  # the platform does not sell the course (or no longer may)
    SCHEDULE_UNKNOWN = "schedule_unknown"
    SOLD_OUT = "sold_out"
    TRAINING_STARTED = "training_started"
    CARD_UNKNOWN = "card_unknown"
    CARD_INACTIVE = "card_inactive"
    NOT_ELIGIBLE = "not_eligible"  # age or education
    INSUFFICIENT_BALANCE = "insufficient_balance"
    ALREADY_OWNED = "already_owned"
    PRICE_CHANGED = "price_changed"  # the storefront's price was stale: look again
    # the payment
    WRONG_OTP = "wrong_otp"  # try again while attempts are left
    OTP_EXPIRED = "otp_expired"
    OTP_LOCKED = "otp_locked"
    PAYMENT_FAILED = "payment_failed"
    VOID_NOT_ALLOWED = "void_not_allowed"  # the training was already started at the provider
    # the training provider
    NOT_OUR_CODE = "not_our_code"  # the redeem code is not of this provider's courses
    VOIDED = "voided"  # the purchase behind the code was cancelled
    EMAIL_TAKEN = "email_taken"  # another participant of this course uses the e-mail
    EMAIL_MISMATCH = "email_mismatch"  # the code is bound to another e-mail
    VERIFY_FIRST = "verify_first"  # a stage is waiting for the participant's verification
    NOTHING_DUE = "nothing_due"  # no assignment is due now
    NOT_READY = "not_ready"  # sessions or assignments are still open before the post-test
    VERIFICATION_FAILED = "verification_failed"  # the participant cancelled, or Prakerja refused
    # either side, when Prakerja could not be used
    BUSY = "busy"  # Prakerja asked to wait (``retry_after``)
    UNAVAILABLE = "unavailable"  # no usable answer from Prakerja; nothing was charged twice
    PARTNER_ERROR = "partner_error"  # Prakerja refused the partner's own call (credentials, …)


class Failure(BaseModel):
    """Why a checkout or a step failed, for the buyer and for scripts."""

    reason: BuyerReason
    message: str = Field(description="What the buyer is told, in Indonesian.")
    prakerja_code: str | None = Field(
        description="The catalogued Prakerja error behind it (ERRPLT40009, …); null when the "
        "partner decided on its own or Prakerja gave no answer."
    )
    retry_after: int | None = Field(
        default=None, description="Seconds to wait before trying again (reason busy)."
    )


class PartnerRef(BaseModel):
    client_code: str
    name: str


# --- digital platform -------------------------------------------------------------------------


class ShopSchedule(BaseModel):
    schedule_code: str
    start_at: str
    end_at: str
    seats_left: int


class ShopCourse(BaseModel):
    """A course the platform sells: from the sandbox's unified catalogue."""

    course_code: str
    title: str
    method: Method
    sessions: int
    price: int = Field(description="Integer rupiah; what the checkout charges.")
    lp: PartnerRef
    provider_url: str | None = Field(
        description="Where the buyer takes the course (the provider simulator), when the platform "
        "carries that provider; null for courses of providers it does not know (fixtures)."
    )
    schedules: list[ShopSchedule] = Field(description="Schedules not yet started.")


class Storefront(BaseModel):
    platform: PartnerRef
    courses: list[ShopCourse]


class CheckoutStatus(StrEnum):
    """Where a checkout stands."""

    AWAITING_OTP = "awaiting_otp"  # the OTP was texted; give it with POST …/otp
    PENDING = "pending"  # Prakerja's answer to the payment was lost; GET re-checks it
    PAID = "paid"  # bought: the invoice carries the redeem code
    FAILED = "failed"  # refused or abandoned; start a new checkout
    VOIDED = "voided"  # paid, then cancelled


class StartCheckoutRequest(Request):
    prakerja_id: Code = Field(description="The buyer's Kartu Prakerja number.")
    course_code: Code
    schedule_code: Code
    user_id: Code | None = Field(
        default=None,
        description="The buyer's account on the platform (its user_platform_id at Prakerja); "
        "derived from the card when omitted.",
    )


class OtpRequest(Request):
    otp: Code = Field(description="The OTP the buyer read from the SMS (sandbox SMS inbox).")


class InvoiceStatus(StrEnum):
    SUCCESS = "SUCCESS"
    VOIDED = "VOIDED"


class Invoice(BaseModel):
    """The platform's invoice of a paid checkout."""

    invoice_code: str
    invoice_url: str
    transaction_code: str = Field(description="Prakerja's transaction code.")
    checkout_id: str
    course_code: str
    schedule_code: str
    amount: int
    status: InvoiceStatus = Field(description="As payment/status last said.")
    buyer_name: str
    redeem_code: str = Field(description="What the buyer presents at the training provider.")
    provider_url: str | None = Field(description="Where to take the course, when known.")
    paid_at: str
    voided_at: str | None


class Checkout(BaseModel):
    checkout_id: str
    status: CheckoutStatus
    prakerja_id: str = Field(description="Masked: the last four digits.")
    course_code: str
    schedule_code: str
    amount: int | None = Field(description="The price charged; null when it never got that far.")
    phone_number: str | None = Field(description="Where the OTP went (masked by Prakerja).")
    otp_expires_at: str | None
    attempts_left: int | None = Field(description="Wrong OTPs the buyer may still type.")
    invoice: Invoice | None
    failure: Failure | None = Field(description="Why the last step failed, if it did.")


class Submission(BaseModel):
    """A course the platform submitted to the catalogue for one of its providers."""

    course_code: str
    lp_client_code: str
    status: str = Field(description="PENDING, APPROVED, REJECTED or SUSPENDED, or the failure.")
    schedules_added: int = 0
    failure: Failure | None = None


class SubmissionsData(BaseModel):
    submissions: list[Submission]


# --- training provider ------------------------------------------------------------------------


class ProviderCourses(BaseModel):
    """What a provider publishes for the platforms that carry it: its courses, exactly as a
    platform submits them to the catalogue."""

    provider: PartnerRef
    courses: list[SubmitCourseRequest]


class EnrolRequest(Request):
    redeem_code: Code = Field(description="From the platform's invoice.")
    email: Email = Field(description="The participant's e-mail at the provider (one per course).")


class AssignmentRequest(Request):
    url_file: Url | None = Field(
        default=None, description="The work (one file URL); the provider's upload when omitted."
    )


class StageView(BaseModel):
    sequence: int = Field(description="1 redeem, 2-10 sessions, 999 post-test.")
    label: str
    verified: bool
    verified_at: str | None


class AssignmentView(BaseModel):
    scope: str = Field(description="tpm or uk.")
    sequence: int
    status: str = Field(description="due, submitted or reviewed.")
    feedback: str | None


class NextStep(BaseModel):
    """What the participant does next."""

    action: str = Field(
        description="verify (open verification_url), attend (POST …/attend), assignment (POST "
        "…/assignments), post_test (POST …/post-test) or done."
    )
    sequence: int | None = None
    verification_url: str | None = Field(
        default=None, description="Prakerja's verification page for this stage."
    )
    expires_at: str | None = None


class Certificate(BaseModel):
    number: str
    url: str
    issued_at: str


class Enrolment(BaseModel):
    redeem_code: str
    course_code: str
    title: str
    method: Method
    sessions: int
    email: str = Field(description="Masked.")
    pre_test: int
    post_test: int | None
    stages: list[StageView]
    assignments: list[AssignmentView]
    next: NextStep
    certificate: Certificate | None = Field(
        description="Issued when the post-test is verified and scored above 60."
    )
    reported: bool = Field(description="Scores (and certificate) reported to Prakerja.")
    failure: Failure | None


class CertificateView(Certificate):
    redeem_code: str
    course_code: str
    title: str
    provider: PartnerRef
    post_test: int
    verified: bool = Field(description="Prakerja accepted the provider's report of it.")
