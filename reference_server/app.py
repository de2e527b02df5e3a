"""The reference server: the Prakerja side of the partner API, as one FastAPI app."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response

from contract import VERSION
from contract import errors as err
from reference_server import errors, fixtures, logs
from reference_server.routers import health
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings, get_settings
from reference_server.storage.db import transaction, upgrade

log = logging.getLogger("prakerja.access")
MAX_BODY_BYTES = 64 * 1024

DESCRIPTION = """\
Reference implementation of the Kartu Prakerja partner API for the sandbox. Paths, headers,
signature and envelopes mirror the real API (developer.prakerja.go.id): a partner's integration
works unchanged but for the base URL. Points the real portal leaves open are decided in
`docs/decisions.md`; sandbox-defined additions are marked as such.

**Signature.** `signature = hex(HMAC-SHA1(sign_key, client_code + timestamp + METHOD + path + body))`,
lower-case, with headers `client_code`, `signature`, `timestamp` (Unix seconds, within ±300 s).
The body signed may be the raw bytes sent or their compact JSON form. Each signature is accepted
once.
"""


def prepare(runtime: Runtime) -> None:
    """Migrate the database and seed the fixtures (idempotent)."""
    upgrade(runtime.engine)
    if runtime.settings.seed_fixtures:
        with transaction(runtime.sessions) as session:
            fixtures.seed(session, runtime.keys)


def create_app(settings: ServerSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app; the database is migrated and seeded when it starts."""
    logs.configure()
    runtime = runtime or Runtime(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        prepare(runtime)
        yield
        runtime.close()

    app = FastAPI(
        title="Prakerja Partner Sandbox — integration API",
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    errors.install(app)

    @app.middleware("http")
    async def _guard_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            return errors.error_response(err.BODY_TOO_LARGE)
        started = time.perf_counter()
        response = await call_next(request)
        # Path only: query strings and bodies may carry personal data, headers carry signatures.
        log.info(
            "%s %s %s %.1fms client=%s",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            request.headers.get("client_code", "-"),
        )
        return response

    app.include_router(health.router)
    for router in _surface_routers():
        app.include_router(router)
    return app


def _surface_routers() -> list[APIRouter]:
    """The routers of every surface that exists so far."""
    import importlib

    found = []
    for name in ("payments", "attendance", "assignments", "verification", "sso", "sandbox"):
        try:
            module = importlib.import_module(f"reference_server.routers.{name}")
        except ModuleNotFoundError:
            continue
        found.append(module.router)
    return found
