"""What every government source app shares: health, the profile, errors in the sources' shape.

Every error a source answers is a ``contract.government.SourceError``: a bad body or an unknown
``X-Simulate`` value is the caller's bug (400, not retried), an outage is 503, a timeout 504.
Validation messages name the field and the rule, never the value sent (it may be a NIK or a name).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from simulators.government.profile import Profile, SimulatedBehaviour, source_error

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


def source_app(name: str, title: str, profile: Profile) -> FastAPI:
    """A FastAPI app for source ``name`` with ``GET /health`` and ``profile`` applied to its calls."""
    app = FastAPI(title=title, version="1.0", redoc_url=None)

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

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "source": name}

    app.add_middleware(SimulatedBehaviour, dice=profile.dice(name))
    return app
