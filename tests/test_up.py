"""`prakerja up` as a newcomer runs it: in an empty folder, on SQLite, nothing else installed.

It must generate its population, load the programme's history, start the government sources, the
partners' simulators and the server, and write the state file for `prakerja simulate`; every
simulator it lists answers; a person from that population registers over HTTP and is found
eligible, and a past beneficiary from it is refused as one; Ctrl-C stops it all and removes the
state file.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from contract.population import Case
from reference_server.launch import free_port, wait_until_up
from tests.reference_server.people import register, wait_for_verdicts

pytestmark = pytest.mark.slow

PEOPLE = 300


def test_up_runs_the_sandbox_with_its_sources_and_population(
    tmp_path: Path, database_kind: str
) -> None:
    if database_kind != "sqlite":
        pytest.skip("`prakerja up` is the embedded default: SQLite, whatever the suite's database")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PRAKERJA_")  # a clean shell: the embedded default only
    }
    command = [sys.executable, "-m", "prakerja_cli.main", "up", "--port", str(port)]
    command += ["--people", str(PEOPLE), "--free-ports"]
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out, stderr=out)
    try:
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{url}/health", process, timeout=90)
        except (RuntimeError, TimeoutError) as exc:
            raise AssertionError(f"{exc}\n{log.read_text(errors='replace')[-3000:]}") from exc
        population = tmp_path / "prakerja-population.csv"
        with population.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == PEOPLE
        assert (tmp_path / "prakerja-sandbox.db").exists()
        state_file = tmp_path / "prakerja-sandbox.json"
        deadline = time.monotonic() + 60
        while not state_file.exists():  # written once every part answers
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.1)
        state = json.loads(state_file.read_text())
        kinds = {s["kind"] for s in state["simulators"]}
        assert {"gov", "payment-partner", "job-portal"} <= kinds
        for simulator in state["simulators"]:
            assert httpx.get(simulator["url"] + "/health", timeout=10).status_code == 200

        eligible = next(r for r in rows if r["case"] == Case.ELIGIBLE)
        past = next(r for r in rows if r["case"] == Case.PAST_BENEFICIARY)
        with httpx.Client(base_url=url, timeout=30) as http:
            applicants = [register(http, eligible), register(http, past)]
            verdicts = wait_for_verdicts(applicants, timeout=60)
        assert [verdicts[a.account_id]["reason"] for a in applicants] == [
            None,
            Case.PAST_BENEFICIARY.value,
        ]
        # The job portals' stock reached search: pushed (LokerKita, InfoLoker) or pulled (KerjaNusa).
        portals: set[str] = set()
        cursor: str | None = None
        deadline = time.monotonic() + 60
        while len(portals) < 3:  # every page, again from the first until all three are in
            assert time.monotonic() < deadline, f"vacancies only from {portals}"
            query = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = httpx.get(f"{url}/api/v1/jobs/search", params=query, timeout=10).json()
            portals |= {v["portal"]["client_code"] for v in page["data"]["vacancies"]}
            cursor = page["data"]["next_cursor"]
            if cursor is None:
                time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert not (tmp_path / "prakerja-sandbox.json").exists()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
