"""LP TPM/UK assignments: the participant's submission, the LP's feedback, their status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contract import endpoints as ep
from contract.assignments import FeedbackRequest, SubmissionRequest, SubmissionStatusRequest
from contract.envelope import ok
from reference_server.auth import LpPartner, RuntimeDep
from reference_server.routers.common import route_options
from reference_server.services import assignments as service
from reference_server.storage.db import transaction
from reference_server.storage.tables import utcnow

router = APIRouter()


@router.post(ep.TPM_SUBMISSION.path, **route_options(ep.TPM_SUBMISSION))
def submission(body: SubmissionRequest, lp: LpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Record the participant's work."""
    with transaction(runtime.sessions) as session:
        data = service.submit(session, lp, body, utcnow())
    return ok(data.model_dump(mode="json"), ep.TPM_SUBMISSION.success_message)


@router.post(ep.TPM_FEEDBACK.path, **route_options(ep.TPM_FEEDBACK))
def feedback(body: FeedbackRequest, lp: LpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Record the LP's feedback on submitted work."""
    with transaction(runtime.sessions) as session:
        data = service.give_feedback(session, lp, body, utcnow())
    return ok(data.model_dump(mode="json"), ep.TPM_FEEDBACK.success_message)


@router.post(ep.TPM_STATUS.path, **route_options(ep.TPM_STATUS))
def submission_status(
    body: SubmissionStatusRequest, lp: LpPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """Whether the work and the feedback were recorded."""
    with transaction(runtime.sessions) as session:
        data = service.status(session, lp, body.redeem_code, body.scope, body.sequence)
    return ok(data.model_dump(mode="json"), ep.TPM_STATUS.success_message)
