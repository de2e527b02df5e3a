"""The job commands as a user types them: register the portals, serve them, search, feeds."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from prakerja_cli.main import app
from reference_server.settings import ServerSettings
from tests.factories import Partners
from tests.reference_server.vacancies_support import found, jp, push, vacancy

ROOT = Path(__file__).resolve().parent.parent


def _invoke(args: list[str], settings: ServerSettings) -> Result:
    """The command in this process (a subprocess would pay every import again)."""
    env = {
        "PRAKERJA_DATABASE_URL": settings.database_url,
        "PRAKERJA_SECRET_KEY": settings.secret_key or "",
        "COLUMNS": "200",
    }
    return CliRunner().invoke(app, args, env=env)


def test_portals_are_registered_once_and_served_pushing_to_the_sandbox(
    settings: ServerSettings, server_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "portals.json"
    registered = _invoke(["jobportals", "register", "--out", str(out)], settings)
    assert registered.exit_code == 0, registered.output
    creds = json.loads(out.read_text())
    assert set(creds) == {"lokerkita", "kerjanusa", "infoloker-daerah"}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # keys inside
    assert creds["lokerkita"]["sign_key"] not in registered.output
    again = _invoke(["jobportals", "register", "--out", str(out)], settings)
    assert again.exit_code == 0 and json.loads(out.read_text()) == creds  # reused, same keys
    feeds = _invoke(["jobs", "feeds", "--json"], settings)
    states = {p["client_code"]: p for p in json.loads(feeds.output)["portals"]}
    assert states["jp-kerjanusa"]["base_url"] == "http://127.0.0.1:8502"
    assert creds["kerjanusa"]["webhook_key"] not in feeds.output

    command = [
        sys.executable, "-m", "simulators.jobportal.cli", "serve", "--credentials", str(out),
        "--portal", "lokerkita", "--sandbox", server_url, "--time-scale", "20000", "--quiet",
        "--port-base", "0", "--seed", "4",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while not any("Ctrl-C" in line for line in lines) and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        portal_url = re.search(r"LokerKita\s+(http://\S+)", "".join(lines))
        assert portal_url, "".join(lines)
        code = creds["lokerkita"]["client_code"]
        with httpx.Client(base_url=server_url, timeout=30) as http:
            deadline = time.monotonic() + 30
            mine: list[str] = []
            while len(mine) < 20 and time.monotonic() < deadline:
                mine = [v["vacancy_id"] for v in found(http) if v["portal"]["client_code"] == code]
                time.sleep(0.2)
            assert len(mine) >= 20, "LokerKita's pushes never reached the sandbox"
            stats = http.get(portal_url.group(1) + "/_sim/portal").json()
        assert stats["push"]["accepted"] >= 20 and stats["push"]["rejected"] == 0
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_serve_refuses_what_it_cannot_run(settings: ServerSettings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"lokerkita": {"client_code": "jp-x"}}))
    cases = {
        ("--portal", "jobstreet"): "no job portal 'jobstreet'",
        ("--mutant", "lokerkita=pays-twice"): "no mutant 'pays-twice'",
        ("--mutant", "jobstreet=accepts-replay"): "no job portal",
        ("--credentials", str(bad)): "needs client_code, sign_key, webhook_key",
    }
    for args, message in cases.items():
        result = _invoke(["jobportals", "serve", *args], settings)
        assert result.exit_code == 2 and message in result.output.replace("\n", " "), result.output
    listed = json.loads(_invoke(["jobportals", "list", "--json"], settings).output)
    assert [p["instance"] for p in listed["portals"]] == [
        "lokerkita",
        "kerjanusa",
        "infoloker-daerah",
    ]
    assert len(listed["kind"]["mutants"]) == 9


def test_jobs_search_prints_a_table_or_json_and_refuses_bad_filters(
    settings: ServerSettings, server_url: str, partners: Partners
) -> None:
    item = vacancy(title="Juru Masak Katering Clitest", salary_min=4_000_000, salary_max=6_500_000)
    push(jp(partners), [item])
    base = ["jobs", "search", "juru clitest", "--sandbox", server_url]
    table = _invoke(base + ["--province", "31", "--education", "SMA"], settings)
    assert table.exit_code == 0, table.output
    assert "Juru Masak Katering Clitest" in table.output
    assert "Rp4.000.000–Rp6.500.000" in table.output
    data = json.loads(_invoke(base + ["--json"], settings).output)
    assert [v["vacancy_id"] for v in data["data"]["vacancies"]] == [item["vacancy_id"]]
    refused = _invoke(base + ["--province", "99"], settings)
    assert refused.exit_code == 1 and "ERRJOB40003" in refused.output
    none = _invoke(["jobs", "search", "tidakada", "--sandbox", server_url], settings)
    assert none.exit_code == 0 and "No live vacancy matches." in none.output
