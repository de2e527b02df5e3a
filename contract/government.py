"""What the government sources answer: Dukcapil (civil registry), DTKS (social-assistance
registry) and the biometrics service. The simulators in ``simulators/government`` serve these; the
reference server's verification pipeline calls them.

Every source may be slow, time out or answer 5xx (an outage): callers retry with backoff. A 4xx is
a caller's bug and is not retried. Every simulator honours ``X-Simulate`` (``contract.simulate``):
``timeout`` (hold the request past any sane client timeout), ``error`` (503) or a 5xx status,
``slow`` or ``slow:2s`` (answer late), ``ok`` (answer normally whatever the profile says).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from contract.simulate import SIMULATE_HEADER as SIMULATE_HEADER  # every simulator reads it

DUKCAPIL_VERIFY = "/dukcapil/api/v1/nik/verify"
DTKS_CHECK = "/dtks/api/v1/check"
LIVENESS = "/biometrics/api/v1/liveness"
FACE_MATCH = "/biometrics/api/v1/face-match"


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NikVerifyRequest(_Message):
    nik: str
    kk: str
    name: str
    birth_date: date


class NikVerifyResponse(BaseModel):
    found: bool
    name_match: bool | None = Field(description="Null when not found.")
    birth_date_match: bool | None
    kk_match: bool | None
    sex: str | None = Field(description="M | F, as registered.")
    birth_date: date | None = Field(description="As registered.")
    region_code: str | None
    kk: str | None = Field(description="The family card the registry lists the NIK under.")
    occupation: str | None = Field(description="Registered occupation (jenis pekerjaan).")


class DtksRequest(_Message):
    nik: str


class DtksResponse(BaseModel):
    nik: str
    recipient: bool = Field(description="In the integrated social-welfare data (DTKS).")


class LivenessRequest(_Message):
    selfie: str


class LivenessResponse(BaseModel):
    live: bool
    score: float = Field(ge=0, le=1)


class FaceMatchRequest(_Message):
    nik: str
    selfie: str


class FaceMatchResponse(BaseModel):
    match: bool = Field(description="The selfie is the face on the NIK's civil-registry photo.")
    score: float = Field(ge=0, le=1)
    face_id: str | None = Field(
        description="The face template's identity: the same face always gets the same id, "
        "which is what de-duplication across applicants compares. Null if no face was found."
    )


class SourceError(BaseModel):
    error: str
    message: str
