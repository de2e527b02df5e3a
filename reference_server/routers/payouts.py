"""Routes of payouts: the payment partner's callback (signed, role pp) and the programme office's
runs, reconciliations and summary (signed, role pmo)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from contract import errors as err
from contract.endpoints import (
    PAYOUT_CALLBACK,
    PAYOUT_SUMMARY,
    RECONCILE,
    RECONCILIATION,
    RUN_DUE,
    Role,
)
from contract.envelope import ok
from contract.errors import ApiError
from contract.incentives import PayoutSummaryRequest, ReconcileRequest, RunDueRequest
from contract.payouts import PayoutCallbackRequest
from reference_server.auth import PpPartner, RuntimeDep, require
from reference_server.routers.common import route_options
from reference_server.runtime import PartnerIdentity
from reference_server.services import payouts, reconciliation, waves

router = APIRouter()
PmoPartner = Annotated[PartnerIdentity, Depends(require(Role.PMO))]


def _actor(partner: PartnerIdentity) -> str:
    return f"pmo:{partner.client_code}"


@router.post(PAYOUT_CALLBACK.path, **route_options(PAYOUT_CALLBACK))
def payout_callback(
    body: PayoutCallbackRequest, partner: PpPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """A disbursement became final at the partner."""
    data = payouts.callback(runtime, partner, body)
    return ok(data.model_dump(mode="json"), PAYOUT_CALLBACK.success_message)


@router.post(RUN_DUE.path, **route_options(RUN_DUE))
def run_due(body: RunDueRequest, partner: PmoPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Schedule and queue what is due (as of ``as_of`` in the sandbox)."""
    as_of = body.as_of if runtime.settings.sandbox else None
    if as_of is not None and waves.sane_time(as_of) is None:
        raise ApiError(err.INC_DATE_INVALID, "(as_of must lie between 2000 and 2099)")
    data = payouts.run_due(runtime, as_of, actor=_actor(partner))
    return ok(data.model_dump(mode="json"), RUN_DUE.success_message)


@router.post(RECONCILE.path, **route_options(RECONCILE))
def reconcile(body: ReconcileRequest, partner: PmoPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Reconcile a partner's statement of a day now."""
    data = reconciliation.reconcile(
        runtime, runtime.partner_api, body.partner_code, body.date, _actor(partner)
    )
    return ok(data.model_dump(mode="json"), RECONCILE.success_message)


@router.post(RECONCILIATION.path, **route_options(RECONCILIATION))
def reconciliation_report(
    body: ReconcileRequest, _: PmoPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """The stored report."""
    data = reconciliation.report(runtime, body.partner_code, body.date)
    return ok(data.model_dump(mode="json"), RECONCILIATION.success_message)


@router.post(PAYOUT_SUMMARY.path, **route_options(PAYOUT_SUMMARY))
def payout_summary(
    body: PayoutSummaryRequest, _: PmoPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """Disbursements per partner and state."""
    data = payouts.summary(runtime, body.partner_code)
    return ok(data.model_dump(mode="json"), PAYOUT_SUMMARY.success_message)
