"""A wave's state from its times and events: a plain function, so every caller agrees."""

from __future__ import annotations

from datetime import datetime

from contract.admin import WaveStatus


def wave_status(
    opens_at: datetime,
    closes_at: datetime,
    closed_at: datetime | None,
    drawn_at: datetime | None,
    now: datetime,
) -> WaveStatus:
    """SCHEDULED before it opens, OPEN until it closes (at closes_at or when closed early),
    then CLOSED until drawn."""
    if drawn_at is not None:
        return WaveStatus.DRAWN
    if closed_at is not None or now >= closes_at:
        return WaveStatus.CLOSED
    if now < opens_at:
        return WaveStatus.SCHEDULED
    return WaveStatus.OPEN
