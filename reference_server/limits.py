"""A cap on request bodies that holds whether or not the client sends Content-Length."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024


class BodyLimit:
    """ASGI middleware: reads the body up to ``limit`` bytes, refusing it past that.

    The whole body is read before the app runs (every body of this API is small), so a refusal is
    the same whether the size was declared in Content-Length or only found while streaming.
    ``overrides`` gives paths a cap of their own (a job portal's batch of vacancies).
    """

    def __init__(
        self,
        app: ASGIApp,
        refuse: Callable[[Scope], Response],
        limit: int = MAX_BODY_BYTES,
        overrides: Mapping[str, int] | None = None,
    ) -> None:
        self.overrides = dict(overrides or {})
        if limit <= 0 or any(cap <= 0 for cap in self.overrides.values()):
            raise ValueError("limit must be positive")
        self.app = app
        self.refuse = refuse
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.overrides.get(scope.get("path", ""), self.limit)
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self.refuse(scope)(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self.refuse(scope)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)
