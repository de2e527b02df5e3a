"""The access line and request metrics of the middleware, for what the server's routes cannot
show over HTTP: a handler that raises before it answers."""

from __future__ import annotations

import asyncio
import logging

import pytest
from starlette.types import Message, Receive, Scope, Send

from contract import metrics as names
from reference_server import metrics
from reference_server.logs import AccessLog


async def _broken(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("a bug")


def _call(app: AccessLog, path: str) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http", "method": "POST", "path": path, "headers": [(b"client_code", b"dp-x")],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return sent


def _count(route: str, status: str) -> float:
    value = metrics.REQUESTS.labels("POST", route, status)._value.get()
    return float(value)


def test_a_request_whose_handler_raised_is_logged_and_counted_as_the_500_it_gets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = _count(names.UNMATCHED_ROUTE, "500")
    in_progress = metrics.IN_PROGRESS._value.get()
    with caplog.at_level(logging.INFO, "prakerja.access"), pytest.raises(RuntimeError):
        _call(AccessLog(_broken), "/api/v1/broken/secret-token")
    assert _count(names.UNMATCHED_ROUTE, "500") == before + 1
    assert metrics.IN_PROGRESS._value.get() == in_progress
    (line,) = [r.getMessage() for r in caplog.records if r.name == "prakerja.access"]
    assert line.startswith("POST /api/v1/broken/secret-token 500 ") and line.endswith("client=dp-x")


def test_the_status_and_time_are_those_of_the_response_start() -> None:
    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b"teapot"})

    before = _count(names.UNMATCHED_ROUTE, "418")
    sent = _call(AccessLog(answer), "/tea")
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert _count(names.UNMATCHED_ROUTE, "418") == before + 1
