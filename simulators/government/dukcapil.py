"""Dukcapil (the civil registry) simulator: does a NIK exist, and does what the applicant declared
agree with it.

Names match case-insensitively with runs of whitespace taken as one space, as an officer reading
them would; the birth date and the family card (KK) must be equal. The answer carries the
registry's own data (sex, birth date, region, KK, occupation) that the eligibility rules read.
"""

from __future__ import annotations

from fastapi import FastAPI

from contract.government import DUKCAPIL_VERIFY, NikVerifyRequest, NikVerifyResponse
from simulators.framework.behaviour import Profile
from simulators.government.registry import Registry
from simulators.government.source_app import source_app

NAME = "dukcapil"


def same_name(declared: str, registered: str) -> bool:
    """Names are the same ignoring case and the amount of whitespace between words."""
    return " ".join(declared.split()).casefold() == " ".join(registered.split()).casefold()


def verify_nik(registry: Registry, request: NikVerifyRequest) -> NikVerifyResponse:
    """The registry's answer to one verification request."""
    person = registry.person(request.nik)
    if person is None:
        return NikVerifyResponse(
            found=False,
            name_match=None,
            birth_date_match=None,
            kk_match=None,
            sex=None,
            birth_date=None,
            region_code=None,
            kk=None,
            occupation=None,
        )
    return NikVerifyResponse(
        found=True,
        name_match=same_name(request.name, person.name),
        birth_date_match=request.birth_date == person.birth_date,
        kk_match=request.kk == person.kk,
        sex=person.sex,
        birth_date=person.birth_date,
        region_code=person.region_code,
        kk=person.kk,
        occupation=person.occupation,
    )


def create_app(registry: Registry, profile: Profile | None = None) -> FastAPI:
    """The Dukcapil simulator answering from ``registry`` with ``profile``'s behaviour."""
    app = source_app(NAME, "Dukcapil simulator", profile or Profile())

    @app.post(DUKCAPIL_VERIFY, response_model=NikVerifyResponse)
    async def verify(body: NikVerifyRequest) -> NikVerifyResponse:
        """Verify a NIK and the data declared with it."""
        return verify_nik(registry, body)

    return app
