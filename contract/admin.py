"""The programme office's administration surface (sandbox-defined): waves and the lottery.

Signed like the integration API, by a partner of role ``pmo``. A wave is created with a quota, its
opening and closing times and a scheme; before it closes the server draws a secret seed and
publishes its SHA-256 (commit); after it closes the seed is revealed and the winners drawn. The
joiners and winners can be exported as CSV for anyone to recompute the draw
(``prakerja lottery verify``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from contract.types import Storable

WaveCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$"), Storable
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WaveStatus(StrEnum):
    SCHEDULED = "SCHEDULED"  # before opens_at
    OPEN = "OPEN"
    CLOSED = "CLOSED"  # past closes_at or closed early, not drawn
    DRAWN = "DRAWN"


class CreateWaveRequest(Request):
    wave_code: WaveCode
    quota: int = Field(ge=1, le=100_000_000, strict=True)
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    scheme: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(
        description="A scheme name of schemes.json: semi_bansos or normal."
    )


class WaveRequest(Request):
    wave_code: WaveCode


class CommitWaveRequest(WaveRequest):
    seed: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None,
        description="Sandbox only: commit to this seed (64 lower-case hex characters) instead "
        "of a random one, so that a simulated wave draws the same winners every time. Refused "
        "outside the sandbox: there the seed is always the server's secret.",
    )


class ExportRequest(Request):
    wave_code: WaveCode
    list: Literal["joiners", "winners"]


class RevokeRequest(Request):
    as_of: AwareDatetime | None = Field(
        default=None,
        description="Sandbox only: run the job as if it were this time (default now).",
    )


class WaveData(BaseModel):
    wave_code: str
    status: WaveStatus
    quota: int
    scheme: str
    opens_at: str
    closes_at: str
    seed_commitment: str | None
    seed: str | None = Field(description="Revealed only once drawn.")
    joiners: int = Field(description="Applicants who joined or rolled into this wave.")
    eligible_joiners: int | None = Field(description="Joiners in the draw (set when drawn).")
    winners: int | None
    drawn_at: str | None


class RevokeData(BaseModel):
    revoked: int = Field(description="Cards revoked by this run.")
    returned: int = Field(description="Integer rupiah returned to the programme.")
    as_of: str


def parse_time(value: str) -> datetime:
    """ISO-8601 text of the models back to an aware datetime."""
    return datetime.fromisoformat(value)
