"""SSO rules with no I/O: scopes, what a scope reveals, lifetimes of codes and tokens, URLs.

A training provider (LP) lets a participant sign in with the Prakerja account. The participant
grants the LP some of four scopes; the LP trades the one-time code for an access token and reads
the profile, seeing only the fields its scopes cover.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit, urlunsplit

from contract.signature import sign
from contract.sso import SCOPES

CODE_TTL = timedelta(minutes=5)
MAX_STATE_LENGTH = 512
MAX_SCOPE_LENGTH = 200  # the oauth_codes.scope column

SCOPE_LABELS = {
    "name": "Nama lengkap",
    "email": "Alamat email",
    "prakerjaid": "Nomor Kartu Prakerja",
    "notelp": "Nomor telepon",
}

# Which profile field each scope reveals; user_id and dp_user_id are always returned.
SCOPE_OF_FIELD = {
    "name": "name",
    "email": "email",
    "no_prakerja": "prakerjaid",
    "phone_number": "notelp",
}


def parse_scope(text: str | None) -> tuple[str, ...] | None:
    """The scopes asked for, in order and without repeats; None when empty or not all known."""
    if text is None or len(text) > MAX_SCOPE_LENGTH:
        return None
    items = tuple(dict.fromkeys(text.split()))
    if not items or any(item not in SCOPES for item in items):
        return None
    return items


def visible(field: str, scopes: Iterable[str]) -> bool:
    """True when a profile field may be shown under the granted scopes."""
    needed = SCOPE_OF_FIELD.get(field)
    return needed is None or needed in set(scopes)


def filter_profile(profile: dict[str, str], scopes: Iterable[str]) -> dict[str, str]:
    """The profile with every field the scopes do not cover blanked to ``""``."""
    granted = tuple(scopes)
    return {key: value if visible(key, granted) else "" for key, value in profile.items()}


def new_secret() -> str:
    """A fresh code or token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 hex digest stored instead of a code or token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def code_expiry(now: datetime) -> datetime:
    """When a code issued at ``now`` stops working."""
    return now + CODE_TTL


def unix_seconds(moment: datetime) -> str:
    """A moment as Unix seconds in a string, the way ``expires_in`` carries it."""
    return str(int(moment.timestamp()))


def strip_bearer(authorization: str | None) -> str:
    """The token of an Authorization header sent raw (as the portal shows) or as ``Bearer <t>``."""
    value = (authorization or "").strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "bearer":
        return rest.strip()
    return value


def signed_paths(path: str, raw_query: str) -> tuple[str, ...]:
    """The paths a generate-url signature may cover: bare, or with the query exactly as sent."""
    return (path, f"{path}?{raw_query}") if raw_query else (path,)


def signature_matches(
    sign_key: str, client_id: str, timestamp: str, path: str, raw_query: str, signature: str
) -> bool:
    """True when ``signature`` signs this GET over the bare path or the path with its query."""
    given = signature.strip().lower()
    ok = False
    for candidate in signed_paths(path, raw_query):
        expected = sign(sign_key, client_id, timestamp, "GET", candidate, "")
        # Compare against every form so timing does not reveal which one nearly matched.
        ok |= hmac.compare_digest(expected, given)
    return ok


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """A query string with every value encoded as ``encodeURIComponent`` does."""
    return "&".join(f"{key}={quote(value, safe='')}" for key, value in params)


def with_query(uri: str, params: Iterable[tuple[str, str]]) -> str:
    """``uri`` with ``params`` appended, keeping the query it already has byte for byte."""
    parts = urlsplit(uri)
    added = encode_query(params)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit(parts._replace(query=query))
