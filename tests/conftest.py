"""Shared fixtures: a real database (SQLite file or PostgreSQL) and the real server on a free port.

Choose the database with PRAKERJA_TEST_DATABASE=sqlite (default) or postgres. Under CI=true an
unreachable PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from reference_server.launch import running_server
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from tests.factories import Partners

# Tests that touch no database: they run in the SQLite pass only (running them again in the
# PostgreSQL pass would test nothing new and cost CI time).
DATABASE_FREE = (
    "tests/contract/",
    "tests/simulators/",
    "tests/reference_server/domain/",
    "tests/reference_server/test_access_log.py",
    "tests/test_openapi_drift.py",
    "tests/test_bench_population_smoke.py",
    "tests/test_bench_jobs_smoke.py",
    "tests/conformance/test_runner.py",
    "tests/conformance/test_files.py",
    "tests/conformance/test_mutants_name_requirements.py",
    "tests/conformance/test_pp_suite.py",
    "tests/conformance/test_jp_suite.py",
    "tests/loadtests/",
)
# Tests that do touch a database but whose subject is not the database: the SQLite pass covers
# them (the smoke load test measures nothing and fits the CI budget once, not twice).
SQLITE_PASS_ONLY = (
    "tests/test_loadtest_smoke.py",
    # the harness against the bundled simulators and through its command line: their subject is
    # the judging, which one database shows as well as two
    "tests/conformance/test_client_suites.py",
    "tests/conformance/test_cli_certify.py",
    # the payouts bench's plumbing on a tiny batch: it measures nothing
    "tests/test_bench_payouts_smoke.py",
)


# `make test` runs the two passes side by side (PRAKERJA_TEST_SPLIT=1): these database-free
# tests then run in the PostgreSQL pass instead, so that both passes end at about the same time
# (their servers, if any, are on the pass's database). A pass run alone runs as described above.
POSTGRES_PASS_WHEN_SPLIT = ("tests/simulators/",)


def _runs_here(where: str, postgres: bool, split: bool) -> bool:
    database_free = where.startswith(DATABASE_FREE + SQLITE_PASS_ONLY)
    moved = split and where.startswith(POSTGRES_PASS_WHEN_SPLIT)
    if postgres:
        return not database_free or moved
    return not moved


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the PostgreSQL pass, leave out the tests that touch no database (and the few others
    the SQLite pass covers); when the passes run side by side, share the database-free ones."""
    postgres = os.environ.get("PRAKERJA_TEST_DATABASE", "sqlite") == "postgres"
    split = os.environ.get("PRAKERJA_TEST_SPLIT") == "1"
    if not (postgres or split):
        return
    root = Path(str(config.rootpath))
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        (kept if _runs_here(where, postgres, split) else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


PG_ADMIN_URL = os.environ.get(
    "PRAKERJA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def _postgres_schema() -> Iterator[str]:
    yield from _postgres_schema_url()


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


@pytest.fixture
def new_database(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], str]]:
    """Makes fresh, empty databases of the session's kind (for a server with settings of its
    own); each is dropped when the test ends."""
    with ExitStack() as stack:

        def make() -> str:
            if database_kind == "postgres":
                return stack.enter_context(_postgres_schema())
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sandbox.db'}"

        yield make


@pytest.fixture(scope="module")
def module_database(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database of the session's kind for one test module (a server of its own
    whose data no other module's tests write to); dropped when the module ends."""
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
    env = {
        **os.environ,
        "PRAKERJA_DATABASE_URL": settings.database_url,
        "PRAKERJA_SECRET_KEY": settings.secret_key or "",
    }
    with running_server(env, server_log, cwd=Path(__file__).parent.parent) as url:
        yield url
        if os.environ.get("PRAKERJA_TEST_SHOW_SERVER_LOG"):
            sys.stderr.write(server_log.read_text())


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
