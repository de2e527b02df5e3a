"""Shared fixtures: a real database (SQLite file or PostgreSQL) and the real server on a free port.

Choose the database with PRAKERJA_TEST_DATABASE=sqlite (default) or postgres. Under CI=true an
unreachable PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from tests.factories import Partners

PG_ADMIN_URL = os.environ.get(
    "PRAKERJA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Poll ``url`` until it answers, the process dies, or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def _postgres_schema_url() -> Iterator[str]:
    import sqlalchemy as sa

    schema = f"t_{secrets.token_hex(4)}"
    engine = sa.create_engine(PG_ADMIN_URL)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"PostgreSQL is required under CI and is unreachable at {PG_ADMIN_URL}: {exc}"
            )
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}")
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture(scope="session")
def database_kind() -> str:
    """sqlite or postgres, from PRAKERJA_TEST_DATABASE."""
    kind = os.environ.get("PRAKERJA_TEST_DATABASE", "sqlite")
    if kind not in ("sqlite", "postgres"):
        raise pytest.UsageError("PRAKERJA_TEST_DATABASE must be sqlite or postgres")
    return kind


@pytest.fixture(scope="session")
def database_url(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this test session."""
    if database_kind == "postgres":
        yield from _postgres_schema_url()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'sandbox.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> ServerSettings:
    """The settings the server under test and the test process share."""
    return ServerSettings(database_url=database_url, secret_key=Fernet.generate_key().decode())


@pytest.fixture(scope="session")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the server under test writes its log."""
    return tmp_path_factory.mktemp("server") / "server.log"


@pytest.fixture(scope="session")
def server_url(settings: ServerSettings, server_log: Path) -> Iterator[str]:
    """The reference server, a real uvicorn process on a free port of 127.0.0.1."""
    port = free_port()
    log = server_log
    env = {
        **os.environ,
        "PRAKERJA_DATABASE_URL": settings.database_url,
        "PRAKERJA_SECRET_KEY": settings.secret_key or "",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "reference_server.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).parent.parent,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(f"{url}/health", process)
        except (RuntimeError, TimeoutError):
            sys.stderr.write(log.read_text())
            raise
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if os.environ.get("PRAKERJA_TEST_SHOW_SERVER_LOG"):
            sys.stderr.write(log.read_text())


@pytest.fixture(scope="session")
def runtime(settings: ServerSettings, server_url: str) -> Iterator[Runtime]:
    """The test process's own handle on the server's database (after the server migrated it)."""
    rt = Runtime(settings)
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def partners(runtime: Runtime, server_url: str) -> Iterator[Partners]:
    """Registers partners (as the PMO CLI does) and hands back signing clients."""
    made = Partners(runtime, server_url)
    yield made
    made.close()
