"""The public list of waves and their lottery commitments (registration surface, no auth)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contract.endpoints import WAVES
from contract.envelope import ok
from reference_server.auth import RuntimeDep
from reference_server.routers.common import route_options
from reference_server.services import waves

router = APIRouter()


@router.get(WAVES.path, **route_options(WAVES))
def list_waves(runtime: RuntimeDep) -> dict[str, Any]:
    """Every wave with its quota, times, commitment and, once drawn, the seed."""
    return ok(waves.public_waves(runtime).model_dump(mode="json"), WAVES.success_message)
