"""Liveness: the trivial endpoint benchmarks use as their baseline."""

from __future__ import annotations

from fastapi import APIRouter

from contract import VERSION

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness", description="No database, no signature: the baseline.")
def health() -> dict[str, str]:
    """Always up while the process is."""
    return {"status": "ok", "version": VERSION}
