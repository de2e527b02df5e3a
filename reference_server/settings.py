"""Settings of the reference server process: flags, then PRAKERJA_* variables, then defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///prakerja-sandbox.db"


class ServerSettings(BaseSettings):
    """Configuration of one reference-server process."""

    model_config = SettingsConfigDict(env_prefix="PRAKERJA_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; a SQLite file in the working folder unless set.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Fernet key that encrypts sign keys at rest. Generated into a file beside a "
        "SQLite database when unset; required for any other database.",
    )
    sandbox: bool = Field(
        default=True, description="Enables sandbox-only endpoints (SMS inbox, reset)."
    )
    timestamp_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    otp_ttl_seconds: int = Field(default=300, ge=10)
    otp_max_attempts: int = Field(default=3, ge=1)
    verification_ttl_seconds: int = Field(default=900, ge=10)
    access_token_ttl_seconds: int = Field(default=3600, ge=10)
    refresh_token_ttl_seconds: int = Field(default=30 * 86400, ge=60)
    seed_fixtures: bool = Field(default=True, description="Seed the sandbox fixtures at start-up.")

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> ServerSettings:
        if not self.is_sqlite and not self.secret_key:
            raise ValueError(
                "PRAKERJA_SECRET_KEY is required with a database other than SQLite "
                "(every process must share it; generate one with `prakerja secret-key`)"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        """True when the database is an embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    def secret_key_file(self) -> Path:
        """Where a generated key lives: beside the SQLite file."""
        path = self.database_url.split("///", 1)[-1] if self.is_sqlite else "prakerja"
        if not path or path == ":memory:":
            path = "prakerja-sandbox.db"
        return Path(path + ".key")


@lru_cache
def get_settings() -> ServerSettings:
    """The process's settings, read once; tests build their own ServerSettings instead."""
    return ServerSettings()
