"""Redaction of what journals, reports and logs show: secrets hidden, NIKs masked.

One rule for every place that records an exchange (a simulator's request journal, the
conformance harness's evidence, load-test reports), so that nothing written for a person to read
carries a signature, a key, a password, an OTP or a whole NIK.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

HIDDEN = "***"
# Header names compared lower-case.
SECRET_HEADERS = frozenset(
    {"signature", "x-signature", "authorization", "cookie", "set-cookie", "x-api-key"}
)
# JSON keys whose values are hidden entirely.
SECRET_KEYS = frozenset(
    {
        "sign_key",
        "webhook_key",
        "secret",
        "password",
        "otp",
        "access_token",
        "refresh_token",
        "payment_token",
        "token",
        "code_verifier",
        "private_key",
    }
)
NIK_KEYS = frozenset({"nik", "kk"})
_NIK = re.compile(r"(?<!\d)(\d{6})\d{6}(\d{4})(?!\d)")


def mask_nik(value: str) -> str:
    """``3171015001900001`` → ``317101******0001``: the region stays, the birth date goes."""
    return _NIK.sub(lambda m: f"{m.group(1)}******{m.group(2)}", value)


def headers(items: Mapping[str, str]) -> dict[str, str]:
    """Headers with secret values hidden."""
    return {k: (HIDDEN if k.lower() in SECRET_HEADERS else v) for k, v in items.items()}


def value(node: Any) -> Any:
    """A JSON value with secret keys hidden and every 16-digit NIK-shaped number masked."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, item in node.items():
            lowered = str(key).lower()
            if lowered in SECRET_KEYS and item is not None:
                out[key] = HIDDEN
            elif lowered in NIK_KEYS and isinstance(item, str):
                out[key] = mask_nik(item) if _NIK.search(item) else HIDDEN
            else:
                out[key] = value(item)
        return out
    if isinstance(node, list):
        return [value(item) for item in node]
    if isinstance(node, str):
        return mask_nik(node)
    return node


def body(text: str | bytes, limit: int = 8192) -> str:
    """A body as text for a person: JSON redacted key by key, anything else NIK-masked; cut at
    ``limit`` characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        shown = mask_nik(text)
    else:
        shown = text if parsed is None else json.dumps(value(parsed), ensure_ascii=False)
    return shown if len(shown) <= limit else shown[:limit] + f"… ({len(shown) - limit} more)"
