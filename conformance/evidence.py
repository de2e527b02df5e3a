"""Evidence: every exchange a check makes or reads, redacted before anyone sees it.

A check's exchanges are collected raw (the check needs the real bytes to judge them) and turned
into ``contract.certification.Exchange`` by a ``Redactor`` when the check ends, so that events,
reports and the sandbox only ever hold the redacted form. The rule is ``contract.redact``'s (the
same headers and JSON keys hidden, every 16-digit number masked to region + serial), with one
difference: a hidden value becomes a keyed fingerprint instead of ``***``, so that a reader sees
that authorize carried the token send-otp issued without seeing the token. The run's own keys are
also replaced wherever they appear, and long bodies are cut.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from conformance.errors import PartnerFailure
from contract.certification import MAX_EXCHANGES, Exchange
from contract.redact import NIK_KEYS, SECRET_HEADERS, SECRET_KEYS, mask_nik

BODY_CHARS = 2_048
PASSED_EXCHANGES = 5  # a passing check keeps its first few exchanges; a failing one up to the max
Direction = Literal["to_partner", "from_partner"]


def now_iso() -> str:
    """Now, ISO-8601 UTC to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class RawExchange:
    """One exchange as it happened, before redaction."""

    direction: Direction
    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes | None
    status: int | None = None
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: bytes | None = None
    elapsed_ms: int | None = None
    at: str = field(default_factory=now_iso)
    note: str | None = None


class Redactor:
    """Turns raw exchanges into evidence safe to show anyone."""

    def __init__(self, secrets_: Iterable[str] = ()) -> None:
        self._salt = secrets.token_bytes(16)
        self._secrets = sorted({s for s in secrets_ if len(s) >= 8}, key=len, reverse=True)

    def add_secret(self, value: str) -> None:
        """Something never to show in clear from now on (a key learned during the run)."""
        if len(value) >= 8 and value not in self._secrets:
            self._secrets = sorted([*self._secrets, value], key=len, reverse=True)

    def fingerprint(self, value: str) -> str:
        """A keyed fingerprint, stable within this run."""
        return "fp:" + hmac.new(self._salt, value.encode(), hashlib.sha256).hexdigest()[:12]

    def text(self, value: str) -> str:
        """Free text with the run's secrets and NIK-shaped numbers removed."""
        for secret in self._secrets:
            value = value.replace(secret, "[secret]")
        return mask_nik(value)

    def _json(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: (
                    self.fingerprint(str(value))
                    if str(key).lower() in SECRET_KEYS | NIK_KEYS and isinstance(value, str | int)
                    else self._json(value)
                )
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [self._json(item) for item in node]
        if isinstance(node, str):
            return self.text(node)
        return node

    def body(self, raw: bytes | None) -> str | None:
        """A body as evidence: JSON with secret values fingerprinted, or redacted text; cut."""
        if raw is None or raw == b"":
            return None if raw is None else ""
        try:
            shown = json.dumps(self._json(json.loads(raw)), ensure_ascii=False)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            shown = self.text(raw.decode("utf-8", errors="replace"))
        return shown if len(shown) <= BODY_CHARS else shown[:BODY_CHARS] + f"… ({len(shown)} chars)"

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers with credentials fingerprinted."""
        return {
            name[:200]: self.fingerprint(value)
            if name.lower() in SECRET_HEADERS
            else self.text(value)[:BODY_CHARS]
            for name, value in headers.items()
        }

    def exchange(self, raw: RawExchange) -> Exchange:
        """The evidence form of one exchange."""
        return Exchange(
            direction=raw.direction,
            method=raw.method[:10],
            url=self.text(raw.url)[:BODY_CHARS],
            request_headers=self.headers(raw.request_headers),
            request_body=self.body(raw.request_body),
            status=raw.status,
            response_headers=self.headers(raw.response_headers),
            response_body=self.body(raw.response_body),
            elapsed_ms=raw.elapsed_ms,
            at=raw.at,
            note=self.text(raw.note)[:BODY_CHARS] if raw.note else None,
        )


def keep(exchanges: list[RawExchange], *, failed: bool) -> list[RawExchange]:
    """The exchanges worth keeping: the first ones, and the last (usually the one that failed)."""
    limit = MAX_EXCHANGES if failed else PASSED_EXCHANGES
    if len(exchanges) <= limit:
        return exchanges
    return [*exchanges[: limit - 1], exchanges[-1]]


@dataclass
class Answer:
    """A response the partner gave."""

    status: int
    headers: httpx.Headers
    body: bytes
    elapsed_ms: int
    response: httpx.Response | None = None

    def json(self) -> Any:
        """The body as JSON; a PartnerFailure when it is not JSON."""
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PartnerFailure(
                "The answer is not JSON.",
                received=self.body[:200].decode("utf-8", errors="replace") or "(empty body)",
                expected="a JSON body",
            ) from exc


class Evidence:
    """The exchanges of the check running now, and a client that records into it."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.exchanges: list[RawExchange] = []
        self.http = httpx.Client(timeout=timeout, follow_redirects=False)

    def add(self, raw: RawExchange) -> None:
        """Record one exchange (made elsewhere: a callback received, a recorded call read back)."""
        self.exchanges.append(raw)

    def take(self) -> list[RawExchange]:
        """The exchanges so far, handed over and forgotten (at the end of a check)."""
        taken, self.exchanges = self.exchanges, []
        return taken

    def call(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """Call the partner and record the exchange; no answer at all is the partner's failure."""
        sent = dict(headers or {})
        raw = RawExchange("to_partner", method, url, sent, content)
        self.exchanges.append(raw)
        started = time.perf_counter()
        try:
            response = self.http.request(
                method,
                url,
                content=content,
                headers=sent,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TimeoutException as exc:
            raw.elapsed_ms = int((time.perf_counter() - started) * 1000)
            raw.note = f"no answer within {raw.elapsed_ms / 1000:.1f} s"
            raise PartnerFailure(
                f"{method} {url} got no answer in time.", received="a timeout",
                expected="an answer",
            ) from exc  # fmt: skip
        except httpx.TransportError as exc:
            raw.note = f"no answer: {exc.__class__.__name__}: {exc}"
            raise PartnerFailure(
                f"{method} {url} could not be called.", received=raw.note, expected="an answer"
            ) from exc
        raw.elapsed_ms = int((time.perf_counter() - started) * 1000)
        raw.status = response.status_code
        raw.response_headers = dict(response.headers)
        raw.response_body = response.content
        return Answer(
            response.status_code, response.headers, response.content, raw.elapsed_ms, response
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()
