"""Logging of the server process: one line per request, never a secret, body or NIK."""

from __future__ import annotations

import logging
import os


def configure() -> None:
    """Send the ``prakerja`` loggers to stderr once (level from PRAKERJA_LOG_LEVEL, default INFO)."""
    logger = logging.getLogger("prakerja")
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(os.environ.get("PRAKERJA_LOG_LEVEL", "INFO").upper())
    logger.propagate = False
