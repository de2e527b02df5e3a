"""Routes of the card holder's incentives on the registration surface (bearer session)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contract.endpoints import (
    ANSWER_SURVEY,
    CONFIRM_LINK,
    INCENTIVE_PARTNERS,
    INCENTIVES,
    LINK_ACCOUNT,
    SURVEYS,
)
from contract.envelope import ok
from contract.incentives import ConfirmLinkRequest, LinkAccountRequest, SurveyAnswerRequest
from reference_server.auth import RuntimeDep
from reference_server.routers.common import route_options
from reference_server.routers.registration import Applicant
from reference_server.services import incentives

router = APIRouter()


@router.get(INCENTIVE_PARTNERS.path, **route_options(INCENTIVE_PARTNERS))
def payment_partners(_: Applicant, runtime: RuntimeDep) -> dict[str, Any]:
    """Banks and e-wallets to link."""
    data = incentives.payment_partners(runtime)
    return ok(data.model_dump(mode="json"), INCENTIVE_PARTNERS.success_message)


@router.post(LINK_ACCOUNT.path, **route_options(LINK_ACCOUNT))
def link_account(
    body: LinkAccountRequest, account: Applicant, runtime: RuntimeDep
) -> dict[str, Any]:
    """Ask the partner about the account; text the OTP."""
    data = incentives.link(runtime, runtime.partner_api, account, body)
    return ok(data.model_dump(mode="json"), LINK_ACCOUNT.success_message)


@router.post(CONFIRM_LINK.path, **route_options(CONFIRM_LINK))
def confirm_link(
    body: ConfirmLinkRequest, account: Applicant, runtime: RuntimeDep
) -> dict[str, Any]:
    """Confirm the link with the OTP."""
    data = incentives.confirm(runtime, account, body)
    return ok(data.model_dump(mode="json"), CONFIRM_LINK.success_message)


@router.get(INCENTIVES.path, **route_options(INCENTIVES))
def incentives_view(account: Applicant, runtime: RuntimeDep) -> dict[str, Any]:
    """Conditions, schedule, history."""
    data = incentives.incentives_view(runtime, account)
    return ok(data.model_dump(mode="json"), INCENTIVES.success_message)


@router.get(SURVEYS.path, **route_options(SURVEYS))
def surveys_view(account: Applicant, runtime: RuntimeDep) -> dict[str, Any]:
    """The scheme's surveys."""
    data = incentives.surveys_view(runtime, account)
    return ok(data.model_dump(mode="json"), SURVEYS.success_message)


@router.post(ANSWER_SURVEY.path, **route_options(ANSWER_SURVEY))
def answer_survey(
    body: SurveyAnswerRequest, account: Applicant, runtime: RuntimeDep
) -> dict[str, Any]:
    """Answer one survey."""
    data = incentives.answer_survey(runtime, account, body)
    return ok(data.model_dump(mode="json"), ANSWER_SURVEY.success_message)
