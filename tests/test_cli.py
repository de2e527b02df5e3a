"""The command line as a user types it: partners, fixtures, call, inbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reference_server.settings import ServerSettings

PRAKERJA = [sys.executable, "-m", "prakerja_cli.main"]


def _run(
    args: list[str], settings: ServerSettings, cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "PRAKERJA_DATABASE_URL": settings.database_url,
        "PRAKERJA_SECRET_KEY": settings.secret_key or "",
        "COLUMNS": "200",
        **env,
    }
    return subprocess.run(
        PRAKERJA + args, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


def test_partners_add_prints_credentials_once_and_fixtures_list_them(
    settings: ServerSettings, server_url: str, tmp_path: Path
) -> None:
    added = _run(
        [
            "partners",
            "add",
            "--role",
            "lp",
            "--name",
            "LPK CLI",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
            "--json",
        ],
        settings,
        tmp_path,
    )
    assert added.returncode == 0, added.stderr
    creds = json.loads(added.stdout)
    assert creds["client_code"].startswith("lp-") and len(creds["sign_key"]) >= 32
    assert len(creds["webhook_key"]) >= 32 and creds["webhook_key"] != creds["sign_key"]

    listed = _run(["partners", "list", "--json"], settings, tmp_path)
    rows = {row["client_code"]: row for row in json.loads(listed.stdout)}
    assert rows[creds["client_code"]]["redirect_uris"] == ["http://127.0.0.1:9/cb"]
    assert creds["sign_key"] not in listed.stdout and creds["webhook_key"] not in listed.stdout

    fixtures = json.loads(
        _run(
            ["fixtures", "--client-code", creds["client_code"], "--json"], settings, tmp_path
        ).stdout
    )
    cases = {r["test_case"] for r in fixtures["partners"][0]["redeem_codes"]}
    assert {"TC1-001-200", "TC1-999-200", "TC2-001-200", "TC2-999-200"} <= cases
    assert all(
        r["redeem_code"].startswith("PRAT-") for r in fixtures["partners"][0]["redeem_codes"]
    )


def test_call_signs_and_sends(settings: ServerSettings, server_url: str, tmp_path: Path) -> None:
    creds = json.loads(
        _run(
            ["partners", "add", "--role", "dp", "--name", "DP CLI", "--json"], settings, tmp_path
        ).stdout
    )
    env = {
        "PRAKERJA_CLIENT_CODE": creds["client_code"],
        "PRAKERJA_SIGN_KEY": creds["sign_key"],
        "PRAKERJA_SANDBOX_URL": server_url,
    }
    ok = _run(
        [
            "call",
            "payment/quota-schedule",
            '{"course_code":"SBX-MANDIRI","schedule_code":"SBX-MANDIRI-OPEN"}',
        ],
        settings,
        tmp_path,
        **env,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert '"quota"' in ok.stdout
    refused = _run(
        ["call", "payment/quota-schedule", '{"course_code":"","schedule_code":""}'],
        settings,
        tmp_path,
        **env,
    )
    assert refused.returncode == 1
    assert "ERRPLT40036" in refused.stdout


def test_partners_add_refuses_a_taken_client_code(
    settings: ServerSettings, server_url: str, tmp_path: Path
) -> None:
    first = _run(
        ["partners", "add", "--role", "dp", "--name", "X", "--client-code", "dp-taken-once"],
        settings,
        tmp_path,
    )
    assert first.returncode == 0, first.stderr
    second = _run(
        ["partners", "add", "--role", "dp", "--name", "X", "--client-code", "dp-taken-once"],
        settings,
        tmp_path,
    )
    assert second.returncode != 0
    assert "taken" in second.stderr


def test_fixtures_reset_needs_a_partner(
    settings: ServerSettings, server_url: str, tmp_path: Path
) -> None:
    refused = _run(["fixtures", "--reset"], settings, tmp_path)
    assert refused.returncode != 0
    assert "--client-code" in refused.stderr
    creds = json.loads(
        _run(
            ["partners", "add", "--role", "dp", "--name", "DP reset", "--json"], settings, tmp_path
        ).stdout
    )
    done = _run(["fixtures", "--reset", "--client-code", creds["client_code"]], settings, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Reset" in done.stdout and "7 card(s)" in done.stdout
