"""The endpoint catalogue: every path of the surface, who may call it, its messages and errors.

The server mounts its routes from these entries, the OpenAPI export documents them, and the
validation handler picks the error code of a malformed body from ``invalid_code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel

from contract import (
    admin,
    assignments,
    attendance,
    catalogue,
    payments,
    registration,
    sandbox,
    sso,
)
from contract import errors as err
from contract.errors import ErrorCode


class Role(StrEnum):
    """Who a signed caller is: the partner roles of the programme and its office."""

    DP = "dp"  # digital platform: sells courses, takes payment by card
    LP = "lp"  # training provider: redeem codes, attendance, assignments
    PP = "pp"  # payment partner (bank or e-wallet): pays incentives (sandbox-defined surface)
    JP = "jp"  # job portal: pushes vacancies (sandbox-defined surface)
    PMO = "pmo"  # the programme office: waves, the lottery, curation (sandbox-defined)


@dataclass(frozen=True)
class Endpoint:
    """One operation of the surface."""

    name: str
    method: str
    path: str
    summary: str
    description: str
    role: Role | None  # None: not a signed partner call (SSO, registration, sandbox)
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
    "Validates the order (course, seller, suspension, schedule, start, quota, card, age, "
    "education, price, balance) "
    "and sends the buyer an SMS OTP. Returns the `payment_token` that authorize needs. The OTP "
    "and token expire after `expired_at`; three wrong OTPs kill the token. In the sandbox the "
    "SMS lands in the inbox at `/api/v1/sandbox/sms-inbox`.",
    Role.DP,
    payments.SendOtpRequest,
    payments.SendOtpData,
    (
        err.COURSE_NOT_FOUND,
        err.COURSE_OTHER_DP,
        err.COURSE_SUSPENDED,
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
        err.COURSE_SUSPENDED,
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

MAIL_INBOX = Endpoint(
    "mail_inbox",
    "GET",
    "/api/v1/sandbox/mail-inbox",
    "Sandbox mail inbox: read the e-mails sent to an applicant",
    "Sandbox only. Query by `email` (as registered, case-insensitive); newest first, at most 20. "
    "Registration OTPs to phones are in the SMS inbox (`phone_number`).",
    None,
    None,
    sandbox.MailInboxData,
    (err.SANDBOX_ONLY,),
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
    MAIL_INBOX,
)

# --- registration (sandbox-defined; applicants carry a bearer token, not a signature) ---------
REGISTRATION = "/api/v1/registration"
BEARER = (err.SESSION_INVALID, err.RATE_LIMITED, err.BAD_REQUEST)


def _registration(
    name: str,
    method: str,
    path: str,
    summary: str,
    description: str,
    request: type[BaseModel] | None,
    data: type[BaseModel] | None,
    errors: tuple[ErrorCode, ...] = (),
    *,
    bearer: bool = True,
    message: str = "OK",
) -> Endpoint:
    return Endpoint(
        name,
        method,
        f"{REGISTRATION}{path}",
        summary,
        description,
        None,
        request,
        data,
        errors + (BEARER if bearer else (err.RATE_LIMITED, err.BAD_REQUEST)),
        success_message=message,
        tag="registration",
    )


CREATE_ACCOUNT = _registration(
    "create_account",
    "POST",
    "/accounts",
    "Create an account",
    "E-mail, phone and password. Sends an OTP to each (read them in the sandbox inbox) and "
    "returns a session. Limited per phone and per address.",
    registration.CreateAccountRequest,
    registration.SessionData,
    (err.ACCOUNT_EXISTS,),
    bearer=False,
    message="Akun berhasil dibuat.",
)
LOGIN = _registration(
    "login",
    "POST",
    "/login",
    "Log in",
    "A new session for an existing account. Failed attempts are limited per account.",
    registration.LoginRequest,
    registration.SessionData,
    (err.LOGIN_FAILED,),
    bearer=False,
)
SEND_CONTACT_OTP = _registration(
    "send_contact_otp",
    "POST",
    "/otp/send",
    "Send a new OTP to the e-mail or the phone",
    "Replaces any earlier OTP of that channel. Limited per account and per phone.",
    registration.ContactOtpRequest,
    registration.OtpSentData,
    message="OTP berhasil dikirim.",
)
VERIFY_CONTACT = _registration(
    "verify_contact",
    "POST",
    "/otp/verify",
    "Verify the e-mail or the phone with its OTP",
    "Single use, 5 minutes, 3 wrong attempts kill the OTP.",
    registration.VerifyContactRequest,
    registration.ContactData,
    (err.REG_OTP_WRONG, err.REG_OTP_EXPIRED),
)
SUBMIT_IDENTITY = _registration(
    "submit_identity",
    "POST",
    "/identity",
    "Submit identity",
    "NIK, family card, name, birth, sex, address and region, education, employment and the "
    "officials' declaration. Needs both contacts verified. Verification starts once the "
    "selfie is in too.",
    registration.IdentityRequest,
    registration.StatusData,
    (
        err.CONTACT_NOT_VERIFIED,
        err.IDENTITY_EXISTS,
        err.NIK_INVALID,
        err.KK_INVALID,
        err.REGION_UNKNOWN,
    ),
)
SUBMIT_SELFIE = _registration(
    "submit_selfie",
    "POST",
    "/selfie",
    "Submit the selfie's liveness token",
    "Needs both contacts verified. Verification (Dukcapil, biometrics, DTKS, the rules) "
    "starts once the identity is in too, and runs in the background: poll the status.",
    registration.SelfieRequest,
    registration.StatusData,
    (err.CONTACT_NOT_VERIFIED, err.SELFIE_EXISTS),
)
JOIN_WAVE = _registration(
    "join_wave",
    "POST",
    "/wave/join",
    "Join the open wave",
    "For an eligible applicant, while a wave is open. Those not selected roll into the next "
    "wave without joining again.",
    None,
    registration.JoinData,
    (err.NO_OPEN_WAVE, err.NOT_ELIGIBLE, err.ALREADY_JOINED),
    message="Berhasil bergabung.",
)
REGISTRATION_STATUS = _registration(
    "registration_status",
    "GET",
    "/status",
    "The applicant's status",
    "Stage and, when ineligible or revoked, the reason code.",
    None,
    registration.StatusData,
)
DASHBOARD = _registration(
    "dashboard",
    "GET",
    "/dashboard",
    "The beneficiary dashboard",
    "Card, balance, purchases, certificates and the incentive schedule of the scheme.",
    None,
    registration.DashboardData,
)
WAVES = _registration(
    "waves",
    "GET",
    "/waves",
    "Waves and their lottery commitments (public)",
    "Every wave with its quota, times, scheme, seed commitment and, once drawn, the seed.",
    None,
    registration.WavesData,
    bearer=False,
)
REGISTRATION_ENDPOINTS: tuple[Endpoint, ...] = (
    CREATE_ACCOUNT,
    LOGIN,
    SEND_CONTACT_OTP,
    VERIFY_CONTACT,
    SUBMIT_IDENTITY,
    SUBMIT_SELFIE,
    JOIN_WAVE,
    REGISTRATION_STATUS,
    DASHBOARD,
    WAVES,
)

# --- programme office administration (signed, role pmo) -------------------------------------
ADMIN = "/api/v1/admin"


def _admin(
    name: str,
    path: str,
    summary: str,
    description: str,
    request: type[BaseModel],
    data: type[BaseModel] | None,
    errors: tuple[ErrorCode, ...] = (),
) -> Endpoint:
    return Endpoint(
        name,
        "POST",
        f"{ADMIN}{path}",
        summary,
        description,
        Role.PMO,
        request,
        data,
        errors,
        tag="admin",
    )


CREATE_WAVE = _admin(
    "create_wave",
    "/waves/create",
    "Create a wave",
    "Quota, opening and closing times and scheme. Waves may not overlap. Applicants not "
    "selected in earlier waves roll into it.",
    admin.CreateWaveRequest,
    admin.WaveData,
    (err.WAVE_EXISTS, err.WAVE_OVERLAP, err.SCHEME_UNKNOWN, err.WAVE_TIMES_INVALID),
)
COMMIT_WAVE = _admin(
    "commit_wave",
    "/waves/commit",
    "Commit to the lottery seed",
    "Draws a secret seed and publishes its SHA-256. Before the wave closes; once.",
    admin.WaveRequest,
    admin.WaveData,
    (err.WAVE_NOT_FOUND, err.WAVE_STATE),
)
CLOSE_WAVE = _admin(
    "close_wave",
    "/waves/close",
    "Close a wave now",
    "Stops joining before closes_at. Needs the seed committed.",
    admin.WaveRequest,
    admin.WaveData,
    (err.WAVE_NOT_FOUND, err.WAVE_STATE),
)
DRAW_WAVE = _admin(
    "draw_wave",
    "/waves/draw",
    "Reveal the seed and draw",
    "After closing: reveals the seed, selects the quota eligible joiners with the smallest "
    "SHA-256(seed || NIK), issues their cards and credits the scheme's training balance; the "
    "rest roll into the next wave.",
    admin.WaveRequest,
    admin.WaveData,
    (err.WAVE_NOT_FOUND, err.WAVE_STATE),
)
WAVE_STATUS = _admin(
    "wave_status",
    "/waves/status",
    "A wave and its counts",
    "",
    admin.WaveRequest,
    admin.WaveData,
    (err.WAVE_NOT_FOUND,),
)
EXPORT_WAVE = _admin(
    "export_wave",
    "/waves/export",
    "Export the joiners or the winners (CSV)",
    "`text/csv`, one NIK a line after a `nik` header: the joiners in the draw, or the winners "
    "in draw order. With the revealed seed, enough to recompute the draw.",
    admin.ExportRequest,
    None,
    (err.WAVE_NOT_FOUND, err.WAVE_STATE),
)
REVOKE_EXPIRED = _admin(
    "revoke_expired",
    "/jobs/revoke-expired",
    "Revoke cards with no purchase past the deadline",
    "Runs the job the worker runs daily: every card with no purchase the scheme's deadline "
    "after selection is revoked, its balance returned, its holder barred.",
    admin.RevokeRequest,
    admin.RevokeData,
)
ADMIN_ENDPOINTS: tuple[Endpoint, ...] = (
    CREATE_WAVE,
    COMMIT_WAVE,
    CLOSE_WAVE,
    DRAW_WAVE,
    WAVE_STATUS,
    EXPORT_WAVE,
    REVOKE_EXPIRED,
)

# --- catalogue and curation (sandbox-defined; DP, PMO and LP signed, the catalogue public) ------
CATALOGUE_API = "/api/v1/catalogue"


def _catalogue(
    name: str,
    method: str,
    path: str,
    summary: str,
    description: str,
    role: Role | None,
    request: type[BaseModel] | None,
    data: type[BaseModel],
    errors: tuple[ErrorCode, ...] = (),
    *,
    invalid: ErrorCode = err.BAD_REQUEST,
    message: str = "OK",
) -> Endpoint:
    return Endpoint(
        name,
        method,
        f"{CATALOGUE_API}{path}",
        summary,
        description,
        role,
        request,
        data,
        errors if role is not None else errors + (err.BAD_REQUEST,),
        invalid_code=invalid,
        success_message=message,
        tag="catalogue",
    )


SUBMIT_COURSE = _catalogue(
    "submit_course",
    "POST",
    "/courses/submit",
    "Submit a course for curation (DP, on behalf of one of its LPs)",
    "The course and its schedules go to the programme office's entry assessment (status "
    "PENDING). After a rejection, the same course_code again is a corrected version; earlier "
    "versions and their assessments are kept. A course_code belongs to the DP that first "
    "submitted it.",
    Role.DP,
    catalogue.SubmitCourseRequest,
    catalogue.SubmissionData,
    (
        err.LP_UNKNOWN,
        err.SCHEDULE_TIMES_INVALID,
        err.AGE_RANGE_INVALID,
        err.SESSIONS_INVALID,
        err.COURSE_CODE_TAKEN,
        err.SUBMISSION_OPEN,
        err.SCHEDULE_CODE_TAKEN,
        err.LP_CHANGED,
    ),
    invalid=err.SUBMISSION_INVALID,
    message="Pengajuan pelatihan diterima.",
)
ADD_SCHEDULES = _catalogue(
    "add_schedules",
    "POST",
    "/courses/schedules",
    "Add schedules to an approved course (DP)",
    "New schedules go on sale at once; the course needs no new assessment.",
    Role.DP,
    catalogue.AddSchedulesRequest,
    catalogue.SubmissionData,
    (
        err.COURSE_SUBMISSION_NOT_FOUND,
        err.COURSE_NOT_APPROVED,
        err.SCHEDULE_TIMES_INVALID,
        err.SCHEDULE_CODE_TAKEN,
    ),
    invalid=err.SUBMISSION_INVALID,
    message="Jadwal pelatihan ditambahkan.",
)
SUBMISSION_STATUS = _catalogue(
    "submission_status",
    "POST",
    "/submissions/status",
    "A submission's status, versions and assessments (DP)",
    "Only the DP's own submissions: another DP's course_code is not found.",
    Role.DP,
    catalogue.CourseCodeRequest,
    catalogue.SubmissionData,
    (err.COURSE_SUBMISSION_NOT_FOUND,),
)
LIST_SUBMISSIONS = _catalogue(
    "list_submissions",
    "POST",
    "/submissions/list",
    "The DP's submissions, newest first (DP)",
    "",
    Role.DP,
    catalogue.SubmissionListRequest,
    catalogue.SubmissionListData,
)
PENDING_SUBMISSIONS = _catalogue(
    "pending_submissions",
    "POST",
    "/curation/pending",
    "Submissions waiting for the entry assessment, oldest first (PMO)",
    "",
    Role.PMO,
    catalogue.PendingRequest,
    catalogue.SubmissionListData,
)
SHOW_SUBMISSION = _catalogue(
    "show_submission",
    "POST",
    "/curation/show",
    "A course in curation: versions, assessments, schedules (PMO)",
    "",
    Role.PMO,
    catalogue.CourseCodeRequest,
    catalogue.SubmissionData,
    (err.COURSE_SUBMISSION_NOT_FOUND,),
)
ASSESS = _catalogue(
    "assess",
    "POST",
    "/curation/assess",
    "Assess a course on the indicators (PMO)",
    "kind `entry` scores the pending version on the 52 entry indicators: pass approves it (it "
    "joins the catalogue, on sale), fail rejects it with its reasons. kind `monitoring` scores "
    "an approved course on the 40 monitoring indicators: fail suspends it (send-otp refuses "
    "`ERRCAT40007`; purchases already made are unaffected), pass reinstates a suspended one. "
    "The rule: every critical indicator at least `critical_minimum` and the weighted mean at "
    "least `pass_mean` (see indicators).",
    Role.PMO,
    catalogue.AssessRequest,
    catalogue.AssessmentResultData,
    (
        err.COURSE_SUBMISSION_NOT_FOUND,
        err.ASSESSMENT_STATE,
        err.SCHEDULE_CODE_TAKEN,
        err.COURSE_CODE_TAKEN,
    ),
    invalid=err.SCORES_INVALID,
)
INDICATORS = _catalogue(
    "indicators",
    "GET",
    "/indicators",
    "The assessment indicators and the pass rule (public)",
    "Entry (52) and monitoring (40) indicators: id, group, title, weight, critical flag.",
    None,
    None,
    catalogue.IndicatorsData,
)
CATALOGUE_COURSES = _catalogue(
    "catalogue_courses",
    "GET",
    "/courses",
    "The unified catalogue (public)",
    "Approved, active courses of every DP and LP (and the shared SBX- fixtures) with their "
    "schedules not yet started and seats left, price, rating; filtered and paged.",
    None,
    None,
    catalogue.CatalogueData,
)
CATALOGUE_COURSE = _catalogue(
    "catalogue_course",
    "GET",
    "/course",
    "A course's page (public)",
    "The catalogue entry with the LP's reported results (average scores, certificates) and the "
    "latest reviews.",
    None,
    None,
    catalogue.CoursePageData,
    (err.COURSE_NOT_LISTED,),
)
REPORT_RESULT = _catalogue(
    "report_result",
    "POST",
    "/results",
    "Report a participant's scores and certificate (LP)",
    "After the post-test (sequence 999) is verified: pre-test and post-test scores (0-100) and, "
    "when the LP issued one, the certificate's number and URL. Once per redeem code; only codes "
    "of the LP's own courses.",
    Role.LP,
    catalogue.ResultRequest,
    catalogue.TrainingResultData,
    (
        err.REDEEM_NOT_FOUND,
        err.REDEEM_VOIDED,
        err.TRAINING_NOT_FINISHED,
        err.RESULT_EXISTS,
        err.CERTIFICATE_NUMBER_TAKEN,
    ),
    invalid=err.RESULT_INVALID,
    message="Nilai pelatihan tercatat.",
)
# The beneficiary's review is on the registration surface (bearer, /api/v1/registration).
SUBMIT_REVIEW = Endpoint(
    "submit_review",
    "POST",
    f"{REGISTRATION}/reviews",
    "Rate and review a finished training (sandbox-defined, catalogue)",
    "Once per purchase, after its post-test is verified: 1-5 stars and a review. The first "
    "training finished, rated and reviewed is a condition of the incentive.",
    None,
    catalogue.ReviewRequest,
    catalogue.ReviewData,
    (
        err.PURCHASE_NOT_FOUND,
        err.TRAINING_NOT_FINISHED,
        err.ALREADY_REVIEWED,
        *BEARER,
    ),
    invalid_code=err.REVIEW_INVALID,
    success_message="Terima kasih atas ulasan Anda.",
    tag="registration",
)
CATALOGUE_ENDPOINTS: tuple[Endpoint, ...] = (
    SUBMIT_COURSE,
    ADD_SCHEDULES,
    SUBMISSION_STATUS,
    LIST_SUBMISSIONS,
    PENDING_SUBMISSIONS,
    SHOW_SUBMISSION,
    ASSESS,
    INDICATORS,
    CATALOGUE_COURSES,
    CATALOGUE_COURSE,
    REPORT_RESULT,
    SUBMIT_REVIEW,
)

ALL_ENDPOINTS = (
    INTEGRATION_ENDPOINTS + REGISTRATION_ENDPOINTS + ADMIN_ENDPOINTS + CATALOGUE_ENDPOINTS
)
BY_PATH: dict[str, Endpoint] = {e.path: e for e in ALL_ENDPOINTS}

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
