"""The registration surface (sandbox-defined): applicants create an account, verify their e-mail
and phone, submit identity and a selfie, join the open wave and read their status and dashboard.

Applicants are people, not partners: no signature. ``POST accounts`` and ``POST login`` return a
bearer token that every other call carries as ``Authorization: Bearer <token>``. Requests and OTP
attempts are limited per phone, per account and per address; past a limit the answer is 429 with
``Retry-After``.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from contract.population import Case
from contract.types import Email, Storable


class Request(BaseModel):
    """Registration requests refuse fields they do not know: a typo should not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Education(StrEnum):
    """Highest completed education."""

    SD = "SD"
    SMP = "SMP"
    SMA = "SMA"
    D3 = "D3"
    S1 = "S1"
    S2 = "S2"
    S3 = "S3"


class EmploymentStatus(StrEnum):
    """What the applicant declares about their work."""

    UNEMPLOYED = "UNEMPLOYED"
    LAID_OFF = "LAID_OFF"
    EMPLOYED = "EMPLOYED"
    SELF_EMPLOYED = "SELF_EMPLOYED"
    STUDENT = "STUDENT"


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"


class Stage(StrEnum):
    """Where an applicant is in the journey; the server moves them forward only legally."""

    REGISTERED = "REGISTERED"  # account created, contacts not both verified
    CONTACT_VERIFIED = "CONTACT_VERIFIED"  # e-mail and phone verified
    IDENTITY_SUBMITTED = "IDENTITY_SUBMITTED"  # identity and/or selfie in, not both
    VERIFYING = "VERIFYING"  # Dukcapil, biometrics, DTKS and the rules are being checked
    ELIGIBLE = "ELIGIBLE"
    INELIGIBLE = "INELIGIBLE"  # with a reason
    JOINED = "JOINED"  # a joiner of a wave not yet drawn
    NOT_SELECTED = "NOT_SELECTED"  # not drawn; rolls into the next wave
    BENEFICIARY = "BENEFICIARY"  # selected: has a card and a balance
    REVOKED = "REVOKED"  # no purchase within the deadline: card revoked, barred


_PHONE = re.compile(r"^(?:\+62|62|0)(8[1-9][0-9]{6,10})$")


def _normalise_phone(value: str) -> str:
    match = _PHONE.fullmatch(value.strip())
    if not match:
        raise ValueError("must be an Indonesian mobile number: 08…, 628… or +628…, 10-13 digits")
    return "0" + match.group(1)


Phone = Annotated[
    str,
    StringConstraints(min_length=9, max_length=16),
    AfterValidator(_normalise_phone),
]
"""An Indonesian mobile number, stored as 08…"""

Password = Annotated[str, StringConstraints(min_length=8, max_length=128), Storable]
Nik = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{16}$"),
    Field(
        description="16 digits: region (6), DDMMYY with +40 on the day for women (6), serial (4)."
    ),
]
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True), Storable
]
Place = Annotated[
    str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True), Storable
]
Address = Annotated[
    str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True), Storable
]
RegionCode = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$"),
    Field(description="District (kecamatan) code of the official list, `PP.RR.DD`."),
]
Otp = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
LivenessToken = Annotated[
    str,
    StringConstraints(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$"),
    Field(description="The token the liveness SDK returns for the selfie taken in the app."),
]


# --- requests -----------------------------------------------------------------------------------


class CreateAccountRequest(Request):
    email: Email
    phone: Phone
    password: Password


class LoginRequest(Request):
    email: Email
    password: Password


class ContactOtpRequest(Request):
    channel: Channel


class VerifyContactRequest(Request):
    channel: Channel
    otp: Otp


class IdentityRequest(Request):
    nik: Nik
    kk: Nik = Field(description="Family card (Kartu Keluarga) number, 16 digits.")
    name: Name
    birth_place: Place
    birth_date: date
    sex: Literal["M", "F"]
    address: Address
    region_code: RegionCode
    education: Education
    employment_status: EmploymentStatus
    is_official: bool = Field(
        description="The applicant's declaration: an official, civil servant, soldier, police "
        "officer, village head or apparatus, or director/commissioner of a state enterprise."
    )


class SelfieRequest(Request):
    liveness_token: LivenessToken


# --- data -------------------------------------------------------------------------------------


class SessionData(BaseModel):
    account_id: str
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: str
    email_verified: bool
    phone_verified: bool


class OtpSentData(BaseModel):
    channel: Channel
    destination: str = Field(description="Where it went, masked.")
    expired_at: str


class ContactData(BaseModel):
    email_verified: bool
    phone_verified: bool


class StatusData(BaseModel):
    account_id: str
    stage: Stage
    reason: Case | None = Field(
        description="Why the applicant is ineligible (stage INELIGIBLE) or was revoked; else null."
    )
    reason_message: str | None
    email_verified: bool
    phone_verified: bool
    identity_submitted: bool
    selfie_submitted: bool
    wave_code: str | None = Field(description="The wave joined or rolled into, if any.")
    updated_at: str


class JoinData(BaseModel):
    wave_code: str
    joined_at: str
    closes_at: str


class CardView(BaseModel):
    card_number: str
    status: str
    scheme: str
    balance: int = Field(description="Integer rupiah.")
    selected_at: str
    purchase_deadline: str = Field(
        description="Buy the first training by this time or lose the card."
    )


class PurchaseView(BaseModel):
    transaction_code: str
    course_code: str
    amount: int
    status: str
    created_at: str
    finished: bool = Field(default=False, description="The post-test is verified.")
    reviewed: bool = Field(
        default=False, description="Rated and reviewed (POST /api/v1/registration/reviews)."
    )


class CertificateView(BaseModel):
    """A finished training, with what its LP reported (scores, certificate) once it has."""

    course_code: str
    completed_at: str
    transaction_code: str | None = None
    pre_test: int | None = Field(default=None, description="0-100, as the LP reported it.")
    post_test: int | None = Field(default=None, description="0-100, as the LP reported it.")
    certificate_number: str | None = None
    certificate_url: str | None = None


class IncentiveView(BaseModel):
    kind: Literal["incentive", "survey"]
    step: int
    amount: int
    status: Literal["waiting", "scheduled", "processing", "paid", "failed"]
    condition: str
    due_at: str | None = Field(default=None, description="When it is due, once scheduled.")
    paid_at: str | None = None


class DashboardData(BaseModel):
    stage: Stage
    wave_code: str | None
    card: CardView | None
    purchases: list[PurchaseView]
    certificates: list[CertificateView]
    incentives: list[IncentiveView] = Field(description="The scheme's schedule, step by step.")


class PublicWave(BaseModel):
    wave_code: str
    status: str
    quota: int
    scheme: str
    opens_at: str
    closes_at: str
    seed_commitment: str | None = Field(
        description="SHA-256 of the secret seed, published before closing."
    )
    seed: str | None = Field(description="The seed, revealed after closing when drawn.")
    joiners: int
    winners: int | None


class WavesData(BaseModel):
    waves: list[PublicWave]
