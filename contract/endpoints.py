"""The endpoint catalogue: every path of the surface, who may call it, its messages and errors.

The server mounts its routes from these entries, the OpenAPI export documents them, and the
validation handler picks the error code of a malformed body from ``invalid_code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pydantic import BaseModel

from contract import (
    admin,
    assignments,
    attendance,
    catalogue,
    certification,
    incentives,
    jobs,
    payments,
    payouts,
    registration,
    sandbox,
    sso,
)
from contract import errors as err
from contract.errors import ErrorCode
from contract.roles import Role as Role  # re-exported: most callers import Role from here


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
    max_body: int | None = None  # bytes; None: the server's default cap (64 KiB)
    other_roles: tuple[Role, ...] = ()  # further roles that may call it (certification)

    @property
    def roles(self) -> tuple[Role, ...]:
        """Every role that may call it (none: not a signed partner call)."""
        return ((self.role,) if self.role is not None else ()) + self.other_roles


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
    "Draws a secret seed and publishes its SHA-256. Before the wave closes; once. In the "
    "sandbox the PMO may give the seed, for reproducible simulations.",
    admin.CommitWaveRequest,
    admin.WaveData,
    (err.WAVE_NOT_FOUND, err.WAVE_STATE, err.SANDBOX_ONLY),
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

# --- incentives through payment partners (sandbox-defined) ---------------------------------
# Prakerja's side: the partner's callback (signed, role pp), the beneficiary's calls on the
# registration surface and the programme office's on the admin surface. The operations the
# *partner* hosts are PARTNER_ENDPOINTS below: Prakerja calls them, it does not serve them.

PAYOUT_CALLBACK = Endpoint(
    "payout_callback",
    "POST",
    payouts.CALLBACK_PATH,
    "Payment partner: a disbursement became final (sandbox-defined)",
    "The payment partner's callback, signed with its sign key (role `pp`), when a disbursement "
    "it was sent becomes SUCCESS or FAILED. Idempotent: a duplicate gets the same answer, and "
    "callbacks are accepted in any order and at any time (also before the disburse answer). A "
    "callback contradicting the record (another final status or amount) is refused and kept "
    "for reconciliation. Retry on anything but a 2xx or a 4xx other than 429.",
    Role.PP,
    payouts.PayoutCallbackRequest,
    payouts.PayoutCallbackData,
    (
        err.INC_DISBURSEMENT_NOT_FOUND,
        err.INC_CALLBACK_CONFLICT,
        err.INC_CALLBACK_AMOUNT,
        err.INC_CALLBACK_NOT_FINAL,
    ),
    success_message="Callback diterima.",
    tag="payout",
)
PAYOUT_PRAKERJA_ENDPOINTS: tuple[Endpoint, ...] = (PAYOUT_CALLBACK,)

INCENTIVE_PARTNERS = _registration(
    "incentive_partners",
    "GET",
    "/incentive/partners",
    "Payment partners an account can be linked with",
    "The banks and e-wallets incentives can be paid into.",
    None,
    incentives.PaymentPartnersData,
)
LINK_ACCOUNT = _registration(
    "link_account",
    "POST",
    "/incentive/link",
    "Link a bank account or e-wallet for incentives",
    "For a card holder. Asks the partner about the account: it must exist, be active, be "
    "KYC-verified and carry the card holder's NIK; an e-wallet must be on the phone registered "
    "with Prakerja. Then texts an OTP to that phone (sandbox: the SMS inbox); confirm with "
    "incentive/link/confirm within 5 minutes.",
    incentives.LinkAccountRequest,
    incentives.LinkData,
    (
        err.INC_NOT_BENEFICIARY,
        err.INC_PARTNER_NOT_FOUND,
        err.INC_EWALLET_PHONE,
        err.INC_ACCOUNT_NOT_FOUND,
        err.INC_KYC_NOT_VERIFIED,
        err.INC_NIK_MISMATCH,
        err.INC_ACCOUNT_BLOCKED,
        err.INC_TYPE_NOT_SUPPORTED,
        err.INC_ALREADY_LINKED,
        err.INC_PARTNER_UNAVAILABLE,
    ),
    message="OTP berhasil dikirim.",
)
CONFIRM_LINK = _registration(
    "confirm_link",
    "POST",
    "/incentive/link/confirm",
    "Confirm the account link with the texted OTP",
    "Makes the account the one incentives are paid into (an earlier one is replaced; a payment "
    "already sent stays with it). Three wrong OTPs end the link request.",
    incentives.ConfirmLinkRequest,
    incentives.LinkData,
    (err.INC_NOT_BENEFICIARY, err.INC_LINK_OTP_WRONG, err.INC_LINK_NOT_PENDING),
    message="Rekening berhasil ditautkan.",
)
INCENTIVES = _registration(
    "incentives",
    "GET",
    "/incentive",
    "Incentive conditions, schedule and payment history",
    "Which conditions are met (first training finished, rated and reviewed, account linked), "
    "every payment of the scheme with its due date and status, and every disbursement made.",
    None,
    incentives.IncentivesData,
    (err.INC_NOT_BENEFICIARY,),
)
SURVEYS = _registration(
    "surveys",
    "GET",
    "/surveys",
    "The evaluation surveys of the card's scheme",
    "Each opens once the incentive it follows is paid, is answered once and paid once.",
    None,
    incentives.SurveysData,
    (err.INC_NOT_BENEFICIARY,),
)
ANSWER_SURVEY = _registration(
    "answer_survey",
    "POST",
    "/surveys/answer",
    "Answer an evaluation survey",
    "Every question answered; the survey's payment is scheduled at once (to the linked account).",
    incentives.SurveyAnswerRequest,
    incentives.SurveyAnswerData,
    (
        err.INC_NOT_BENEFICIARY,
        err.INC_SURVEY_NOT_FOUND,
        err.INC_SURVEY_LOCKED,
        err.INC_SURVEY_ANSWERED,
        err.INC_SURVEY_ANSWERS_INVALID,
    ),
    message="Terima kasih, survei tersimpan.",
)
INCENTIVE_REGISTRATION_ENDPOINTS: tuple[Endpoint, ...] = (
    INCENTIVE_PARTNERS,
    LINK_ACCOUNT,
    CONFIRM_LINK,
    INCENTIVES,
    SURVEYS,
    ANSWER_SURVEY,
)

RUN_DUE = _admin(
    "run_due_incentives",
    "/jobs/incentives-due",
    "Schedule and send the incentives that are due",
    "Runs the job the worker runs daily: starts the schedule of every card holder who now meets "
    "the conditions and queues a disbursement for every payment due by `as_of` (sandbox: any "
    "time, e.g. months ahead). The disbursements are sent by the outbox workers.",
    incentives.RunDueRequest,
    incentives.RunDueData,
    (err.INC_DATE_INVALID,),
)
RECONCILE = _admin(
    "reconcile_payouts",
    "/payouts/reconcile",
    "Reconcile a payment partner's statement of a day with the ledger",
    "Fetches the partner's statement of `date` (every page), compares it with Prakerja's "
    "disbursements and ledger, stores the report and returns it. The worker does this daily for "
    "the day before.",
    incentives.ReconcileRequest,
    incentives.ReconciliationData,
    (err.INC_PARTNER_NOT_FOUND, err.INC_DATE_INVALID, err.INC_PARTNER_UNAVAILABLE),
)
RECONCILIATION = _admin(
    "reconciliation_report",
    "/payouts/reconciliation",
    "The stored reconciliation report of a partner and day",
    "The latest run's report: counts, totals and every mismatch.",
    incentives.ReconcileRequest,
    incentives.ReconciliationData,
    (err.INC_PARTNER_NOT_FOUND, err.INC_REPORT_NOT_FOUND),
)
PAYOUT_SUMMARY = _admin(
    "payout_summary",
    "/payouts/summary",
    "Disbursements per partner and status, and the ledger total",
    "",
    incentives.PayoutSummaryRequest,
    incentives.PayoutSummaryData,
    (err.INC_PARTNER_NOT_FOUND,),
)
INCENTIVE_ADMIN_ENDPOINTS: tuple[Endpoint, ...] = (
    RUN_DUE,
    RECONCILE,
    RECONCILIATION,
    PAYOUT_SUMMARY,
)


def _partner_hosted(
    name: str,
    path: str,
    summary: str,
    description: str,
    request: type[BaseModel],
    data: type[BaseModel],
) -> Endpoint:
    return Endpoint(
        name,
        "POST",
        path,
        summary,
        description,
        None,  # the caller is Prakerja, signing with the partner's webhook key
        request,
        data,
        payouts.OPERATION_ERRORS[path],
        invalid_code=payouts.PP_BAD_REQUEST,
        tag="payment-partner",
    )


PARTNER_ACCOUNT_INQUIRY = _partner_hosted(
    "account_inquiry",
    payouts.ACCOUNT_INQUIRY_PATH,
    "Account inquiry: whose account is it, how verified, is it the NIK Prakerja sends",
    "Answers for an existing account of the given type, whatever its state: its holder's name, "
    "KYC level, whether its verified identity has exactly this NIK (never the NIK itself), and "
    "whether it can receive money. An unknown account is `ERRPPR40401`; an account type this "
    "partner does not hold is `ERRPPR42203`. Reads only: records nothing Prakerja relies on.",
    payouts.AccountInquiryRequest,
    payouts.AccountInquiryData,
)
PARTNER_DISBURSE = _partner_hosted(
    "disburse",
    payouts.DISBURSE_PATH,
    "Disburse: pay an incentive into an account, once per disbursement_id",
    "Records the disbursement under `disbursement_id` and credits `amount` (integer rupiah, no "
    "fee) to the account, now or later. The answer is SUCCESS, PENDING (a callback follows) or "
    "FAILED with `failure_code` (account not found, blocked, over its limit, wrong type: a "
    "business refusal is a FAILED disbursement, not an HTTP error). The same id again with the "
    "same account and amount returns the disbursement as it stands, paying nothing more; with "
    "another account or amount it is `ERRPPR40901`.",
    payouts.DisburseRequest,
    payouts.DisbursementData,
)
PARTNER_STATUS = _partner_hosted(
    "disbursement_status",
    payouts.STATUS_PATH,
    "Status of a disbursement",
    "The disbursement as recorded now; `ERRPPR40402` when no disburse with this id was ever "
    "recorded (Prakerja then sends it). Prakerja asks this before re-sending a disburse whose "
    "answer it did not get, and to follow a PENDING one whose callback is late.",
    payouts.DisbursementStatusRequest,
    payouts.DisbursementData,
)
PARTNER_STATEMENT = _partner_hosted(
    "statement",
    payouts.STATEMENT_PATH,
    "Daily statement for reconciliation",
    "Every disbursement whose status became final (SUCCESS or FAILED) during `date` "
    "(Asia/Jakarta) by the partner's clock, each exactly once across the pages, in a stable "
    "order; follow `next_cursor` until null. The totals cover the whole day. A day in the "
    "future is `ERRPPR40002`; today is listed as far as it has gone.",
    payouts.StatementRequest,
    payouts.StatementData,
)
PARTNER_ENDPOINTS: tuple[Endpoint, ...] = (
    PARTNER_ACCOUNT_INQUIRY,
    PARTNER_DISBURSE,
    PARTNER_STATUS,
    PARTNER_STATEMENT,
)
"""What a payment partner serves on its base URL (not part of ALL_ENDPOINTS: Prakerja calls them)."""

# --- jobs (sandbox-defined): job portals push vacancies; job seekers search them ------------
JOBS = "/api/v1/jobs"

PUSH_VACANCIES = Endpoint(
    "push_vacancies",
    "POST",
    f"{JOBS}/vacancies/push",
    "Push a batch of vacancies",
    f"Up to {jobs.PUSH_MAX_ITEMS} vacancies (body up to 1 MiB), each judged on its own: every "
    "item gets a result — `accepted` (new), `updated` (changed content, or re-opened), "
    "`unchanged` (same content: nothing written) or `rejected` with a catalogued code — so one "
    "bad item never sinks the batch. A vacancy is the portal's `vacancy_id`; pushing it again is "
    "idempotent. Expired vacancies drop out of search on their own.",
    Role.JP,
    jobs.PushRequest,
    jobs.PushData,
    (
        err.VACANCY_INVALID,
        err.LOCATION_UNKNOWN,
        err.SALARY_RANGE_INVALID,
        err.VACANCY_DATES_INVALID,
        err.VACANCY_EXPIRED,
        err.VACANCY_DUPLICATE_IN_BATCH,
    ),
    invalid_code=err.JOB_PUSH_INVALID,
    tag="jobs",
    max_body=jobs.PUSH_MAX_BODY_BYTES,
)
WITHDRAW_VACANCIES = Endpoint(
    "withdraw_vacancies",
    "POST",
    f"{JOBS}/vacancies/withdraw",
    "Withdraw vacancies",
    "Takes the portal's vacancies out of search at once; one result per id. Pushing a withdrawn "
    "vacancy again re-opens it.",
    Role.JP,
    jobs.WithdrawRequest,
    jobs.WithdrawData,
    (err.VACANCY_NOT_FOUND,),
    invalid_code=err.JOB_PUSH_INVALID,
    tag="jobs",
)
SEARCH_VACANCIES = Endpoint(
    "search_vacancies",
    "GET",
    f"{JOBS}/search",
    "Search live vacancies (public)",
    "Every filter optional, all combined: words of title or company, province or regency, the "
    "seeker's education (vacancies asking no more), industry, job type, salary range. Newest "
    "first; page with `cursor` = the previous page's `next_cursor`. No authentication: "
    "vacancies are public.",
    None,
    None,
    jobs.SearchData,
    (err.LOCATION_UNKNOWN, err.SALARY_RANGE_INVALID, err.JOB_CURSOR_INVALID),
    invalid_code=err.JOB_SEARCH_INVALID,
    tag="jobs",
)
RECOMMENDATIONS = replace(
    _registration(
        "job_recommendations",
        "GET",
        "/jobs/recommendations",
        "Vacancies recommended for the applicant",
        "Live vacancies the applicant's education qualifies for, ranked by the industries of the "
        "courses they finished (post-test verified) and by nearness to their district; ties newest "
        "first. Each says why it was recommended. Needs the identity submitted.",
        None,
        jobs.RecommendationsData,
        (err.IDENTITY_MISSING, err.JOB_SEARCH_INVALID),
    ),
    invalid_code=err.JOB_SEARCH_INVALID,
    tag="jobs",
)
JOBS_ENDPOINTS: tuple[Endpoint, ...] = (
    PUSH_VACANCIES,
    WITHDRAW_VACANCIES,
    SEARCH_VACANCIES,
    RECOMMENDATIONS,
)

# Served by the job portal, called by Prakerja (signed with the portal's webhook_key):
# documented in openapi/job-portal.openapi.json, never mounted by the server.
JOB_PORTAL_FEED = Endpoint(
    "job_portal_feed",
    "POST",
    jobs.FEED_PATH,
    "The portal's vacancy feed (served by the job portal)",
    "Vacancies created, changed or withdrawn after `cursor`, oldest change first, at most "
    "`limit`; `next_cursor` resumes after the last one and `has_more` says whether another page "
    "is ready. Prakerja signs the call with the portal's `webhook_key`: headers `client_code` "
    "(the portal's own), `timestamp`, `signature` = HMAC-SHA1 over client_code + timestamp + "
    "`POST` + path + body; the portal must refuse anything else with the `ERRAUT` codes, and a "
    "cursor it never returned with `ERRJOB40010`.",
    None,
    jobs.FeedRequest,
    jobs.FeedData,
    (
        err.MISSING_HEADERS,
        err.UNKNOWN_CLIENT,
        err.BAD_SIGNATURE,
        err.BAD_TIMESTAMP,
        err.REPLAYED,
        err.BAD_REQUEST,
        err.JOB_CURSOR_INVALID,
    ),
    tag="job-portal",
)
JOB_PORTAL_ENDPOINTS: tuple[Endpoint, ...] = (JOB_PORTAL_FEED,)

# --- certification (sandbox-defined; signed by the partner certified, or by the office) --------
CERTIFICATION = "/api/v1/certification"
PARTNER_ROLES = (Role.DP, Role.LP, Role.PP, Role.JP)
CLIENT_ROLES = (Role.DP, Role.LP, Role.JP)


def _certification(
    name: str,
    path: str,
    summary: str,
    description: str,
    roles: tuple[Role, ...],
    request: type[BaseModel] | None,
    data: type[BaseModel],
    errors: tuple[ErrorCode, ...] = (),
    *,
    method: str = "POST",
    max_body: int | None = None,
) -> Endpoint:
    return Endpoint(
        name,
        method,
        f"{CERTIFICATION}{path}",
        summary,
        description,
        roles[0] if roles else None,
        request,
        data,
        errors,
        tag="certification",
        other_roles=roles[1:],
        max_body=max_body,
    )


SUBMIT_RUN = _certification(
    "submit_run",
    "/runs/submit",
    "Submit a certification run's report",
    "The `report.json` that `prakerja certify` wrote, signed by the partner it certifies. The "
    "sandbox checks that it names the caller, carries a result for every requirement that "
    "applies and nothing else, and that its digest is its own; it stores it and, when no MUST "
    "requirement failed, issues a certificate signed with the programme office's key. "
    "Submitting the same report again returns the same run.",
    PARTNER_ROLES,
    certification.RunReport,
    certification.RunData,
    (
        err.CERT_VERSION,
        err.CERT_INCOMPLETE,
        err.CERT_DIGEST,
        err.CERT_NOT_YOURS,
        err.CERT_RUN_EXISTS,
    ),
    max_body=8 * 1024 * 1024,  # a report with its evidence (bounded per check)
)
LIST_RUNS = _certification(
    "list_runs",
    "/runs/list",
    "List certification runs",
    "A partner sees its own runs; the programme office every partner's (or one's, by "
    "`client_code`). Newest first.",
    (*PARTNER_ROLES, Role.PMO),
    certification.RunsRequest,
    certification.RunsData,
)
GET_RUN = _certification(
    "get_run",
    "/runs/get",
    "A certification run with its whole report",
    "The stored report with every check's evidence, the certificate and the office's decision.",
    (*PARTNER_ROLES, Role.PMO),
    certification.RunRequest,
    certification.RunDetailData,
    (err.CERT_RUN_NOT_FOUND,),
)
DECIDE_RUN = _certification(
    "decide_run",
    "/runs/decide",
    "Accept or reject a certification run",
    "The programme office's decision on the evidence, with a comment; made once. A run with MUST "
    "failures can be rejected, not accepted.",
    (Role.PMO,),
    certification.DecideRequest,
    certification.RunData,
    (err.CERT_RUN_NOT_FOUND, err.CERT_DECIDED, err.CERT_FAILED_RUN),
)
PUBLIC_KEY = _certification(
    "certification_public_key",
    "/public-key",
    "The programme office's certificate key",
    "The Ed25519 public key certificates are signed with; `prakerja certify verify` checks a "
    "certificate against it offline. No signature needed.",
    (),
    None,
    certification.PublicKeyData,
    method="GET",
)
OPEN_SESSION = _certification(
    "open_session",
    "/sessions/open",
    "Open a client-mode certification session",
    "Resets the partner's fixtures and returns the scenarios to drive, with the fixtures each "
    "uses. While the session is open, every call the partner makes is recorded under the "
    "scenario started last; a new session closes the earlier one.",
    CLIENT_ROLES,
    certification.OpenSessionRequest,
    certification.CertSessionData,
    (err.CERT_UNKNOWN_SCENARIO,),
)
START_SCENARIO = _certification(
    "start_scenario",
    "/sessions/scenario",
    "Start recording a scenario",
    "The calls that follow are recorded under this scenario, and its fault (if any) is injected.",
    CLIENT_ROLES,
    certification.StartScenarioRequest,
    certification.CertSessionData,
    (
        err.CERT_SESSION_NOT_FOUND,
        err.CERT_NOT_YOURS,
        err.CERT_SESSION_CLOSED,
        err.CERT_UNKNOWN_SCENARIO,
    ),
)
SESSION_CALLS = _certification(
    "session_calls",
    "/sessions/calls",
    "The calls recorded in a session",
    "In order of arrival, optionally of one scenario; OTPs, tokens and signatures appear as "
    "fingerprints only.",
    CLIENT_ROLES,
    certification.CallsRequest,
    certification.CallsData,
    (err.CERT_SESSION_NOT_FOUND, err.CERT_NOT_YOURS),
)
CLOSE_SESSION = _certification(
    "close_session",
    "/sessions/close",
    "Close a session",
    "Stops recording. Closing a closed session is harmless.",
    CLIENT_ROLES,
    certification.SessionRequest,
    certification.CertSessionData,
    (err.CERT_SESSION_NOT_FOUND, err.CERT_NOT_YOURS),
)
CERTIFICATION_ENDPOINTS: tuple[Endpoint, ...] = (
    SUBMIT_RUN,
    LIST_RUNS,
    GET_RUN,
    DECIDE_RUN,
    PUBLIC_KEY,
    OPEN_SESSION,
    START_SCENARIO,
    SESSION_CALLS,
    CLOSE_SESSION,
)

ALL_ENDPOINTS = (
    INTEGRATION_ENDPOINTS
    + REGISTRATION_ENDPOINTS
    + ADMIN_ENDPOINTS
    + CATALOGUE_ENDPOINTS
    + PAYOUT_PRAKERJA_ENDPOINTS
    + INCENTIVE_REGISTRATION_ENDPOINTS
    + INCENTIVE_ADMIN_ENDPOINTS
    + JOBS_ENDPOINTS
    + CERTIFICATION_ENDPOINTS
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
