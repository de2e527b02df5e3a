"""Routes of the jobs surface: portals push and withdraw (signed, role jp); anyone searches;
an applicant gets recommendations (bearer, on the registration surface)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from contract.endpoints import (
    PUSH_VACANCIES,
    RECOMMENDATIONS,
    SEARCH_VACANCIES,
    WITHDRAW_VACANCIES,
    Role,
)
from contract.envelope import ok
from contract.jobs import PushRequest, RecommendationsRequest, SearchRequest, WithdrawRequest
from reference_server.auth import RuntimeDep, require
from reference_server.routers.common import route_options
from reference_server.routers.registration import Applicant
from reference_server.runtime import PartnerIdentity
from reference_server.services import vacancies

router = APIRouter()
JpPartner = Annotated[PartnerIdentity, Depends(require(Role.JP))]


@router.post(PUSH_VACANCIES.path, **route_options(PUSH_VACANCIES))
def push(body: PushRequest, partner: JpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Take in a batch of the portal's vacancies, item by item."""
    data = vacancies.push(runtime, partner, body)
    return ok(data.model_dump(mode="json"), PUSH_VACANCIES.success_message)


@router.post(WITHDRAW_VACANCIES.path, **route_options(WITHDRAW_VACANCIES))
def withdraw(body: WithdrawRequest, partner: JpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Take the portal's vacancies out of search."""
    data = vacancies.withdraw(runtime, partner, body)
    return ok(data.model_dump(mode="json"), WITHDRAW_VACANCIES.success_message)


@router.get(SEARCH_VACANCIES.path, **route_options(SEARCH_VACANCIES))
def search(query: Annotated[SearchRequest, Query()], runtime: RuntimeDep) -> dict[str, Any]:
    """One page of live vacancies, newest first."""
    data = vacancies.search(runtime, query)
    return ok(data.model_dump(mode="json"), SEARCH_VACANCIES.success_message)


@router.get(RECOMMENDATIONS.path, **route_options(RECOMMENDATIONS))
def recommend(
    query: Annotated[RecommendationsRequest, Query()], account: Applicant, runtime: RuntimeDep
) -> dict[str, Any]:
    """Vacancies ranked for the applicant."""
    data = vacancies.recommendations(runtime, account, query.limit)
    return ok(data.model_dump(mode="json"), RECOMMENDATIONS.success_message)
