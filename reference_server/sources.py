"""Clients of the government sources: Dukcapil, DTKS and biometrics, over HTTP.

Every call has ``source_timeout_seconds``. Failures come in two kinds the outbox treats
differently only in how it records them (both are retried, nothing is dropped):

- ``SourceUnavailable``: a timeout, a connection error or a 5xx; the outage passes, retry soon.
  A source with no URL configured is unavailable too: its jobs wait until one is set.
- ``SourceRejected``: a 4xx or an answer that breaks the contract: our bug or theirs, not an
  outage; recorded and retried at the longest delay, so a fix deployed later finishes the job.

The NIK travels in request bodies only, never in a URL, and never reaches an error message.
"""

from __future__ import annotations

from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from contract.government import (
    DTKS_CHECK,
    DUKCAPIL_VERIFY,
    FACE_MATCH,
    LIVENESS,
    DtksRequest,
    DtksResponse,
    FaceMatchRequest,
    FaceMatchResponse,
    LivenessRequest,
    LivenessResponse,
    NikVerifyRequest,
    NikVerifyResponse,
)
from reference_server.settings import ServerSettings

Answer = TypeVar("Answer", bound=BaseModel)


class SourceError(Exception):
    """A government source gave no usable answer."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class SourceUnavailable(SourceError):
    """Transient: timeout, connection error, 5xx, or no URL configured."""


class SourceNotConfigured(SourceUnavailable):
    """The source's base URL is not set: jobs wait until it is."""


class SourceRejected(SourceError):
    """Permanent for this request: a 4xx or an answer that breaks the contract."""


class Sources:
    """One HTTP client per process for all three sources (thread-safe, pooled)."""

    def __init__(self, settings: ServerSettings) -> None:
        self.urls = {
            "dukcapil": settings.dukcapil_url,
            "dtks": settings.dtks_url,
            "biometrics": settings.biometrics_url,
        }
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.source_timeout_seconds),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    @property
    def configured(self) -> bool:
        """True when every source has a URL."""
        return all(self.urls.values())

    def missing(self) -> list[str]:
        """The sources without a URL."""
        return [name for name, url in self.urls.items() if not url]

    def _call(self, source: str, path: str, request: BaseModel, answer: type[Answer]) -> Answer:
        base = self.urls[source]
        if not base:
            raise SourceNotConfigured(source, "no URL configured")
        try:
            response = self._client.post(
                base.rstrip("/") + path,
                content=request.model_dump_json(),
                headers={"Content-Type": "application/json"},
            )
        except httpx.TimeoutException:
            raise SourceUnavailable(source, "timed out") from None
        except httpx.TransportError as exc:
            raise SourceUnavailable(source, f"connection failed ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise SourceUnavailable(source, f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise SourceRejected(source, f"HTTP {response.status_code} on {path}")
        try:
            return answer.model_validate_json(response.content)
        except ValidationError as exc:
            raise SourceRejected(
                source, f"answer breaks the contract ({exc.error_count()} error(s))"
            ) from None

    def verify_nik(self, request: NikVerifyRequest) -> NikVerifyResponse:
        """Dukcapil: is the NIK registered, do name, birth date and KK match."""
        return self._call("dukcapil", DUKCAPIL_VERIFY, request, NikVerifyResponse)

    def liveness(self, selfie: str) -> LivenessResponse:
        """Biometrics: is the selfie a live face."""
        return self._call("biometrics", LIVENESS, LivenessRequest(selfie=selfie), LivenessResponse)

    def face_match(self, nik: str, selfie: str) -> FaceMatchResponse:
        """Biometrics: is the selfie the face on the NIK's registry photo; its face id."""
        request = FaceMatchRequest(nik=nik, selfie=selfie)
        return self._call("biometrics", FACE_MATCH, request, FaceMatchResponse)

    def dtks(self, nik: str) -> DtksResponse:
        """DTKS: is the NIK a social-assistance recipient."""
        return self._call("dtks", DTKS_CHECK, DtksRequest(nik=nik), DtksResponse)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
