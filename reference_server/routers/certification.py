"""Routes of the certification surface: runs and certificates, the office's decisions, and
client-mode sessions. Signed like the integration API by the partner certified (or the office).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from contract.certification import (
    CallsRequest,
    DecideRequest,
    OpenSessionRequest,
    RunReport,
    RunRequest,
    RunsRequest,
    SessionRequest,
    StartScenarioRequest,
)
from contract.endpoints import (
    CLOSE_SESSION,
    DECIDE_RUN,
    GET_RUN,
    LIST_RUNS,
    OPEN_SESSION,
    PUBLIC_KEY,
    SESSION_CALLS,
    START_SCENARIO,
    SUBMIT_RUN,
)
from contract.envelope import ok
from reference_server.auth import RuntimeDep, require_any
from reference_server.routers.common import route_options
from reference_server.runtime import PartnerIdentity
from reference_server.services import certification as service

router = APIRouter()


Submitter = Annotated[PartnerIdentity, Depends(require_any(SUBMIT_RUN.roles))]
Reader = Annotated[PartnerIdentity, Depends(require_any(LIST_RUNS.roles))]
Office = Annotated[PartnerIdentity, Depends(require_any(DECIDE_RUN.roles))]
Client = Annotated[PartnerIdentity, Depends(require_any(OPEN_SESSION.roles))]


@router.post(SUBMIT_RUN.path, **route_options(SUBMIT_RUN))
def submit_run(body: RunReport, partner: Submitter, runtime: RuntimeDep) -> dict[str, Any]:
    """Store a run's report; a passed run gets its certificate."""
    data = service.submit_run(runtime, partner, body)
    return ok(data.model_dump(mode="json"), SUBMIT_RUN.success_message)


@router.post(LIST_RUNS.path, **route_options(LIST_RUNS))
def list_runs(body: RunsRequest, partner: Reader, runtime: RuntimeDep) -> dict[str, Any]:
    """Runs, newest first."""
    return ok(service.list_runs(runtime, partner, body).model_dump(mode="json"))


@router.post(GET_RUN.path, **route_options(GET_RUN))
def get_run(body: RunRequest, partner: Reader, runtime: RuntimeDep) -> dict[str, Any]:
    """One run with its report."""
    return ok(service.get_run(runtime, partner, body.run_id).model_dump(mode="json"))


@router.post(DECIDE_RUN.path, **route_options(DECIDE_RUN))
def decide_run(body: DecideRequest, office: Office, runtime: RuntimeDep) -> dict[str, Any]:
    """Accept or reject a run."""
    return ok(service.decide_run(runtime, office, body).model_dump(mode="json"))


@router.get(PUBLIC_KEY.path, **route_options(PUBLIC_KEY))
def public_key(runtime: RuntimeDep) -> dict[str, Any]:
    """The office's certificate key."""
    return ok(service.public_key(runtime).model_dump(mode="json"))


@router.post(OPEN_SESSION.path, **route_options(OPEN_SESSION))
def open_session(body: OpenSessionRequest, partner: Client, runtime: RuntimeDep) -> dict[str, Any]:
    """Open a client-mode session."""
    return ok(service.open_session(runtime, partner, body).model_dump(mode="json"))


@router.post(START_SCENARIO.path, **route_options(START_SCENARIO))
def start_scenario(
    body: StartScenarioRequest, partner: Client, runtime: RuntimeDep
) -> dict[str, Any]:
    """Start recording a scenario."""
    data = service.start_scenario(runtime, partner, body.session_id, body.scenario)
    return ok(data.model_dump(mode="json"))


@router.post(SESSION_CALLS.path, **route_options(SESSION_CALLS))
def session_calls(body: CallsRequest, partner: Client, runtime: RuntimeDep) -> dict[str, Any]:
    """The calls recorded in a session."""
    return ok(service.session_calls(runtime, partner, body).model_dump(mode="json"))


@router.post(CLOSE_SESSION.path, **route_options(CLOSE_SESSION))
def close_session(body: SessionRequest, partner: Client, runtime: RuntimeDep) -> dict[str, Any]:
    """Close a session."""
    return ok(service.close_session(runtime, partner, body.session_id).model_dump(mode="json"))
