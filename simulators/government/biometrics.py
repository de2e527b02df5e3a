"""Biometrics simulator: liveness of a selfie, and the selfie against the NIK's registry photo.

A selfie token stands for a photo: the population file says whose face it shows and whether it is
live or a spoof. The face-match answer carries a face template id derived from the selfie's face
alone, so the same face always gets the same id whichever NIK it comes with: the id is what the
server's de-duplication (one face behind two NIKs) compares. Scores are plausible and stable per
token, never random, so a repeated call gives the same answer.
"""

from __future__ import annotations

import hashlib

from fastapi import FastAPI

from contract.government import (
    FACE_MATCH,
    LIVENESS,
    FaceMatchRequest,
    FaceMatchResponse,
    LivenessRequest,
    LivenessResponse,
)
from simulators.framework.behaviour import Profile
from simulators.government.registry import Registry
from simulators.government.source_app import source_app

NAME = "biometrics"


def face_template_id(face: str) -> str:
    """The template id of a face: stable across runs and processes, unrelated to any NIK."""
    digest = hashlib.blake2b(face.encode(), digest_size=12, person=b"prakerja-face").hexdigest()
    return f"FT{digest}"


def _score(key: str, low: float, high: float) -> float:
    """A plausible score in [low, high], the same every time for ``key``."""
    fraction = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest()) / 2**32
    return round(low + (high - low) * fraction, 4)


def liveness(registry: Registry, request: LivenessRequest) -> LivenessResponse:
    """Live iff the selfie is known and live; an unknown token shows no face at all (score 0)."""
    selfie = registry.selfie(request.selfie)
    if selfie is None:
        return LivenessResponse(live=False, score=0.0)
    if selfie.live:
        return LivenessResponse(live=True, score=_score(request.selfie, 0.86, 0.99))
    return LivenessResponse(live=False, score=_score(request.selfie, 0.03, 0.35))


def face_match(registry: Registry, request: FaceMatchRequest) -> FaceMatchResponse:
    """Match iff the NIK has a registry photo and the selfie shows the face on it."""
    selfie = registry.selfie(request.selfie)
    if selfie is None or not selfie.face:  # no face found in the picture
        return FaceMatchResponse(match=False, score=0.0, face_id=None)
    face_id = face_template_id(selfie.face)
    person = registry.person(request.nik)
    if person is None:  # no registry photo to compare with
        return FaceMatchResponse(match=False, score=0.0, face_id=face_id)
    key = f"{request.nik}:{request.selfie}"
    if person.face_id == selfie.face:
        return FaceMatchResponse(match=True, score=_score(key, 0.88, 0.99), face_id=face_id)
    return FaceMatchResponse(match=False, score=_score(key, 0.05, 0.40), face_id=face_id)


def create_app(registry: Registry, profile: Profile | None = None) -> FastAPI:
    """The biometrics simulator answering from ``registry`` with ``profile``'s behaviour."""
    app = source_app(NAME, "Biometrics simulator", profile or Profile())

    @app.post(LIVENESS, response_model=LivenessResponse)
    async def check_liveness(body: LivenessRequest) -> LivenessResponse:
        """Whether the selfie is of a live person."""
        return liveness(registry, body)

    @app.post(FACE_MATCH, response_model=FaceMatchResponse)
    async def check_face(body: FaceMatchRequest) -> FaceMatchResponse:
        """Whether the selfie is the face on the NIK's registry photo, with its template id."""
        return face_match(registry, body)

    return app
