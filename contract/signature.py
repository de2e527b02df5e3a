"""The Prakerja request signature: HMAC-SHA1 over client_code + timestamp + METHOD + path + body.

The raw string is the plain concatenation with no separators; the digest is lower-case hex.
Official example clients sign the compact JSON text but some send the body re-serialised with
spaces, so verification accepts exactly two candidate bodies: the raw bytes received, and the
compact re-serialisation of the parsed body (keys in received order, no spaces, non-ASCII kept).
For ``payment/authorize`` public clients differ on whether the ``Authorization`` header value
sits between the path and the body; both forms are accepted there (see docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable

AUTHORIZE_PATH = "/api/v1/integration/payment/authorize"


def raw_signature(
    client_code: str,
    timestamp: str | int,
    method: str,
    path: str,
    body: str,
    authorization: str = "",
) -> str:
    """Return the string that is signed, exactly as the portal builds it."""
    return f"{client_code}{timestamp}{method.upper()}{path}{authorization}{body}"


def sign(
    sign_key: str,
    client_code: str,
    timestamp: str | int,
    method: str,
    path: str,
    body: str,
    authorization: str = "",
) -> str:
    """Return the lower-case hex HMAC-SHA1 signature of one request."""
    message = raw_signature(client_code, timestamp, method, path, body, authorization)
    return hmac.new(sign_key.encode(), message.encode(), hashlib.sha1).hexdigest()


def compact_json(body: bytes) -> str | None:
    """Re-serialise a JSON body compactly (received key order, no spaces, non-ASCII kept).

    Returns None when the body is not JSON, in which case only the raw bytes can be signed.
    """
    if not body.strip():
        return None
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    text = json.dumps(parsed, separators=(",", ":"), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") has no compact UTF-8 form
        return None
    return text


def candidate_bodies(body: bytes) -> list[str]:
    """The body texts a valid signature may cover: the raw text and its compact form."""
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError:
        return []
    candidates = [raw]
    compact = compact_json(body)
    if compact is not None and compact != raw:
        candidates.append(compact)
    return candidates


def candidate_authorizations(path: str, authorization: str | None) -> list[str]:
    """The Authorization values that may sit in the raw string for this path."""
    if path == AUTHORIZE_PATH and authorization:
        return ["", authorization]
    return [""]


def verify(
    sign_key: str,
    client_code: str,
    timestamp: str,
    method: str,
    path: str,
    body: bytes,
    signature: str,
    authorization: str | None = None,
) -> bool:
    """True when ``signature`` signs this request in one of the accepted forms."""
    expected_forms: Iterable[tuple[str, str]] = (
        (b, a)
        for b in candidate_bodies(body)
        for a in candidate_authorizations(path, authorization)
    )
    given = signature.strip().lower()
    ok = False
    for body_text, auth in expected_forms:
        expected = sign(sign_key, client_code, timestamp, method, path, body_text, auth)
        # Evaluate every form so timing does not reveal which one nearly matched.
        ok |= hmac.compare_digest(expected, given)
    return ok
