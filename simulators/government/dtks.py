"""DTKS (the integrated social-welfare data) simulator: is a NIK a social-assistance recipient."""

from __future__ import annotations

from fastapi import FastAPI

from contract.government import DTKS_CHECK, DtksRequest, DtksResponse
from simulators.framework.behaviour import Profile
from simulators.government.registry import Registry
from simulators.government.source_app import source_app

NAME = "dtks"


def create_app(registry: Registry, profile: Profile | None = None) -> FastAPI:
    """The DTKS simulator answering from ``registry`` with ``profile``'s behaviour."""
    app = source_app(NAME, "DTKS simulator", profile or Profile())

    @app.post(DTKS_CHECK, response_model=DtksResponse)
    async def check(body: DtksRequest) -> DtksResponse:
        """Whether the NIK is listed in DTKS."""
        return DtksResponse(nik=body.nik, recipient=registry.is_recipient(body.nik))

    return app
