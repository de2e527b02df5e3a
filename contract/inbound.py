"""The partner's side of a signed call: verify what Prakerja (or a peer) sent before trusting it.

The same rules the reference server applies to partners' calls (``reference_server/auth.py``),
for anyone who receives them: a payment partner or job portal receiving Prakerja's calls signed
with its ``webhook_key``, a webhook receiver, the conformance harness's callback receiver.

Order of checks, as on the server: headers → timestamp window → client → signature → replay.
A refused request consumes nothing; an accepted signature is remembered for twice the window, so
a captured request cannot be replayed while its timestamp is still acceptable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from contract.signature import verify

TOLERANCE_SECONDS = 300
MAX_REMEMBERED = 200_000


class InboundRefused(Exception):
    """A call that must be refused; ``reason`` is one of the names below (stable, for tests)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


MISSING_HEADERS = "missing_headers"
BAD_TIMESTAMP = "bad_timestamp"
UNKNOWN_CLIENT = "unknown_client"
BAD_SIGNATURE = "bad_signature"
REPLAYED = "replayed"


@dataclass(frozen=True, slots=True)
class Verified:
    """Who signed an accepted call."""

    client_code: str
    timestamp: int


class InboundVerifier:
    """Verifies signed calls; ``key_of(client_code)`` gives the shared key, or None if unknown.

    Thread-safe; the replay memory is bounded (oldest forgotten first, and never before its
    timestamp has left the window unless ``MAX_REMEMBERED`` is reached).
    """

    def __init__(
        self,
        key_of: Callable[[str], str | None],
        *,
        tolerance: int = TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key_of = key_of
        self.tolerance = tolerance
        self.clock = clock
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def check(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Verified:
        """The signer of a valid call; raises ``InboundRefused`` otherwise."""
        lowered = {k.lower(): v for k, v in headers.items()}
        client_code = lowered.get("client_code", "")
        signature = lowered.get("signature", "")
        stamp = lowered.get("timestamp", "")
        if not (client_code and signature and stamp):
            raise InboundRefused(MISSING_HEADERS, "client_code, timestamp and signature required")
        if not (stamp.isdigit() and len(stamp) <= 12):
            raise InboundRefused(BAD_TIMESTAMP, "timestamp must be Unix seconds")
        now = self.clock()
        if abs(now - int(stamp)) > self.tolerance:
            raise InboundRefused(BAD_TIMESTAMP, f"timestamp outside ±{self.tolerance} s")
        key = self.key_of(client_code)
        if key is None:
            raise InboundRefused(UNKNOWN_CLIENT, "unknown client_code")
        authorization = lowered.get("authorization")
        if not verify(key, client_code, stamp, method, path, body, signature, authorization):
            raise InboundRefused(BAD_SIGNATURE, "signature does not match")
        with self._lock:
            self._forget(now)
            seen = (client_code, signature.lower())
            if seen in self._seen:
                raise InboundRefused(REPLAYED, "this signature was already used")
            self._seen[seen] = now
        return Verified(client_code, int(stamp))

    def _forget(self, now: float) -> None:
        horizon = now - 2 * self.tolerance
        while self._seen:
            oldest_key, oldest_at = next(iter(self._seen.items()))
            if oldest_at >= horizon and len(self._seen) < MAX_REMEMBERED:
                break
            del self._seen[oldest_key]
