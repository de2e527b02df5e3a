"""The one place errors become responses: every error in its surface's envelope."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from contract import errors as err
from contract.endpoints import BY_PATH
from contract.errors import ApiError, ErrorCode, Surface

log = logging.getLogger("prakerja.server")

SSO_PREFIXES = ("/api/v1/oauth/", "/api/v1/resource/", "/consent-sso")


class RateLimited(ApiError):
    """RATE_LIMITED (429), answered with ``Retry-After``: seconds until the limit's window ends."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(err.RATE_LIMITED)
        self.retry_after = max(1, int(retry_after))


def is_sso_path(path: str) -> bool:
    """True for the SSO surface, which has its own envelope."""
    return path.startswith(SSO_PREFIXES)


def error_body(
    error: ErrorCode, message: str | None = None, *, sso: bool | None = None
) -> dict[str, Any]:
    """The error envelope: SSO's (with ``errorCode``) on the SSO surface, else the integration one."""
    text = message or error.message
    if sso if sso is not None else error.surface is Surface.SSO:
        return {"success": False, "code": error.code, "errorCode": error.code, "message": text}
    return {"success": False, "code": error.code, "message": text}


def error_response(request: Request, error: ErrorCode, message: str | None = None) -> JSONResponse:
    """A JSON response for a catalogued error, in the envelope of the surface called."""
    body = error_body(error, message, sso=is_sso_path(request.url.path))
    return JSONResponse(body, status_code=error.http_status)


def too_large(scope: Scope) -> JSONResponse:
    """The refusal of an oversize body, for the body-limit middleware."""
    body = error_body(err.BODY_TOO_LARGE, sso=is_sso_path(scope.get("path", "")))
    return JSONResponse(body, status_code=err.BODY_TOO_LARGE.http_status)


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for item in exc.errors()[:3]:
        loc = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {item.get('msg', 'invalid')}")
    return "; ".join(parts)


def install(app: FastAPI) -> None:
    """Register the handlers that render every error in the envelope."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        response = error_response(request, exc.error, exc.message)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        path = request.url.path
        if is_sso_path(path):
            return error_response(request, err.SSO_BAD_REQUEST)
        endpoint = BY_PATH.get(path)
        error = endpoint.invalid_code if endpoint else err.BAD_REQUEST
        return error_response(request, error, f"{error.message} ({_describe(exc)})")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = {404: err.NOT_FOUND, 405: err.METHOD_NOT_ALLOWED, 413: err.BODY_TOO_LARGE}.get(
            exc.status_code, err.BAD_REQUEST
        )
        return error_response(request, error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, err.INTERNAL)
