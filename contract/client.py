"""A signing HTTP client for the integration API: what a partner's integration does, in a few lines.

Signs the exact bytes it sends (compact JSON), so it works against any conforming server.
Used by the CLI, the simulators, the conformance harness and the tests.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from contract.errors import REPLAYED
from contract.signature import sign

REUSE_WINDOW = 60  # seconds of own signatures remembered; far below the server's tolerance


def compact(body: Any) -> str:
    """The compact JSON text that official clients sign and send."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def signed_headers(
    client_code: str,
    sign_key: str,
    path: str,
    body_text: str,
    *,
    method: str = "POST",
    timestamp: int | None = None,
    authorization: str | None = None,
    sign_authorization: bool = False,
) -> dict[str, str]:
    """Headers of one signed call; ``sign_authorization`` puts the Authorization value in the raw string."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = sign(
        sign_key,
        client_code,
        ts,
        method,
        path,
        body_text,
        authorization if sign_authorization and authorization else "",
    )
    headers = {
        "Content-Type": "application/json",
        "client_code": client_code,
        "timestamp": ts,
        "signature": signature,
    }
    if authorization:
        headers["Authorization"] = authorization
    return headers


class PartnerClient:
    """A DP or LP calling the integration API with its credentials.

    The server accepts each signature once, and two identical calls in one second would carry the
    same one; the client then stamps the later call a second earlier (well inside the tolerance),
    as a careful integration does, instead of having it refused as a replay. Across processes it
    cannot know: with ``restamp_replays`` > 0 (one-shot commands run twice in a second), a call
    refused as a replay — refused before the server did anything with it — is signed again up to
    that many seconds earlier.
    """

    def __init__(
        self,
        base_url: str,
        client_code: str,
        sign_key: str,
        *,
        timeout: float = 30.0,
        restamp_replays: int = 0,
    ) -> None:
        self.client_code = client_code
        self.sign_key = sign_key
        self.restamp_replays = restamp_replays
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._signed: set[tuple[int, str, str, str]] = set()
        self._lock = threading.Lock()

    def _fresh_stamp(self, path: str, text: str, signed_authorization: str) -> int:
        now = int(time.time())
        with self._lock:
            self._signed = {used for used in self._signed if used[0] > now - 2 * REUSE_WINDOW}
            stamp = now
            while (stamp, path, text, signed_authorization) in self._signed:
                stamp -= 1
            self._signed.add((stamp, path, text, signed_authorization))
        return stamp

    def post(
        self,
        path: str,
        body: Any,
        *,
        authorization: str | None = None,
        sign_authorization: bool = False,
        timestamp: int | None = None,
    ) -> httpx.Response:
        """POST a signed JSON body; returns the raw response (errors are data here, not exceptions)."""
        text = compact(body)
        signed = authorization if sign_authorization and authorization else ""
        stamp = timestamp if timestamp is not None else self._fresh_stamp(path, text, signed)
        for back in range(self.restamp_replays + 1):
            headers = signed_headers(
                self.client_code,
                self.sign_key,
                path,
                text,
                timestamp=stamp - back,
                authorization=authorization,
                sign_authorization=sign_authorization,
            )
            response = self.http.post(path, content=text.encode(), headers=headers)
            if not _replayed(response):
                break
        return response

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def __enter__(self) -> PartnerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _replayed(response: httpx.Response) -> bool:
    if response.status_code != REPLAYED.http_status:
        return False
    try:
        payload = response.json()
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("code") == REPLAYED.code
