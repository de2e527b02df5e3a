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

    # --- the beneficiary journey (registration, verification, waves) ---------------------------
    dukcapil_url: str | None = Field(
        default=None, description="Base URL of the Dukcapil (civil registry) source."
    )
    dtks_url: str | None = Field(
        default=None, description="Base URL of the DTKS (social-assistance registry) source."
    )
    biometrics_url: str | None = Field(
        default=None, description="Base URL of the biometrics (liveness, face) source."
    )
    source_timeout_seconds: float = Field(
        default=3.0, gt=0, le=60, description="Per-call timeout to a government source."
    )
    worker_inline: bool = Field(
        default=True,
        description="Run the outbox worker inside the server process (the embedded default); "
        "false when separate `prakerja worker` processes do it.",
    )
    worker_threads: int = Field(default=4, ge=1, le=64, description="Jobs worked at once.")
    worker_lease_seconds: float = Field(
        default=30.0,
        ge=1,
        le=3600,
        description="The shortest lease on a claimed job (longer when its calls may take longer): "
        "how soon the job of a worker that died is taken up again.",
    )
    retry_base_seconds: float = Field(default=1.0, gt=0, description="First retry delay.")
    retry_max_seconds: float = Field(default=60.0, gt=0, description="Longest retry delay.")
    session_ttl_seconds: int = Field(default=86400, ge=60)
    password_hash_cost: int = Field(
        default=14,
        ge=10,
        le=20,
        description="log2 of scrypt's N for new passwords (14: tens of ms, the interactive-login "
        "cost). Lower only for tests that sign up thousands; stored hashes keep their own N.",
    )
    rate_window_seconds: int = Field(default=60, ge=1, description="Rate-limit window.")
    rate_per_phone: int = Field(
        default=5, ge=1, description="OTP sends and sign-ups per phone per window."
    )
    rate_per_account: int = Field(default=60, ge=1, description="Requests per account per window.")
    rate_per_address: int = Field(
        default=600, ge=1, description="Sign-ups and logins per client IP address per window."
    )
    otp_attempts_per_window: int = Field(
        default=10, ge=1, description="OTP verification attempts per account per window."
    )

    # --- certification ---------------------------------------------------------------------
    certificate_validity_days: int = Field(
        default=365, ge=1, le=3 * 365, description="How long a certificate is valid."
    )

    # --- job portals -----------------------------------------------------------------------
    jobs_pull_seconds: float = Field(
        default=600.0,
        ge=0.5,
        le=86400,
        description="How often each job portal's feed is pulled (portals with a base URL).",
    )
    # --- incentives through payment partners -------------------------------------------------
    payout_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="Per-call timeout to a payment partner."
    )
    payout_concurrency: int = Field(
        default=8,
        ge=1,
        le=256,
        description="Calls to one payment partner at a time, across every worker process.",
    )
    payout_poll_seconds: float = Field(
        default=30.0,
        gt=0,
        description="First wait before asking a partner again about a PENDING disbursement "
        "(doubling up to PRAKERJA_RETRY_MAX_SECONDS) when its callback has not come.",
    )

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
