"""The one error catalogue: every error the sandbox returns, with the text partners match on.

Codes seen on the real portal are kept exactly (ERRPLT40036, ERRPLT40028, ERRVOD40001,
ERROAUTH4024/4029/4030/4031). The portal's general error list and most per-endpoint errors were
not retrievable, so the rest are sandbox-defined in the same style: ``ERR`` + family + HTTP status
+ serial. Each entry says which it is (``portal=True`` for codes seen on the portal).

Hierarchy::

    ApiError                 an error the server renders in the envelope, from this catalogue
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Surface(StrEnum):
    """Which envelope an error is rendered in."""

    INTEGRATION = "integration"
    SSO = "sso"


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One catalogued error."""

    code: str
    http_status: int
    message: str  # Indonesian, what partners match on
    description: str  # English, for the documents
    surface: Surface = Surface.INTEGRATION
    portal: bool = False  # seen on developer.prakerja.go.id


CATALOGUE: dict[str, ErrorCode] = {}


def _e(
    code: str,
    http_status: int,
    message: str,
    description: str,
    *,
    surface: Surface = Surface.INTEGRATION,
    portal: bool = False,
) -> ErrorCode:
    if code in CATALOGUE:
        raise ValueError(f"duplicate error code {code}")
    entry = ErrorCode(code, http_status, message, description, surface, portal)
    CATALOGUE[code] = entry
    return entry


# --- general (every integration endpoint) ---------------------------------------------------
BAD_REQUEST = _e(
    "ERRGEN40001",
    400,
    "Request tidak valid.",
    "The body is not valid JSON or breaks the endpoint's schema.",
)
BODY_TOO_LARGE = _e(
    "ERRGEN41301", 413, "Ukuran request terlalu besar.", "The body exceeds the size limit (64 KiB)."
)
NOT_FOUND = _e("ERRGEN40401", 404, "Endpoint tidak ditemukan.", "No endpoint at this path.")
METHOD_NOT_ALLOWED = _e(
    "ERRGEN40501", 405, "Metode tidak diizinkan.", "The endpoint does not accept this HTTP method."
)
INTERNAL = _e(
    "ERRGEN50001",
    500,
    "Terjadi kesalahan pada sistem.",
    "Unexpected server error (a sandbox bug: please report it).",
)
SANDBOX_ONLY = _e(
    "ERRGEN40301",
    403,
    "Fitur ini hanya tersedia di sandbox.",
    "A sandbox-only endpoint was called on a server not in sandbox mode.",
)

# --- authentication of partner calls ----------------------------------------------------------
MISSING_HEADERS = _e(
    "ERRAUT40101",
    401,
    "Header client_code, signature dan timestamp wajib diisi.",
    "A required authentication header is missing.",
)
UNKNOWN_CLIENT = _e(
    "ERRAUT40102", 401, "Client code tidak dikenal.", "No active partner has this client_code."
)
BAD_SIGNATURE = _e(
    "ERRAUT40103", 401, "Signature tidak valid.", "The signature does not match the request."
)
BAD_TIMESTAMP = _e(
    "ERRAUT40104",
    401,
    "Timestamp tidak valid atau kedaluwarsa.",
    "The timestamp is not integer seconds or is outside the tolerance window.",
)
REPLAYED = _e(
    "ERRAUT40105",
    401,
    "Signature sudah pernah digunakan.",
    "This (client_code, signature) pair was already accepted once (replay).",
)
WRONG_ROLE = _e(
    "ERRAUT40301",
    403,
    "Client tidak memiliki akses ke endpoint ini.",
    "The partner's role may not call this endpoint (DP vs LP).",
)

# --- DP payments ------------------------------------------------------------------------------
COURSE_OR_SCHEDULE_EMPTY = _e(
    "ERRPLT40036",
    400,
    "Kode pelatihan dan kode jadwal wajib diisi.",
    "course_code and/or schedule_code is empty.",
    portal=True,
)
ALREADY_VOIDED = _e(
    "ERRPLT40028",
    400,
    "Transaksi sudah dibatalkan sebelumnya.",
    "The transaction was already voided.",
    portal=True,
)
TRANSACTION_NOT_FOUND = _e(
    "ERRVOD40001",
    400,
    "Kode transaksi tidak ditemukan.",
    "transaction_code is unknown, or not this DP's, or does not match invoice_code.",
    portal=True,
)
SCHEDULE_NOT_FOUND = _e(
    "ERRPLT40001", 400, "Jadwal pelatihan tidak ditemukan.", "schedule_code does not exist."
)
SCHEDULE_NOT_IN_COURSE = _e(
    "ERRPLT40002",
    400,
    "Jadwal tidak sesuai dengan pelatihan.",
    "schedule_code exists but belongs to another course.",
)
TRAINING_STARTED = _e(
    "ERRPLT40003",
    400,
    "Pelatihan sudah dimulai.",
    "The schedule has already started; it can no longer be bought.",
)
QUOTA_FULL = _e(
    "ERRPLT40004", 400, "Kuota jadwal pelatihan sudah habis.", "No seats are left on the schedule."
)
AGE_NOT_ELIGIBLE = _e(
    "ERRPLT40005",
    400,
    "Usia peserta tidak memenuhi syarat pelatihan.",
    "The buyer's age is outside the course's requirement.",
)
EDUCATION_NOT_ELIGIBLE = _e(
    "ERRPLT40006",
    400,
    "Pendidikan peserta tidak memenuhi syarat pelatihan.",
    "The buyer's education is below the course's requirement.",
)
CARD_NOT_FOUND = _e(
    "ERRPLT40007", 400, "Nomor Kartu Prakerja tidak ditemukan.", "prakerja_id is not a known card."
)
CARD_NOT_ACTIVE = _e(
    "ERRPLT40008", 400, "Kartu Prakerja tidak aktif.", "The card is revoked or not yet active."
)
BALANCE_INSUFFICIENT = _e(
    "ERRPLT40009",
    400,
    "Saldo Kartu Prakerja tidak mencukupi.",
    "The card balance does not cover the amount.",
)
AMOUNT_MISMATCH = _e(
    "ERRPLT40010",
    400,
    "Jumlah pembayaran tidak sesuai dengan harga pelatihan.",
    "amount differs from the course price.",
)
COURSE_NOT_FOUND = _e(
    "ERRPLT40011", 400, "Pelatihan tidak ditemukan.", "course_code does not exist."
)
OTP_WRONG = _e(
    "ERRPLT40012", 400, "Kode OTP salah.", "The OTP does not match; the attempt is counted."
)
OTP_EXPIRED = _e(
    "ERRPLT40013",
    400,
    "Kode OTP sudah kedaluwarsa.",
    "The OTP is past its expiry; call send-otp again.",
)
OTP_LOCKED = _e(
    "ERRPLT40014",
    400,
    "Kode OTP salah terlalu banyak, silakan minta OTP baru.",
    "The attempt limit was reached; the payment token is dead.",
)
PAYMENT_TOKEN_INVALID = _e(
    "ERRPLT40015",
    400,
    "Payment token tidak valid.",
    "The Authorization header is missing, malformed, unknown or not this DP's.",
)
PAYMENT_TOKEN_USED = _e(
    "ERRPLT40016",
    400,
    "Payment token sudah digunakan.",
    "The token already completed a purchase (OTP is single-use).",
)
INVOICE_DUPLICATE = _e(
    "ERRPLT40017",
    400,
    "Kode invoice sudah digunakan.",
    "This DP already used invoice_code for another transaction.",
)
INVOICE_NOT_FOUND = _e(
    "ERRPLT40018",
    400,
    "Kode invoice tidak ditemukan.",
    "No transaction of this DP has invoice_code.",
)
ALREADY_OWNED = _e(
    "ERRPLT40019",
    400,
    "Peserta sudah membeli pelatihan ini.",
    "The card already holds an active purchase of this course.",
)
VOID_NOT_ALLOWED = _e(
    "ERRPLT40020",
    400,
    "Transaksi tidak dapat dibatalkan karena pelatihan sudah diredeem.",
    "The redeem code was already used; the purchase can no longer be voided.",
)

# --- LP redeem codes and attendance (online course verification) -------------------------------
REDEEM_NOT_FOUND = _e(
    "ERRRDM40001",
    400,
    "Kode redeem tidak ditemukan.",
    "redeem_code is unknown or belongs to another LP's course.",
)
SEQUENCE_INVALID = _e(
    "ERRRDM40002",
    400,
    "Sequence tidak valid untuk pelatihan ini.",
    "The sequence is not one of the course's stages (self-paced: 1, 999; webinar: 1..sessions, 999).",
)
SEQUENCE_ORDER = _e(
    "ERRRDM40003",
    400,
    "Sequence sebelumnya belum diverifikasi.",
    "An earlier stage has not been verified yet.",
)
RESET_NOT_ALLOWED = _e(
    "ERRRDM40004",
    400,
    "Reset hanya untuk kode redeem test case positif (PRAT-).",
    "Reset works only on PRAT- codes of positive test cases.",
)
EMAIL_USED = _e(
    "ERRRDM40005",
    400,
    "Email sudah digunakan untuk pelatihan yang sama.",
    "Another redeem code of this course is bound to this email.",
)
EMAIL_MISMATCH = _e(
    "ERRRDM40006",
    400,
    "Email tidak sesuai dengan email yang terdaftar pada kode redeem.",
    "The redeem code is bound to a different email.",
)
REDIRECT_URI_NOT_REGISTERED = _e(
    "ERRRDM40007",
    400,
    "redirect_uri tidak terdaftar.",
    "redirect_uri is not one the LP registered.",
)
REDEEM_VOIDED = _e(
    "ERRRDM40008",
    400,
    "Transaksi kode redeem sudah dibatalkan.",
    "The purchase behind the redeem code was voided.",
)
ALREADY_VERIFIED = _e(
    "ERRRDM40009",
    400,
    "Sequence ini sudah diverifikasi.",
    "This stage was already verified; a new verification URL is not needed.",
)
VERIFICATION_EXPIRED = _e(
    "ERRRDM40010",
    400,
    "Tautan verifikasi tidak valid atau kedaluwarsa.",
    "The verification link is unknown, used or expired.",
)

# --- LP assignments (TPM / UK) ------------------------------------------------------------------
SCOPE_SEQUENCE_MISMATCH = _e(
    "ERRTPM40001",
    400,
    "Scope dan sequence tidak sesuai.",
    "scope tpm needs sequence 1..998; scope uk needs 999.",
)
SUBMISSION_NOT_FOUND = _e(
    "ERRTPM40002",
    400,
    "Tugas peserta belum dikumpulkan.",
    "Feedback was sent for a submission that does not exist.",
)
NOT_REDEEMED = _e(
    "ERRTPM40003",
    400,
    "Kode redeem belum diredeem.",
    "Assignments need a redeemed code (sequence 1 verified).",
)
FEEDBACK_EXISTS = _e(
    "ERRTPM40004",
    400,
    "Feedback untuk tugas ini sudah diberikan.",
    "This submission already has the LP's feedback.",
)

# --- SSO (their own envelope; the portal shows HTTP 400 "Unauthorized" for all of these) ---------
SSO_NO_CLIENT_ID = _e(
    "ERROAUTH4024",
    400,
    "Unauthorized",
    "NotFoundContextClientId: the X-Client-Id header is missing.",
    surface=Surface.SSO,
    portal=True,
)
SSO_UNKNOWN_CLIENT = _e(
    "ERROAUTH4029",
    400,
    "Unauthorized",
    "ErrOauthClientIdNotFound: no LP has this client id.",
    surface=Surface.SSO,
    portal=True,
)
SSO_NO_USER = _e(
    "ERROAUTH4030",
    400,
    "Unauthorized",
    "NotFoundContextUserId: the access token is missing, unknown, expired or not this client's.",
    surface=Surface.SSO,
    portal=True,
)
SSO_CODE_NOT_FOUND = _e(
    "ERROAUTH4031",
    400,
    "Unauthorized",
    "ErrOauthAuthCodeNotFound: the code is unknown, used, expired or not this client's.",
    surface=Surface.SSO,
    portal=True,
)
SSO_BAD_SIGNATURE = _e(
    "ERROAUTH4032",
    400,
    "Unauthorized",
    "The X-Signature / X-Timestamp of generate-url is missing, stale or wrong.",
    surface=Surface.SSO,
)
SSO_REFRESH_NOT_FOUND = _e(
    "ERROAUTH4033",
    400,
    "Unauthorized",
    "The refresh token is unknown, used, expired or not this client's.",
    surface=Surface.SSO,
)
SSO_BAD_REQUEST = _e(
    "ERROAUTH4000",
    400,
    "Bad Request",
    "A required parameter is missing or malformed (scope, state, redirect_uri, login_uri, code, token).",
    surface=Surface.SSO,
)
SSO_REDIRECT_NOT_REGISTERED = _e(
    "ERROAUTH4034",
    400,
    "Bad Request",
    "redirect_uri or login_uri is not one the LP registered.",
    surface=Surface.SSO,
)
SSO_WRONG_ROLE = _e(
    "ERROAUTH4035",
    400,
    "Unauthorized",
    "SSO is for training providers (LP); a DP client id was used.",
    surface=Surface.SSO,
)


# --- registration (sandbox-defined surface: applicants, not partners) ------------------------
RATE_LIMITED = _e(
    "ERRREG42901",
    429,
    "Terlalu banyak permintaan, silakan coba lagi nanti.",
    "Too many requests or OTP attempts for this phone, account or address; wait for the "
    "number of seconds in the Retry-After header.",
)
ACCOUNT_EXISTS = _e(
    "ERRREG40901",
    409,
    "Email atau nomor HP sudah terdaftar.",
    "The e-mail or phone already has an account.",
)
LOGIN_FAILED = _e("ERRREG40101", 401, "Email atau kata sandi salah.", "Wrong e-mail or password.")
SESSION_INVALID = _e(
    "ERRREG40102",
    401,
    "Sesi tidak valid, silakan masuk kembali.",
    "The Authorization: Bearer token is missing, unknown or expired; log in again.",
)
CONTACT_NOT_VERIFIED = _e(
    "ERRREG40301",
    403,
    "Verifikasi email dan nomor HP terlebih dahulu.",
    "Verify both the e-mail and the phone by OTP before this step.",
)
REG_OTP_WRONG = _e(
    "ERRREG40002", 400, "Kode OTP salah.", "The OTP does not match; the attempt is counted."
)
REG_OTP_EXPIRED = _e(
    "ERRREG40003",
    400,
    "Kode OTP sudah kedaluwarsa atau belum diminta.",
    "No live OTP for this channel (expired, used, locked or never sent); ask for a new one.",
)
NIK_INVALID = _e(
    "ERRREG40004",
    400,
    "NIK tidak valid.",
    "The NIK is not 16 digits of a known region and a real date, or disagrees with the "
    "birth date or sex given.",
)
REGION_UNKNOWN = _e(
    "ERRREG40005",
    400,
    "Kode wilayah tidak dikenal.",
    "region_code is not a district (kecamatan) of the official list.",
)
KK_INVALID = _e(
    "ERRREG40006",
    400,
    "Nomor KK tidak valid.",
    "The family card number is not 16 digits of a known region.",
)
IDENTITY_EXISTS = _e(
    "ERRREG40902",
    409,
    "Data diri sudah dikirim.",
    "Identity was already submitted for this account.",
)
IDENTITY_MISSING = _e(
    "ERRREG40903",
    409,
    "Lengkapi data diri terlebih dahulu.",
    "Submit the identity (and, to be verified, the selfie) before this step.",
)
SELFIE_EXISTS = _e(
    "ERRREG40904", 409, "Swafoto sudah dikirim.", "A selfie was already submitted for this account."
)
NO_OPEN_WAVE = _e(
    "ERRREG40905",
    409,
    "Tidak ada gelombang yang sedang dibuka.",
    "No wave is open for joining now.",
)
NOT_ELIGIBLE = _e(
    "ERRREG40906",
    409,
    "Anda belum memenuhi syarat untuk bergabung.",
    "Only an applicant found eligible (verification finished, no reason) can join a wave; "
    "the status says why.",
)
ALREADY_JOINED = _e(
    "ERRREG40907",
    409,
    "Anda sudah bergabung pada gelombang.",
    "The applicant is already a joiner of a wave not yet drawn, or already selected.",
)

# --- programme office (PMO) administration --------------------------------------------------
WAVE_NOT_FOUND = _e(
    "ERRADM40401", 404, "Gelombang tidak ditemukan.", "No wave with this wave_code."
)
WAVE_EXISTS = _e("ERRADM40901", 409, "Gelombang sudah ada.", "A wave with this wave_code exists.")
WAVE_STATE = _e(
    "ERRADM40902",
    409,
    "Status gelombang tidak mengizinkan tindakan ini.",
    "The wave is not in a state that allows this step (commit before close; close before "
    "draw; draw once).",
)
WAVE_OVERLAP = _e(
    "ERRADM40903",
    409,
    "Waktu gelombang bertabrakan dengan gelombang lain.",
    "The wave's open period overlaps another wave's: one wave is open at a time.",
)
SCHEME_UNKNOWN = _e(
    "ERRADM40001", 400, "Skema tidak dikenal.", "scheme is not a known scheme name."
)
WAVE_TIMES_INVALID = _e(
    "ERRADM40002",
    400,
    "Waktu gelombang tidak valid.",
    "closes_at must be after opens_at, both with a time zone.",
)

# --- jobs: job portals' vacancies, search, recommendations (sandbox-defined) -----------------
JOB_PUSH_INVALID = _e(
    "ERRJOB40001",
    400,
    "Request lowongan tidak valid.",
    "The push or withdraw body is not JSON, not an object, or its list is empty or too long.",
)
VACANCY_INVALID = _e(
    "ERRJOB40002",
    400,
    "Data lowongan tidak valid.",
    "A vacancy breaks the schema: a field is missing, of the wrong type or out of range "
    "(the message names it).",
)
LOCATION_UNKNOWN = _e(
    "ERRJOB40003",
    400,
    "Kode lokasi tidak dikenal.",
    "The location is not a regency (PP.RR) or district (PP.RR.DD) of the official list, or a "
    "search names a province or regency that is not on it.",
)
SALARY_RANGE_INVALID = _e(
    "ERRJOB40004",
    400,
    "Rentang gaji tidak valid.",
    "salary_min is greater than salary_max.",
)
VACANCY_DATES_INVALID = _e(
    "ERRJOB40005",
    400,
    "Tanggal lowongan tidak valid.",
    "expires_at is not after posted_at or more than 180 days after it, or posted_at lies in "
    "the future.",
)
VACANCY_EXPIRED = _e(
    "ERRJOB40006",
    400,
    "Lowongan sudah kedaluwarsa.",
    "expires_at has already passed: an expired vacancy is not taken in.",
)
VACANCY_DUPLICATE_IN_BATCH = _e(
    "ERRJOB40007",
    400,
    "vacancy_id muncul lebih dari sekali dalam satu batch.",
    "The same vacancy_id appears earlier in this batch; only its first occurrence counts.",
)
VACANCY_NOT_FOUND = _e(
    "ERRJOB40008",
    400,
    "Lowongan tidak ditemukan.",
    "No vacancy of this portal has this vacancy_id.",
)
JOB_SEARCH_INVALID = _e(
    "ERRJOB40009",
    400,
    "Parameter pencarian lowongan tidak valid.",
    "A search or recommendation parameter is malformed or unknown (the message names it).",
)
JOB_CURSOR_INVALID = _e(
    "ERRJOB40010",
    400,
    "Cursor halaman tidak valid.",
    "cursor is not a next_cursor the server (or, for a feed, the job portal) returned.",
)


# --- catalogue, curation, reviews and training results (sandbox-defined) -------------------------
SUBMISSION_INVALID = _e(
    "ERRCAT40001",
    400,
    "Data pengajuan pelatihan tidak valid.",
    "The course or schedule submission breaks its schema (the message names the field).",
)
LP_UNKNOWN = _e(
    "ERRCAT40002",
    400,
    "Lembaga pelatihan tidak dikenal.",
    "lp_client_code is not an active training provider (role lp).",
)
SCHEDULE_TIMES_INVALID = _e(
    "ERRCAT40003",
    400,
    "Waktu jadwal pelatihan tidak valid.",
    "A schedule must start in the future, before 2100, and end after it starts.",
)
AGE_RANGE_INVALID = _e(
    "ERRCAT40004", 400, "Rentang usia peserta tidak valid.", "max_age is below min_age."
)
SESSIONS_INVALID = _e(
    "ERRCAT40005",
    400,
    "Jumlah sesi tidak sesuai metode pelatihan.",
    "A webinar needs sessions (1-10); a self-paced course has one (omit it or send 1).",
)
SCORES_INVALID = _e(
    "ERRCAT40006",
    400,
    "Nilai indikator tidak lengkap atau tidak valid.",
    "The scores must cover every indicator of the assessment's kind exactly, each 1-5; notes "
    "only for those indicators.",
)
COURSE_SUSPENDED = _e(
    "ERRCAT40007",
    400,
    "Pelatihan sedang dihentikan sementara dan tidak dapat dibeli.",
    "The course failed a monitoring assessment: no new sales until a later one passes.",
)
COURSE_OTHER_DP = _e(
    "ERRCAT40008",
    400,
    "Pelatihan ini dijual oleh platform digital lain.",
    "A curated course is sold only by the DP that submitted it (the shared fixtures by any DP).",
)
RESULT_INVALID = _e(
    "ERRCAT40009",
    400,
    "Nilai atau sertifikat pelatihan tidak valid.",
    "Scores must be whole numbers 0-100; certificate_number and certificate_url go together.",
)
REVIEW_INVALID = _e(
    "ERRCAT40010",
    400,
    "Penilaian atau ulasan tidak valid.",
    "rating must be a whole number 1-5 and review 10-1,000 characters.",
)
COURSE_SUBMISSION_NOT_FOUND = _e(
    "ERRCAT40401",
    404,
    "Pengajuan pelatihan tidak ditemukan.",
    "No submission with this course_code (of this DP, when a DP asks).",
)
COURSE_NOT_LISTED = _e(
    "ERRCAT40402",
    404,
    "Pelatihan tidak ada di katalog.",
    "No approved, active course with this course_code is in the catalogue.",
)
PURCHASE_NOT_FOUND = _e(
    "ERRCAT40403",
    404,
    "Pembelian tidak ditemukan.",
    "No live (not voided) purchase with this transaction_code on the applicant's card.",
)
COURSE_CODE_TAKEN = _e(
    "ERRCAT40901",
    409,
    "Kode pelatihan sudah digunakan.",
    "course_code belongs to another DP's course or to a sandbox fixture.",
)
SUBMISSION_OPEN = _e(
    "ERRCAT40902",
    409,
    "Pelatihan ini sedang dinilai atau sudah disetujui.",
    "Submit a course again only after a rejection; add schedules to an approved one instead.",
)
SCHEDULE_CODE_TAKEN = _e(
    "ERRCAT40903",
    409,
    "Kode jadwal sudah digunakan.",
    "A schedule_code is used twice in the request, by an existing schedule or by a pending "
    "submission.",
)
COURSE_NOT_APPROVED = _e(
    "ERRCAT40904",
    409,
    "Pelatihan belum disetujui.",
    "Schedules can be added only to an approved course.",
)
ASSESSMENT_STATE = _e(
    "ERRCAT40905",
    409,
    "Status pelatihan tidak mengizinkan penilaian ini.",
    "An entry assessment needs a pending submission; a monitoring assessment an approved "
    "(active or suspended) course.",
)
TRAINING_NOT_FINISHED = _e(
    "ERRCAT40906",
    409,
    "Pelatihan belum diselesaikan.",
    "The post-test (sequence 999) of this purchase is not verified yet.",
)
ALREADY_REVIEWED = _e(
    "ERRCAT40907", 409, "Pembelian ini sudah diulas.", "A purchase is rated and reviewed once."
)
RESULT_EXISTS = _e(
    "ERRCAT40908",
    409,
    "Nilai pelatihan ini sudah dilaporkan.",
    "The scores of a redeem code are reported once.",
)
CERTIFICATE_NUMBER_TAKEN = _e(
    "ERRCAT40909",
    409,
    "Nomor sertifikat sudah digunakan.",
    "This LP already issued a certificate with this number.",
)
LP_CHANGED = _e(
    "ERRCAT40910",
    409,
    "Pengajuan ulang harus untuk lembaga pelatihan yang sama.",
    "A corrected version of a course names the LP of the first version.",
)


# --- incentives: linking, schedules, surveys, disbursements, reconciliation (ERRINC) ---------
# The codes a *payment partner* answers are another catalogue: contract.payouts (ERRPPR).
INC_NOT_BENEFICIARY = _e(
    "ERRINC40301",
    403,
    "Hanya penerima Kartu Prakerja yang dapat melakukan ini.",
    "The account holds no active Kartu Prakerja (not selected, or the card was revoked).",
)
INC_PARTNER_NOT_FOUND = _e(
    "ERRINC40401",
    404,
    "Mitra pembayaran tidak ditemukan.",
    "partner_code is not an active payment partner (role pp) with an API configured.",
)
INC_EWALLET_PHONE = _e(
    "ERRINC40001",
    400,
    "E-wallet harus terdaftar dengan nomor HP Anda sendiri.",
    "An e-wallet can be linked only on the phone number registered with Prakerja.",
)
INC_ACCOUNT_NOT_FOUND = _e(
    "ERRINC40002",
    400,
    "Rekening atau e-wallet tidak ditemukan di mitra pembayaran.",
    "The payment partner has no account with this number (open an account or e-wallet first).",
)
INC_KYC_NOT_VERIFIED = _e(
    "ERRINC40003",
    400,
    "Akun belum terverifikasi (KYC).",
    "The account's identity is not verified (an unverified or pending e-wallet): upgrade it at "
    "the partner, then link again.",
)
INC_NIK_MISMATCH = _e(
    "ERRINC40004",
    400,
    "NIK pemilik rekening tidak sama dengan NIK Kartu Prakerja.",
    "The account's verified identity has another NIK than the card holder's.",
)
INC_ACCOUNT_BLOCKED = _e(
    "ERRINC40005",
    400,
    "Rekening atau e-wallet tidak aktif.",
    "The partner says the account is blocked, dormant or closed.",
)
INC_TYPE_NOT_SUPPORTED = _e(
    "ERRINC40006",
    400,
    "Jenis rekening tidak didukung oleh mitra ini.",
    "This payment partner holds no accounts of this account_type (bank vs e-wallet).",
)
INC_LINK_OTP_WRONG = _e(
    "ERRINC40007",
    400,
    "Kode OTP salah.",
    "The link OTP does not match; the attempt is counted (three wrong ones end the link).",
)
INC_LINK_NOT_PENDING = _e(
    "ERRINC40008",
    400,
    "Permintaan penautan tidak ditemukan atau sudah kedaluwarsa.",
    "No link of this account waits for an OTP under link_id (unknown, confirmed, expired or "
    "locked): start again with incentive/link.",
)
INC_ALREADY_LINKED = _e(
    "ERRINC40901",
    409,
    "Rekening ini sudah tertaut.",
    "This account is already the active linked account.",
)
INC_PARTNER_UNAVAILABLE = _e(
    "ERRINC50301",
    503,
    "Mitra pembayaran sedang tidak dapat dihubungi, silakan coba lagi.",
    "The payment partner timed out, failed or answered outside the contract; nothing was "
    "recorded, try again.",
)
INC_SURVEY_NOT_FOUND = _e(
    "ERRINC40402",
    404,
    "Survei tidak ditemukan.",
    "No survey with this survey_code in the card's scheme.",
)
INC_SURVEY_LOCKED = _e(
    "ERRINC40902",
    409,
    "Survei belum dibuka.",
    "The survey opens once the incentive it follows has been paid.",
)
INC_SURVEY_ANSWERED = _e(
    "ERRINC40903",
    409,
    "Survei sudah diisi.",
    "Each survey is answered once (and paid once).",
)
INC_SURVEY_ANSWERS_INVALID = _e(
    "ERRINC40009",
    400,
    "Jawaban survei tidak valid.",
    "A question is unanswered or unknown, or an answer is not one the question allows.",
)
INC_DISBURSEMENT_NOT_FOUND = _e(
    "ERRINC40403",
    404,
    "Disbursement tidak ditemukan.",
    "No disbursement with this disbursement_id was sent to the calling partner.",
)
INC_CALLBACK_CONFLICT = _e(
    "ERRINC40904",
    409,
    "Status bertentangan dengan status yang tercatat.",
    "The callback's final status contradicts the one recorded (SUCCESS after FAILED or the "
    "reverse); recorded as an anomaly for reconciliation, not applied.",
)
INC_CALLBACK_AMOUNT = _e(
    "ERRINC40010",
    400,
    "Jumlah tidak sesuai dengan disbursement.",
    "The callback's amount differs from the disbursement's; recorded as an anomaly, not applied.",
)
INC_CALLBACK_NOT_FINAL = _e(
    "ERRINC40011",
    400,
    "Callback hanya untuk status akhir.",
    "A callback carries SUCCESS or FAILED (with failure_code when FAILED); PENDING is not sent.",
)
INC_DATE_INVALID = _e(
    "ERRINC40012",
    400,
    "Tanggal tidak valid.",
    "The date or as_of lies outside 2000-2099, or the statement day is in the future.",
)
INC_REPORT_NOT_FOUND = _e(
    "ERRINC40404",
    404,
    "Laporan rekonsiliasi tidak ditemukan.",
    "No reconciliation was run for this partner and day; run payouts/reconcile first.",
)


# --- certification (sandbox-defined: runs, certificates, client-mode sessions) ----------------
CERT_VERSION = _e(
    "ERRCRT40001",
    400,
    "Versi kontrak atau katalog tidak berlaku.",
    "The report was made against a contract or requirement catalogue version the sandbox does "
    "not serve: run the harness of this sandbox's version.",
)
CERT_INCOMPLETE = _e(
    "ERRCRT40002",
    400,
    "Hasil uji tidak sesuai katalog persyaratan.",
    "The report's results leave out a requirement that applies, name one that does not, or "
    "disagree with their own summary or level.",
)
CERT_DIGEST = _e(
    "ERRCRT40003",
    400,
    "Digest laporan tidak cocok.",
    "The report's digest is not the SHA-256 of its canonical content: it was altered.",
)
CERT_UNKNOWN_SCENARIO = _e(
    "ERRCRT40004",
    400,
    "Skenario tidak dikenal.",
    "No scenario of this name for the partner's role (or not opened in this session).",
)
CERT_NOT_YOURS = _e(
    "ERRCRT40301",
    403,
    "Laporan atau sesi milik mitra lain.",
    "The report names another partner or role than the caller, or the session is another "
    "partner's.",
)
CERT_RUN_NOT_FOUND = _e(
    "ERRCRT40401", 404, "Sertifikasi tidak ditemukan.", "No certification run with this run_id."
)
CERT_SESSION_NOT_FOUND = _e(
    "ERRCRT40402",
    404,
    "Sesi sertifikasi tidak ditemukan.",
    "No certification session with this session_id.",
)
CERT_DECIDED = _e(
    "ERRCRT40901",
    409,
    "Sertifikasi sudah diputuskan.",
    "The run was already accepted or rejected; a decision is made once.",
)
CERT_FAILED_RUN = _e(
    "ERRCRT40902",
    409,
    "Sertifikasi yang gagal tidak dapat diterima.",
    "A run with MUST failures cannot be accepted (it may be rejected).",
)
CERT_SESSION_CLOSED = _e(
    "ERRCRT40903",
    409,
    "Sesi sertifikasi sudah ditutup.",
    "The session is closed: open a new one.",
)
CERT_RUN_EXISTS = _e(
    "ERRCRT40904",
    409,
    "Sertifikasi dengan run_id ini sudah ada.",
    "A run with this run_id was already submitted (with other content).",
)
CERT_BUSY = _e(
    "ERRCRT50301",
    503,
    "Layanan sedang sibuk, coba lagi nanti.",
    "Injected during a certification scenario: the call was not processed; retry after "
    "Retry-After seconds.",
)
CERT_LOST_ANSWER = _e(
    "ERRCRT50401",
    504,
    "Waktu tunggu habis.",
    "Injected during a certification scenario: the call WAS processed but its answer is lost; "
    "find out what happened (payment/status) before repeating it.",
)


class ApiError(Exception):
    """An error rendered in the envelope of its surface, from the catalogue."""

    def __init__(self, error: ErrorCode, detail: str | None = None) -> None:
        self.error = error
        self.detail = detail
        super().__init__(f"{error.code}: {detail or error.description}")

    @property
    def message(self) -> str:
        """The catalogued message, with a detail appended when one helps the caller."""
        if self.detail and self.error.surface is Surface.INTEGRATION:
            return f"{self.error.message} {self.detail}"
        return self.error.message
