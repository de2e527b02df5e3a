"""`prakerja seed`: applicants loaded as joiners of a closed wave, idempotently, with a timed draw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import func, select

from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from reference_server.storage.tables import Applicant, WaveJoiner


def _seed(args: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "prakerja_cli.main", "seed", *args, "--json"],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_seed_loads_joiners_once_and_times_a_draw(new_database: Any, tmp_path: Path) -> None:
    url = new_database()
    key = Fernet.generate_key().decode()
    env = {**os.environ, "PRAKERJA_DATABASE_URL": url, "PRAKERJA_SECRET_KEY": key}
    first = _seed(["--people", "600", "--wave", "SEED-T"], env, tmp_path)
    assert (first["rows"], first["written"], first["joiners"]) == (600, 600, 600)
    assert first["quota"] == 60 and first["draw_seconds"] >= 0
    again = _seed(["--people", "600", "--wave", "SEED-T", "--no-draw"], env, tmp_path)
    assert (again["written"], again["skipped"], again["joiners"]) == (0, 600, 600)
    assert "draw_seconds" not in again
    runtime = Runtime(ServerSettings(database_url=url, secret_key=key))
    try:
        with runtime.sessions() as session:
            assert session.scalar(select(func.count()).select_from(WaveJoiner)) == 600
            niks = session.scalars(select(Applicant.nik)).all()
            assert len(niks) == len(set(niks)) == 600
    finally:
        runtime.close()
