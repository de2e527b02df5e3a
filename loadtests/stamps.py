"""Timestamps for signed calls that never repeat a signature, also across users of one partner."""

from __future__ import annotations

import time
from collections.abc import Callable


class Stamper:
    """Timestamps for one unit's signed calls: never a signature another call made.

    The server accepts a signature once, and an identical call in the same second carries the
    same one: a careful integration waits for a later second, and so does this. Several users
    of one partner may send identical calls (a DP's buyers all ask the quota of one schedule),
    so unit ``band`` of ``stride`` units signs only in the seconds ``t`` with
    ``t % stride == band``, at most ``stride - 1`` seconds behind the clock (the server allows
    300): no two units of a partner ever sign in the same second.
    """

    def __init__(
        self,
        band: int,
        stride: int,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,  # gevent's, in a Locust process
    ) -> None:
        if not 0 <= band < stride:
            raise ValueError(f"band {band} is not one of {stride} units")
        self.band, self.stride = band, stride
        self.clock, self.sleep = clock, sleep
        self._used: set[tuple[int, str, str]] = set()

    def stamp(self, path: str, text: str) -> int:
        """A timestamp of this unit not yet used for ``(path, text)`` (waits when needed)."""
        while True:
            clock = self.clock()
            now = int(clock)
            latest = now - (now - self.band) % self.stride
            self._used = {u for u in self._used if u[0] >= latest}
            if (latest, path, text) not in self._used:
                self._used.add((latest, path, text))
                return latest
            self.sleep(latest + self.stride - clock + 0.001)
