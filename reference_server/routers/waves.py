"""Routes of the waves surface (being built: P2)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
