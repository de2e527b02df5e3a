"""What one server process holds: settings, the database, the key box, the partner cache."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from reference_server.keys import KeyBox, load_fernet
from reference_server.partner_api import PartnerApi
from reference_server.settings import ServerSettings
from reference_server.storage.db import make_engine, make_read_engine, make_sessionmaker
from reference_server.storage.tables import Partner

PARTNER_CACHE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class PartnerIdentity:
    """A partner as the API layer needs it; ``sign_key`` stays in memory only."""

    id: int
    client_code: str
    name: str
    role: str
    sign_key: str

    def __repr__(self) -> str:  # never print the key
        return f"PartnerIdentity(client_code={self.client_code!r}, role={self.role!r})"


class Runtime:
    """Process-wide resources, built once per app."""

    def __init__(self, settings: ServerSettings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        # Sessions that only read (SQLite: beside the writer, not queued behind it).
        self.read_engine = make_read_engine(self.engine)
        self.reads: sessionmaker[Session] = make_sessionmaker(self.read_engine)
        self.keys = KeyBox(load_fernet(settings))
        self._partners: dict[str, tuple[float, PartnerIdentity]] = {}
        self._lock = threading.Lock()
        self.accepted_signatures = itertools.count(1)
        self._partner_api: PartnerApi | None = None

    @property
    def partner_api(self) -> PartnerApi:
        """The process's client of partner-hosted APIs (payment partners, webhooks)."""
        with self._lock:
            if self._partner_api is None:
                self._partner_api = PartnerApi(self.settings.payout_timeout_seconds)
            return self._partner_api

    def partner(self, client_code: str) -> PartnerIdentity | None:
        """The active partner with this client code; found partners are cached for a short while."""
        now = time.monotonic()
        with self._lock:
            hit = self._partners.get(client_code)
        if hit is not None and now - hit[0] < PARTNER_CACHE_SECONDS:
            return hit[1]
        with self.reads() as session:
            row = session.scalar(
                select(Partner).where(Partner.client_code == client_code, Partner.active.is_(True))
            )
            if row is None:  # not cached: a partner registered a moment ago must work at once
                return None
            identity = PartnerIdentity(
                row.id, row.client_code, row.name, row.role, self.keys.open(row.sign_key_enc)
            )
        with self._lock:
            if len(self._partners) > 10_000:
                self._partners.clear()
            self._partners[client_code] = (now, identity)
        return identity

    def forget_partner(self, client_code: str) -> None:
        """Drop a cached partner (after it was added, changed or deactivated in this process)."""
        with self._lock:
            self._partners.pop(client_code, None)

    def close(self) -> None:
        """Release the database connections and the partner client."""
        if self._partner_api is not None:
            self._partner_api.close()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
        self.engine.dispose()
