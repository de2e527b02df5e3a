"""LP online course verification: redeem-code status, commit, reset, and url-generate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from contract import endpoints as ep
from contract import errors as err
from contract.attendance import (
    RedeemCommitRequest,
    RedeemResetRequest,
    RedeemStatusRequest,
    UrlGenerateRequest,
)
from contract.envelope import ok
from contract.errors import ApiError
from reference_server.auth import LpPartner, RuntimeDep
from reference_server.routers.common import route_options
from reference_server.services import attendance as service
from reference_server.storage.db import transaction
from reference_server.storage.tables import utcnow

router = APIRouter()


@router.post(ep.REDEEM_STATUS.path, **route_options(ep.REDEEM_STATUS))
def redeem_status(body: RedeemStatusRequest, lp: LpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """The participant's verification state for one sequence."""
    with runtime.reads() as session:
        data = service.redeem_status(session, lp, body.redeem_code, body.sequence)
    return ok(data.model_dump(mode="json"), ep.REDEEM_STATUS.success_message)


@router.post(ep.REDEEM_COMMIT.path, **route_options(ep.REDEEM_COMMIT))
def redeem_commit(body: RedeemCommitRequest, lp: LpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Legacy redeem of sequence 1."""
    with transaction(runtime.sessions) as session:
        data = service.commit(session, lp, body.the_code, utcnow())
    return ok(data.model_dump(mode="json"), ep.REDEEM_COMMIT.success_message)


@router.post(ep.REDEEM_RESET.path, **route_options(ep.REDEEM_RESET))
def redeem_reset(body: RedeemResetRequest, lp: LpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Put a positive test code back in its starting state (sandbox only)."""
    if not runtime.settings.sandbox:
        raise ApiError(err.SANDBOX_ONLY)
    with transaction(runtime.sessions) as session:
        data = service.reset(session, lp, body.redeem_code, utcnow())
    return ok(data.model_dump(mode="json"), ep.REDEEM_RESET.success_message)


@router.post(ep.URL_GENERATE.path, **route_options(ep.URL_GENERATE))
def url_generate(
    body: UrlGenerateRequest, lp: LpPartner, runtime: RuntimeDep, request: Request
) -> dict[str, Any]:
    """A verification link for one stage, on this server's own address."""
    with transaction(runtime.sessions) as session:
        data = service.generate_url(
            session,
            lp,
            body,
            base_url=str(request.base_url),
            ttl_seconds=runtime.settings.verification_ttl_seconds,
            now=utcnow(),
        )
    return ok(data.model_dump(mode="json"), ep.URL_GENERATE.success_message)
