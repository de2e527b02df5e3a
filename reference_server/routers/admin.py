"""Routes of the programme office's administration surface: waves, the lottery, the revoke job.

Signed like the integration API, by a partner of role ``pmo``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from contract import errors as err
from contract.admin import (
    CommitWaveRequest,
    CreateWaveRequest,
    ExportRequest,
    RevokeRequest,
    WaveRequest,
)
from contract.endpoints import (
    CLOSE_WAVE,
    COMMIT_WAVE,
    CREATE_WAVE,
    DRAW_WAVE,
    EXPORT_WAVE,
    REVOKE_EXPIRED,
    WAVE_STATUS,
    Role,
)
from contract.envelope import ok
from contract.errors import ApiError
from reference_server.auth import RuntimeDep, require
from reference_server.routers.common import route_options
from reference_server.runtime import PartnerIdentity
from reference_server.services import cards, waves

router = APIRouter()
PmoPartner = Annotated[PartnerIdentity, Depends(require(Role.PMO))]


def _actor(partner: PartnerIdentity) -> str:
    return f"pmo:{partner.client_code}"


@router.post(CREATE_WAVE.path, **route_options(CREATE_WAVE))
def create_wave(
    body: CreateWaveRequest, partner: PmoPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """Create a wave."""
    data = waves.create_wave(runtime, _actor(partner), body)
    return ok(data.model_dump(mode="json"), CREATE_WAVE.success_message)


@router.post(COMMIT_WAVE.path, **route_options(COMMIT_WAVE))
def commit_wave(
    body: CommitWaveRequest, partner: PmoPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """Commit to the lottery seed."""
    data = waves.commit_wave(runtime, _actor(partner), body.wave_code, body.seed)
    return ok(data.model_dump(mode="json"), COMMIT_WAVE.success_message)


@router.post(CLOSE_WAVE.path, **route_options(CLOSE_WAVE))
def close_wave(body: WaveRequest, partner: PmoPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Close a wave now."""
    data = waves.close_wave(runtime, _actor(partner), body.wave_code)
    return ok(data.model_dump(mode="json"), CLOSE_WAVE.success_message)


@router.post(DRAW_WAVE.path, **route_options(DRAW_WAVE))
def draw_wave(body: WaveRequest, partner: PmoPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Reveal the seed and draw."""
    data = waves.draw_wave(runtime, _actor(partner), body.wave_code)
    return ok(data.model_dump(mode="json"), DRAW_WAVE.success_message)


@router.post(WAVE_STATUS.path, **route_options(WAVE_STATUS))
def wave_status(body: WaveRequest, _: PmoPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """A wave and its counts."""
    data = waves.wave_status_data(runtime, body.wave_code)
    return ok(data.model_dump(mode="json"), WAVE_STATUS.success_message)


_export_options = route_options(EXPORT_WAVE)
_export_options["response_class"] = StreamingResponse
_export_options["responses"] = {
    **_export_options["responses"],
    200: {
        "description": "`nik` header, then one NIK a line.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
}
_export_options.pop("response_model")


@router.post(EXPORT_WAVE.path, **_export_options)
def export_wave(body: ExportRequest, _: PmoPartner, runtime: RuntimeDep) -> StreamingResponse:
    """The joiners in the draw, or the winners in draw order, as CSV."""
    wave_id = waves.export_check(runtime, body.wave_code)
    return StreamingResponse(
        waves.export_lines(runtime, wave_id, body.list),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{body.wave_code}-{body.list}.csv"'},
    )


@router.post(REVOKE_EXPIRED.path, **route_options(REVOKE_EXPIRED))
def revoke_expired(body: RevokeRequest, partner: PmoPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Run the revoke job now (as of ``as_of`` in the sandbox)."""
    as_of = body.as_of if runtime.settings.sandbox else None
    if as_of is not None and waves.sane_time(as_of) is None:
        raise ApiError(err.BAD_REQUEST, "as_of must lie between 2000 and 2099.")
    data = cards.revoke_expired(runtime.sessions, as_of, actor=_actor(partner))
    return ok(data.model_dump(mode="json"), REVOKE_EXPIRED.success_message)
