"""The endpoint catalogue: every path of the surface, who may call it, its messages and errors.

The server mounts its routes from these entries, the OpenAPI export documents them, and the
validation handler picks the error code of a malformed body from ``invalid_code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel

from contract import assignments, attendance, payments, sandbox, sso
from contract import errors as err
from contract.errors import ErrorCode


class Role(StrEnum):
    DP = "dp"
    LP = "lp"


@dataclass(frozen=True)
class Endpoint:
    """One operation of the surface."""

    name: str
    method: str
    path: str
    summary: str
    description: str
    role: Role | None  # None: not a signed partner call (SSO, sandbox helpers)
    request: type[BaseModel] | None
    data: type[BaseModel] | None  # the `data` of the success envelope; None: no data (void)
    errors: tuple[ErrorCode, ...] = field(default=())
    invalid_code: ErrorCode = err.BAD_REQUEST
    success_message: str = "OK"
    tag: str = "payment"


SIGNED = (
    err.MISSING_HEADERS,
    err.UNKNOWN_CLIENT,
    err.BAD_SIGNATURE,
    err.BAD_TIMESTAMP,
    err.REPLAYED,
    err.WRONG_ROLE,
    err.BAD_REQUEST,
)
INTEGRATION = "/api/v1/integration"

QUOTA_SCHEDULE = Endpoint(
    "quota_schedule",
    "POST",
    f"{INTEGRATION}/payment/quota-schedule",
    "Cek Kuota: seats left on a schedule",
    "Returns the remaining seats for a course schedule; usable before or after purchase.",
    Role.DP,
    payments.QuotaScheduleRequest,
    payments.QuotaScheduleData,
    (err.COURSE_OR_SCHEDULE_EMPTY, err.SCHEDULE_NOT_FOUND, err.SCHEDULE_NOT_IN_COURSE),
    invalid_code=err.COURSE_OR_SCHEDULE_EMPTY,
)
SEND_OTP = Endpoint(
    "send_otp",
    "POST",
    f"{INTEGRATION}/payment/send-otp",
    "Send OTP: start a purchase paid with Kartu Prakerja",
    "Validates the order (schedule, course, start, quota, age, education, card, balance, price) "
    "and sends the buyer an SMS OTP. Returns the `payment_token` that authorize needs. The OTP "
    "and token expire after `expired_at`; three wrong OTPs kill the token. In the sandbox the "
    "SMS lands in the inbox at `/api/v1/sandbox/sms-inbox`.",
    Role.DP,
    payments.SendOtpRequest,
    payments.SendOtpData,
    (
        err.COURSE_NOT_FOUND,
        err.SCHEDULE_NOT_FOUND,
        err.SCHEDULE_NOT_IN_COURSE,
        err.TRAINING_STARTED,
        err.QUOTA_FULL,
        err.CARD_NOT_FOUND,
        err.CARD_NOT_ACTIVE,
        err.AGE_NOT_ELIGIBLE,
        err.EDUCATION_NOT_ELIGIBLE,
        err.AMOUNT_MISMATCH,
        err.BALANCE_INSUFFICIENT,
        err.ALREADY_OWNED,
    ),
    success_message="OTP berhasil dikirim.",
)
AUTHORIZE = Endpoint(
    "authorize",
    "POST",
    f"{INTEGRATION}/payment/authorize",
    "Authorize: pay with the OTP",
    "Checks the OTP against the payment token in `Authorization: Payment <token>`; on success "
    "debits the card, takes a seat and records the transaction. The signature's raw string may "
    "or may not include the Authorization value between path and body; both are accepted.",
    Role.DP,
    payments.AuthorizeRequest,
    payments.AuthorizeData,
    (
        err.PAYMENT_TOKEN_INVALID,
        err.PAYMENT_TOKEN_USED,
        err.OTP_WRONG,
        err.OTP_EXPIRED,
        err.OTP_LOCKED,
        err.INVOICE_DUPLICATE,
        err.TRAINING_STARTED,
        err.QUOTA_FULL,
        err.CARD_NOT_ACTIVE,
        err.BALANCE_INSUFFICIENT,
        err.ALREADY_OWNED,
    ),
    success_message="Pelatihan berhasil dibeli.",
)
PAYMENT_STATUS = Endpoint(
    "payment_status",
    "POST",
    f"{INTEGRATION}/payment/status",
    "Status: look up a purchase by invoice",
    "Returns the DP's own transaction with this invoice code; status SUCCESS or VOIDED.",
    Role.DP,
    payments.PaymentStatusRequest,
    payments.PaymentStatusData,
    (err.INVOICE_NOT_FOUND,),
)
VOID = Endpoint(
    "void",
    "POST",
    f"{INTEGRATION}/payment/void",
    "Void: cancel a purchase",
    "Cancels the DP's transaction: credits the card, returns the seat, voids the redeem code. "
    "Refused once the redeem code has been used.",
    Role.DP,
    payments.VoidRequest,
    None,
    (err.TRANSACTION_NOT_FOUND, err.ALREADY_VOIDED, err.VOID_NOT_ALLOWED),
    success_message="Transaksi berhasil dibatalkan.",
)
REDEEM_STATUS = Endpoint(
    "redeem_status",
    "POST",
    f"{INTEGRATION}/payment/redeem-code/status",
    "Status of a redeem code for one attendance sequence",
    "Reads the participant's verification state for `sequence` (1 redeem, 2-10 attendance, "
    "999 post-test). It records nothing: stages are verified on the Prakerja page that "
    "`oauth/url-generate` links to (or, legacy, by `redeem-code/commit` for sequence 1).",
    Role.LP,
    attendance.RedeemStatusRequest,
    attendance.RedeemStatusData,
    (err.REDEEM_NOT_FOUND, err.SEQUENCE_INVALID),
    tag="attendance",
)
REDEEM_COMMIT = Endpoint(
    "redeem_commit",
    "POST",
    f"{INTEGRATION}/payment/redeem-code/commit",
    "Commit a redeem code (legacy)",
    "Legacy redemption without the verification page: marks sequence 1 verified. Idempotent.",
    Role.LP,
    attendance.RedeemCommitRequest,
    attendance.RedeemStatusData,
    (err.REDEEM_NOT_FOUND, err.REDEEM_VOIDED),
    tag="attendance",
)
REDEEM_RESET = Endpoint(
    "redeem_reset",
    "POST",
    f"{INTEGRATION}/payment/redeem-code/reset",
    "Reset a test redeem code (sandbox only)",
    "Puts a `PRAT-` code of a positive test case (TC1/TC2 x 001/999) back in its starting state.",
    Role.LP,
    attendance.RedeemResetRequest,
    attendance.RedeemStatusData,
    (err.REDEEM_NOT_FOUND, err.RESET_NOT_ALLOWED, err.SANDBOX_ONLY),
    tag="attendance",
)
URL_GENERATE = Endpoint(
    "url_generate",
    "POST",
    f"{INTEGRATION}/oauth/url-generate",
    "Generate the attendance verification URL",
    "Returns a Prakerja-hosted page where the participant verifies one stage; afterwards the "
    "browser returns to `redirect_uri` with `redeem_code`, `sequence` and `status` "
    "(`success`/`failed`) in the query. One email per course; stages in order.",
    Role.LP,
    attendance.UrlGenerateRequest,
    attendance.UrlGenerateData,
    (
        err.REDEEM_NOT_FOUND,
        err.REDEEM_VOIDED,
        err.SEQUENCE_INVALID,
        err.SEQUENCE_ORDER,
        err.ALREADY_VERIFIED,
        err.EMAIL_USED,
        err.EMAIL_MISMATCH,
        err.REDIRECT_URI_NOT_REGISTERED,
    ),
    tag="attendance",
)
TPM_SUBMISSION = Endpoint(
    "tpm_submission",
    "POST",
    f"{INTEGRATION}/tpm/submission",
    "Record a participant's TPM/UK submission (sandbox-defined)",
    "The participant's work as the LP received it: one file URL per submission.",
    Role.LP,
    assignments.SubmissionRequest,
    assignments.SubmissionStatusData,
    (err.REDEEM_NOT_FOUND, err.REDEEM_VOIDED, err.NOT_REDEEMED, err.SCOPE_SEQUENCE_MISMATCH),
    tag="assignments",
)
TPM_FEEDBACK = Endpoint(
    "tpm_feedback",
    "POST",
    f"{INTEGRATION}/tpm/feedback/submission",
    "Feedback Lembaga Pelatihan on a TPM/UK submission",
    "The LP's assessment of a submission that exists.",
    Role.LP,
    assignments.FeedbackRequest,
    assignments.SubmissionStatusData,
    (
        err.REDEEM_NOT_FOUND,
        err.SCOPE_SEQUENCE_MISMATCH,
        err.SUBMISSION_NOT_FOUND,
        err.FEEDBACK_EXISTS,
    ),
    tag="assignments",
)
TPM_STATUS = Endpoint(
    "tpm_status",
    "POST",
    f"{INTEGRATION}/tpm/submission/status",
    "Submission Status of a TPM/UK",
    "Whether the participant's submission and the LP's feedback were recorded.",
    Role.LP,
    assignments.SubmissionStatusRequest,
    assignments.SubmissionStatusData,
    (err.REDEEM_NOT_FOUND, err.SCOPE_SEQUENCE_MISMATCH),
    tag="assignments",
)
SMS_INBOX = Endpoint(
    "sms_inbox",
    "GET",
    "/api/v1/sandbox/sms-inbox",
    "Sandbox SMS inbox: read the OTPs sent to a test beneficiary",
    "Sandbox only. Query by `prakerja_id` or `phone_number`; newest first, at most 20.",
    None,
    None,
    sandbox.SmsInboxData,
    (err.SANDBOX_ONLY, err.CARD_NOT_FOUND),
    tag="sandbox",
)

INTEGRATION_ENDPOINTS: tuple[Endpoint, ...] = (
    QUOTA_SCHEDULE,
    SEND_OTP,
    AUTHORIZE,
    PAYMENT_STATUS,
    VOID,
    REDEEM_STATUS,
    REDEEM_COMMIT,
    REDEEM_RESET,
    URL_GENERATE,
    TPM_SUBMISSION,
    TPM_FEEDBACK,
    TPM_STATUS,
    SMS_INBOX,
)
BY_PATH: dict[str, Endpoint] = {e.path: e for e in INTEGRATION_ENDPOINTS}

# SSO paths (own envelope, X- headers); documented from the router, listed here for reference.
SSO_AUTHORIZE_PATH = "/api/v1/oauth/authorize"
SSO_TOKEN_PATH = "/api/v1/oauth/token"
SSO_REFRESH_PATH = "/api/v1/oauth/token/refresh"
SSO_PROFILE_PATH = "/api/v1/resource/user_profile"
SSO_CONSENT_PATH = "/consent-sso"
SSO_MODELS = (
    sso.LoginUrlData,
    sso.TokenRequest,
    sso.RefreshRequest,
    sso.TokenData,
    sso.ProfileData,
)
