"""What every government source app shares: the simulator skeleton, errors in the sources' shape.

Built on ``simulators.framework`` (health, journal, profile, ``X-Simulate`` on every POST). Every
error a source answers is a ``contract.government.SourceError``: a bad body or an unknown
``X-Simulate`` value is the caller's bug (400, not retried), an outage is 5xx (503 unless
``X-Simulate`` names another), a timeout 504. Validation messages name the field and the rule,
never the value sent (it may be a NIK or a name).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from contract.government import SourceError
from simulators.framework.app import BAD_SIMULATE, TIMED_OUT, simulator_app
from simulators.framework.behaviour import Profile
from simulators.framework.registry import SimConfig
from simulators.government.kinds import KINDS

# SourceError.error codes the simulators answer with.
UNAVAILABLE_CODE = "SOURCE_UNAVAILABLE"
TIMED_OUT_CODE = "SOURCE_TIMEOUT"
BAD_SIMULATE_CODE = "BAD_SIMULATE"
INVALID_REQUEST = "INVALID_REQUEST"
MALFORMED_JSON = "MALFORMED_JSON"
_MAX_MESSAGE = 500


def _describe(exc: RequestValidationError) -> tuple[str, str]:
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return MALFORMED_JSON, "The body is not valid JSON."
    parts = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        parts.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
    return INVALID_REQUEST, "; ".join(parts)[:_MAX_MESSAGE]


def source_error(status: int, error: str, message: str) -> JSONResponse:
    """A response in the sources' error shape (contract.government.SourceError)."""
    return JSONResponse(SourceError(error=error, message=message).model_dump(), status_code=status)


def _simulated(status: int, kind: str, message: str) -> JSONResponse:
    code = {BAD_SIMULATE: BAD_SIMULATE_CODE, TIMED_OUT: TIMED_OUT_CODE}.get(kind, UNAVAILABLE_CODE)
    return source_error(status, code, message)


def source_app(name: str, title: str, profile: Profile) -> FastAPI:
    """A FastAPI app for source ``name`` with ``GET /health`` and ``profile`` applied to its calls."""
    app = simulator_app(
        KINDS[name], SimConfig(instance=name, profile=profile), title=title, render=_simulated
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        error, message = _describe(exc)
        return source_error(400, error, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        return source_error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return source_error(500, "INTERNAL", "The simulator failed; this is a bug.")

    return app
