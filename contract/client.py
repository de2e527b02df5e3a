"""A signing HTTP client for the integration API: what a partner's integration does, in a few lines.

Signs the exact bytes it sends (compact JSON), so it works against any conforming server.
Used by the CLI, the simulators, the conformance harness and the tests.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from contract.signature import sign


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
    """A DP or LP calling the integration API with its credentials."""

    def __init__(
        self, base_url: str, client_code: str, sign_key: str, *, timeout: float = 30.0
    ) -> None:
        self.client_code = client_code
        self.sign_key = sign_key
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def post(
        self,
        path: str,
        body: Any,
        *,
        authorization: str | None = None,
        sign_authorization: bool = False,
    ) -> httpx.Response:
        """POST a signed JSON body; returns the raw response (errors are data here, not exceptions)."""
        text = compact(body)
        headers = signed_headers(
            self.client_code,
            self.sign_key,
            path,
            text,
            authorization=authorization,
            sign_authorization=sign_authorization,
        )
        return self.http.post(path, content=text.encode(), headers=headers)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def __enter__(self) -> PartnerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
