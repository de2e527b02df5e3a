"""The reference server: the Prakerja side of the partner API, as one FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from contract import VERSION
from contract.endpoints import ALL_ENDPOINTS
from reference_server import errors, fixtures, logs, metrics, openapi_export
from reference_server.limits import BodyLimit
from reference_server.recorder import Recorder
from reference_server.routers import (
    admin,
    assignments,
    attendance,
    catalogue,
    certification,
    health,
    incentives,
    jobs,
    payments,
    payouts,
    registration,
    sandbox,
    sso,
    verification,
    waves,
)
from reference_server.routers import metrics as metrics_router
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings, get_settings
from reference_server.storage.db import transaction, upgrade
from reference_server.worker import start_inline

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
        readers = () if runtime.read_engine is runtime.engine else (runtime.read_engine,)
        metrics.process_started(runtime.engine, *readers)
        worker = start_inline(runtime)  # the outbox worker, unless `prakerja worker` runs it
        yield
        if worker is not None:
            worker.stop()
        metrics.process_stopped()
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
    app.add_middleware(Recorder, runtime=runtime)  # inside the body limit: bodies are bounded
    app.add_middleware(
        BodyLimit,
        refuse=errors.too_large,
        overrides={e.path: e.max_body for e in ALL_ENDPOINTS if e.max_body},
    )

    app.add_middleware(logs.AccessLog)  # outermost of ours: sees the body limit's refusals too

    for router in (
        health.router,
        metrics_router.router,
        payments.router,
        attendance.router,
        verification.router,
        assignments.router,
        sso.router,
        sandbox.router,
        registration.router,
        waves.router,
        admin.router,
        catalogue.router,
        incentives.router,
        payouts.router,
        jobs.router,
        certification.router,
    ):
        app.include_router(router)
    openapi_export.install(app)  # /openapi.json: the published document, error catalogue included
    return app
