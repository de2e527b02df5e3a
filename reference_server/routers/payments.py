"""DP payments: quota-schedule, send-otp, authorize, status and void (developer.prakerja.go.id)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header

from contract.endpoints import AUTHORIZE, PAYMENT_STATUS, QUOTA_SCHEDULE, SEND_OTP, VOID
from contract.envelope import MessageEnvelope, ok
from contract.payments import (
    AuthorizeRequest,
    PaymentStatusRequest,
    QuotaScheduleRequest,
    SendOtpRequest,
    VoidRequest,
)
from reference_server.auth import DpPartner, RuntimeDep
from reference_server.routers.common import route_options
from reference_server.services import payments

router = APIRouter()


@router.post(QUOTA_SCHEDULE.path, **route_options(QUOTA_SCHEDULE))
def quota_schedule(body: QuotaScheduleRequest, _: DpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Seats left on a schedule."""
    data = payments.quota_schedule(runtime, body.course_code, body.schedule_code)
    return ok(data.model_dump(), QUOTA_SCHEDULE.success_message)


@router.post(SEND_OTP.path, **route_options(SEND_OTP))
def send_otp(body: SendOtpRequest, partner: DpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Start a purchase: validate the order and text the buyer an OTP."""
    data = payments.send_otp(runtime, partner, body)
    return ok(data.model_dump(), SEND_OTP.success_message)


@router.post(AUTHORIZE.path, **route_options(AUTHORIZE))
def authorize(
    body: AuthorizeRequest,
    partner: DpPartner,
    runtime: RuntimeDep,
    authorization: Annotated[
        str | None, Header(description="`Payment <payment_token>` from send-otp.")
    ] = None,
) -> dict[str, Any]:
    """Pay with the OTP the buyer received."""
    data = payments.authorize(runtime, partner, authorization, body)
    return ok(data.model_dump(mode="json"), AUTHORIZE.success_message)


@router.post(PAYMENT_STATUS.path, **route_options(PAYMENT_STATUS))
def payment_status(
    body: PaymentStatusRequest, partner: DpPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """The DP's purchase with this invoice code."""
    data = payments.payment_status(runtime, partner, body.invoice_code)
    return ok(data.model_dump(mode="json"), PAYMENT_STATUS.success_message)


@router.post(VOID.path, **route_options(VOID))
def void(body: VoidRequest, partner: DpPartner, runtime: RuntimeDep) -> MessageEnvelope:
    """Cancel the DP's purchase."""
    payments.void(runtime, partner, body)
    return MessageEnvelope(message=VOID.success_message)
