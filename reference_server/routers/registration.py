"""Routes of the registration surface: applicants, with a bearer session instead of a signature."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request

from contract.endpoints import (
    CREATE_ACCOUNT,
    DASHBOARD,
    JOIN_WAVE,
    LOGIN,
    REGISTRATION_STATUS,
    SEND_CONTACT_OTP,
    SUBMIT_IDENTITY,
    SUBMIT_SELFIE,
    VERIFY_CONTACT,
)
from contract.envelope import ok
from contract.registration import (
    ContactOtpRequest,
    CreateAccountRequest,
    IdentityRequest,
    LoginRequest,
    SelfieRequest,
    VerifyContactRequest,
)
from reference_server.auth import RuntimeDep
from reference_server.routers.common import route_options
from reference_server.services import dashboard, registration
from reference_server.services.registration import AccountRef

router = APIRouter()


async def client_address(request: Request) -> str:
    """The caller's address as the server sees it (what per-address limits count); async, so
    no thread-pool hand-over."""
    return request.client.host if request.client else "unknown"


def current_account(
    runtime: RuntimeDep,
    authorization: Annotated[
        str | None, Header(description="`Bearer <access_token>` from accounts or login.")
    ] = None,
) -> AccountRef:
    """The applicant's account from the bearer token (counted against its request limit)."""
    return registration.authenticate(runtime, authorization)


Applicant = Annotated[AccountRef, Depends(current_account)]
Address = Annotated[str, Depends(client_address)]


@router.post(CREATE_ACCOUNT.path, **route_options(CREATE_ACCOUNT))
def create_account(
    body: CreateAccountRequest, runtime: RuntimeDep, address: Address
) -> dict[str, Any]:
    """Create an account; OTPs go to the e-mail and the phone."""
    data = registration.create_account(runtime, body, address)
    return ok(data.model_dump(mode="json"), CREATE_ACCOUNT.success_message)


@router.post(LOGIN.path, **route_options(LOGIN))
def login(body: LoginRequest, runtime: RuntimeDep, address: Address) -> dict[str, Any]:
    """A new session."""
    data = registration.login(runtime, body, address)
    return ok(data.model_dump(mode="json"), LOGIN.success_message)


@router.post(SEND_CONTACT_OTP.path, **route_options(SEND_CONTACT_OTP))
def send_contact_otp(
    body: ContactOtpRequest, account: Applicant, runtime: RuntimeDep
) -> dict[str, Any]:
    """A new OTP for one channel."""
    data = registration.send_contact_otp(runtime, account, body.channel)
    return ok(data.model_dump(mode="json"), SEND_CONTACT_OTP.success_message)


@router.post(VERIFY_CONTACT.path, **route_options(VERIFY_CONTACT))
def verify_contact(
    body: VerifyContactRequest, account: Applicant, runtime: RuntimeDep
) -> dict[str, Any]:
    """Verify one channel with its OTP."""
    data = registration.verify_contact(runtime, account, body.channel, body.otp)
    return ok(data.model_dump(mode="json"), VERIFY_CONTACT.success_message)


@router.post(SUBMIT_IDENTITY.path, **route_options(SUBMIT_IDENTITY))
def submit_identity(
    body: IdentityRequest, account: Applicant, runtime: RuntimeDep
) -> dict[str, Any]:
    """The declared identity."""
    data = registration.submit_identity(runtime, account, body)
    return ok(data.model_dump(mode="json"), SUBMIT_IDENTITY.success_message)


@router.post(SUBMIT_SELFIE.path, **route_options(SUBMIT_SELFIE))
def submit_selfie(body: SelfieRequest, account: Applicant, runtime: RuntimeDep) -> dict[str, Any]:
    """The selfie's liveness token."""
    data = registration.submit_selfie(runtime, account, body)
    return ok(data.model_dump(mode="json"), SUBMIT_SELFIE.success_message)


@router.post(JOIN_WAVE.path, **route_options(JOIN_WAVE))
def join_wave(account: Applicant, runtime: RuntimeDep) -> dict[str, Any]:
    """Join the open wave."""
    data = registration.join_wave(runtime, account)
    return ok(data.model_dump(mode="json"), JOIN_WAVE.success_message)


@router.get(REGISTRATION_STATUS.path, **route_options(REGISTRATION_STATUS))
def status(account: Applicant, runtime: RuntimeDep) -> dict[str, Any]:
    """Stage and reason."""
    data = registration.status(runtime, account)
    return ok(data.model_dump(mode="json"), REGISTRATION_STATUS.success_message)


@router.get(DASHBOARD.path, **route_options(DASHBOARD))
def dashboard_view(account: Applicant, runtime: RuntimeDep) -> dict[str, Any]:
    """Card, purchases, certificates, incentives."""
    data = dashboard.dashboard(runtime, account)
    return ok(data.model_dump(mode="json"), DASHBOARD.success_message)
