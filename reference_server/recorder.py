"""Client-mode certification: records the calls of a partner whose session is open, and injects
the faults of the scenario it is in (a busy server, an answer lost after the work was done).

ASGI middleware inside the body limit, outside the routes: it sees every call as sent (even one
refused for its signature, which the routes never see) and the answer as the partner receives it.
A call is stored before its answer leaves, so whatever the partner saw answered is in the record
when the harness reads it. Partners without an open session pay one indexed read per call.
"""

from __future__ import annotations

import json
import time

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract import errors as err
from contract.certification import FaultKind
from contract.endpoints import CERTIFICATION
from contract.errors import ErrorCode
from reference_server.errors import error_body
from reference_server.runtime import Runtime
from reference_server.services import certification as service
from reference_server.storage.tables import utcnow


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class Recorder:
    """Records the calls of partners in an open certification session."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        caller = (
            (_header(scope, b"client_code") or _header(scope, b"x-client-id") or "").strip()
            if path and not path.startswith(CERTIFICATION)
            else ""
        )
        if not caller:
            await self.app(scope, receive, send)
            return
        runtime = self.runtime
        recording = await to_thread.run_sync(service.recording_of, runtime, caller)
        if recording is None:
            await self.app(scope, receive, send)
            return
        await self._record(scope, receive, send, runtime, recording)

    async def _record(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        runtime: Runtime,
        recording: service.Recording,
    ) -> None:
        seen = _Seen(scope)

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen.chunks.append(message.get("body", b""))
            return message

        fault = recording.fault if recording.fault and recording.fault.path == seen.path else None
        status, body, injected = 500, b"", None
        headers: list[tuple[bytes, bytes]] = []
        if (
            fault is not None
            and fault.kind is FaultKind.BUSY
            and await to_thread.run_sync(service.take_fault, runtime, recording, fault)
        ):
            while (await receive_and_keep()).get("more_body", False):
                pass
            injected = fault.kind.value
            status, headers, body = _refusal(err.CERT_BUSY, fault.retry_after or 1)
        if injected is None:
            answer: list[Message] = []

            async def keep(message: Message) -> None:
                answer.append(message)

            try:
                await self.app(scope, receive_and_keep, keep)
            except Exception:  # recorded as the 500 the partner gets, then handled as usual
                call = seen.call(500, [], b"", None)
                await to_thread.run_sync(service.record_call, runtime, recording, call)
                raise
            start = next((m for m in answer if m["type"] == "http.response.start"), None)
            status = int(start["status"]) if start else 500
            headers = list(start.get("headers", [])) if start else []
            body = b"".join(m.get("body", b"") for m in answer if m["type"] == "http.response.body")
            if (
                fault is not None
                and fault.kind is FaultKind.LOST_ANSWER
                and status == 200
                and await to_thread.run_sync(service.take_fault, runtime, recording, fault)
            ):
                injected = fault.kind.value
                status, headers, body = _refusal(err.CERT_LOST_ANSWER, None)
        call = seen.call(status, headers, body, injected)
        await to_thread.run_sync(service.record_call, runtime, recording, call)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})


class _Seen:
    """What the recorder has seen of one call so far."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.path: str = scope["path"]
        self.started = time.perf_counter()
        self.received_at = utcnow()
        self.chunks: list[bytes] = []

    def call(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, injected: str | None
    ) -> service.Call:
        """The call as it will be stored."""
        retry_after = next(
            (int(v) for k, v in headers if k.lower() == b"retry-after" and v.isdigit()), None
        )
        scope = self.scope
        return service.Call(
            received_at=self.received_at,
            method=scope.get("method", ""),
            path=self.path,
            timestamp=_header(scope, b"timestamp") or _header(scope, b"x-timestamp"),
            signature=_header(scope, b"signature") or _header(scope, b"x-signature"),
            authorization=_header(scope, b"authorization"),
            request_body=b"".join(self.chunks),
            status=status,
            response_body=body,
            retry_after=retry_after,
            injected=injected,
            elapsed_ms=int((time.perf_counter() - self.started) * 1000),
        )


def _refusal(
    error: ErrorCode, retry_after: int | None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(error_body(error)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    return error.http_status, headers, body
