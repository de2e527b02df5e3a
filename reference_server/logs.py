"""Logging of the server process: one line per request, never a secret, body or NIK."""

from __future__ import annotations

import logging
import os
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_server import metrics

log = logging.getLogger("prakerja.access")


def configure() -> None:
    """Send the ``prakerja`` loggers to stderr once (level from PRAKERJA_LOG_LEVEL, default INFO)."""
    logger = logging.getLogger("prakerja")
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(os.environ.get("PRAKERJA_LOG_LEVEL", "INFO").upper())
    logger.propagate = False


class AccessLog:
    """ASGI middleware: the access line and the request metrics of every HTTP request.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs each
    request through a task group and memory streams, which cost more than the rest of a cheap
    request. The time is taken when the response starts, as the metrics have always measured it.
    A request whose handler raised before answering is counted and logged as the 500 the client
    gets from the error handler outside this middleware.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered: list[int | float] = []  # status, seconds: set when the response starts

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered[:] = (message["status"], time.perf_counter() - started)
            await send(message)

        metrics.IN_PROGRESS.inc()
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            metrics.IN_PROGRESS.dec()
            status, seconds = answered or (500, time.perf_counter() - started)
            _record(scope, int(status), float(seconds))


def _record(scope: Scope, status: int, seconds: float) -> None:
    # The route's template, not the URL: paths carry one-time tokens (/verifikasi/{token}),
    # query strings personal data; bodies and headers (signatures) are never logged.
    template: str | None = getattr(scope.get("route"), "path", None)
    method: str = scope["method"]
    metrics.observe(method, template, status, seconds)
    if log.isEnabledFor(logging.INFO):
        client = next((v for k, v in scope["headers"] if k == b"client_code"), b"-")
        log.info(
            "%s %s %s %.1fms client=%s",
            method,
            template or scope["path"],
            status,
            seconds * 1000,
            client.decode("latin-1"),
        )
