"""LP assignment messages: TPM (Tugas Praktik Mandiri) and UK (Unjuk Keterampilan)."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contract.types import AssignmentSequence, Code, Storable, Url

UK_SEQUENCE = 999

Notes = Annotated[str, StringConstraints(min_length=1, max_length=5000), Storable]


class Scope(StrEnum):
    TPM = "tpm"
    UK = "uk"


class AssignmentStatus(IntEnum):
    """``assignment.status``."""

    NOT_SUBMITTED = 0
    SUBMITTED = 1
    REVIEWED = 2


class FeedbackStatus(IntEnum):
    """``feedback.status``."""

    NONE = 0
    GIVEN = 1


class Request(BaseModel):
    model_config = ConfigDict(extra="ignore")

    redeem_code: Code
    scope: Scope
    sequence: AssignmentSequence


class SubmissionRequest(Request):
    """The participant's work, sent by the LP (sandbox-defined: the portal page is missing)."""

    url_file: Url = Field(description="One file URL per submission.")
    notes: Annotated[str, StringConstraints(max_length=5000), Storable] | None = None


class FeedbackRequest(Request):
    notes: Notes
    url_file: Url | None = None


class SubmissionStatusRequest(Request):
    pass


class StatusItem(BaseModel):
    redeem_code: str
    scope: Scope
    sequence: int
    status: int


class SubmissionStatusData(BaseModel):
    assignment: StatusItem = Field(description="status: 0 not submitted, 1 submitted, 2 reviewed.")
    feedback: StatusItem = Field(description="status: 0 none, 1 given.")
