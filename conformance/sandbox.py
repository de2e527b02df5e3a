"""The certification API of the sandbox, as the harness calls it (signed as the partner).

Submit a run, read the office's public key, and drive client-mode sessions. A refusal comes back
as ``SandboxRefused`` with its catalogued code; an unreachable sandbox is a ``HarnessError``.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from conformance.errors import HarnessError
from contract.certification import (
    CallsData,
    CertSessionData,
    PublicKeyData,
    RecordedCall,
    RunData,
    RunDetailData,
    RunReport,
    RunsData,
)
from contract.client import PartnerClient
from contract.endpoints import (
    CLOSE_SESSION,
    DECIDE_RUN,
    GET_RUN,
    LIST_RUNS,
    OPEN_SESSION,
    PUBLIC_KEY,
    SESSION_CALLS,
    START_SCENARIO,
    SUBMIT_RUN,
)

M = TypeVar("M", bound=BaseModel)


class SandboxRefused(HarnessError):
    """The sandbox answered with a catalogued error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"the sandbox refused: {code} {message}")
        self.status = status
        self.code = code


def _data(response: httpx.Response, model: type[M]) -> M:
    try:
        payload = response.json()
    except ValueError as exc:
        raise HarnessError(f"the sandbox answered {response.status_code} without JSON") from exc
    if not isinstance(payload, dict) or payload.get("success") is not True:
        code = str(payload.get("code", "?")) if isinstance(payload, dict) else "?"
        message = str(payload.get("message", "")) if isinstance(payload, dict) else ""
        raise SandboxRefused(response.status_code, code, message)
    return model.model_validate(payload["data"])


def public_key(sandbox_url: str, *, timeout: float = 10.0) -> PublicKeyData:
    """The office's certificate key (no credentials needed)."""
    url = sandbox_url.rstrip("/") + PUBLIC_KEY.path
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.TransportError as exc:
        raise HarnessError(f"cannot reach the sandbox at {sandbox_url}: {exc}") from exc
    return _data(response, PublicKeyData)


class Sandbox:
    """The certification API, signed with the partner's (or the office's) credentials."""

    def __init__(self, sandbox_url: str, client_code: str, sign_key: str, *, timeout: float = 30.0):
        self.url = sandbox_url.rstrip("/")
        self.client = PartnerClient(self.url, client_code, sign_key, timeout=timeout)

    def _post(self, path: str, body: Any, model: type[M]) -> M:
        try:
            response = self.client.post(path, body)
        except httpx.TransportError as exc:
            raise HarnessError(f"cannot reach the sandbox at {self.url}: {exc}") from exc
        return _data(response, model)

    def submit(self, report: RunReport) -> RunData:
        """Store a run; its certificate comes back when it passed."""
        return self._post(SUBMIT_RUN.path, report.model_dump(mode="json"), RunData)

    def runs(self, client_code: str | None = None, limit: int = 50) -> RunsData:
        """Runs, newest first (the office: anyone's)."""
        body: dict[str, Any] = {"limit": limit}
        if client_code:
            body["client_code"] = client_code
        return self._post(LIST_RUNS.path, body, RunsData)

    def run(self, run_id: str) -> RunDetailData:
        """One run with its report."""
        return self._post(GET_RUN.path, {"run_id": run_id}, RunDetailData)

    def decide(self, run_id: str, decision: str, comment: str) -> RunData:
        """The office's decision on a run."""
        body = {"run_id": run_id, "decision": decision, "comment": comment}
        return self._post(DECIDE_RUN.path, body, RunData)

    def open_session(self, scenarios: list[str] | None = None) -> CertSessionData:
        """A client-mode session (the partner's fixtures are reset)."""
        body = {} if scenarios is None else {"scenarios": scenarios}
        return self._post(OPEN_SESSION.path, body, CertSessionData)

    def start(self, session_id: str, scenario: str) -> CertSessionData:
        """Record what follows under ``scenario``."""
        body = {"session_id": session_id, "scenario": scenario}
        return self._post(START_SCENARIO.path, body, CertSessionData)

    def calls(self, session_id: str, scenario: str | None = None) -> list[RecordedCall]:
        """The calls recorded in the session (of one scenario)."""
        body: dict[str, Any] = {"session_id": session_id}
        if scenario is not None:
            body["scenario"] = scenario
        return self._post(SESSION_CALLS.path, body, CallsData).calls

    def close_session(self, session_id: str) -> CertSessionData:
        """Stop recording."""
        return self._post(CLOSE_SESSION.path, {"session_id": session_id}, CertSessionData)

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()
