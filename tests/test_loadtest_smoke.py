"""`prakerja loadtest` end to end, short and bounded: a real server with its government sources,
Locust in processes of its own, every journey, and a report a person can read.

Runs against one sandbox: the wave opening with two Locust workers (the rows of the
population leased across processes), then the post-selection traffic (DP purchases, LP
attendance and payment partners' callbacks, partners and disbursements provisioned in the sandbox's database) in one process. Both must end with
no failed request, a verdict for the registrants equal to the ground truth wherever the order
of verification cannot change it, and a complete report. A last run registers the same people
again: it must stop itself at its failure-ratio threshold, long before its duration.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from reference_server import bulkload
from simulators.population.generator import generate
from tests.reference_server.people import sandbox

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PEOPLE = 400
SEED = 77


def _loadtest(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "prakerja_cli.main", "loadtest", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=180,
    )
    assert done.stdout, done.stderr[-3000:]
    return done.returncode, json.loads(done.stdout)


def _assert_complete(folder: Path, figures: dict[str, Any]) -> str:
    for name in ("locust_stats.csv", "locust_stats_history.csv", "locust_failures.csv"):
        assert (folder / name).stat().st_size > 0, name
    html = (folder / "report.html").read_text(encoding="utf-8")
    for title in ("Users, requests/s and failures/s", "Response time percentiles (ms)", "Failures per second", "In progress and outbox queue"):  # fmt: skip
        assert title in html, title
    assert html.count("<polyline") >= 6  # the plots have data, not "no data"
    assert figures["failures"] == 0 and figures["requests"] > 0
    assert figures["server"]["available"] and figures["server"]["cpu_seconds"] > 0
    return html


def test_a_short_wave_opening_and_post_selection_run_cleanly(
    new_database: Any, tmp_path: Path
) -> None:
    population = tmp_path / "people.csv"
    generate(population, PEOPLE, SEED, date.today(), progress=False)
    with population.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    database_url = new_database()
    with sandbox(
        rows,
        database_url,
        tmp_path / "server.log",
        password_hash_cost="10",
        seed_fixtures="true",
        rate_per_phone="1000",
    ) as box:
        bulkload.load_history(box.runtime.engine, rows)
        env = {
            **os.environ,
            "PRAKERJA_DATABASE_URL": database_url,
            "PRAKERJA_SECRET_KEY": box.runtime.settings.secret_key or "",
        }
        # Journeys in flight at the end may finish: a busy machine still yields complete ones.
        common = ["--sandbox", box.url, "--population", str(population), "--pace", "0.05", "--stop-timeout", "20"]  # fmt: skip

        wave_dir = tmp_path / "wave"
        code, wave = _loadtest(
            [*common, "--profile", "wave-opening", "--users", "8", "--duration", "6s",
             "--workers", "2", "--report-dir", str(wave_dir)],
            env, tmp_path,
        )  # fmt: skip
        assert code == 0, wave
        html = _assert_complete(wave_dir, wave)
        funnel = wave["funnel"]
        assert funnel["verdict"] > 0 and funnel["joined"] > 0, funnel
        assert funnel["started"] >= funnel["verdict"] >= funnel["joined"]
        assert not [k for k in funnel if k.startswith("truth: differs: ")], funnel
        assert not [k for k in funnel if k.startswith(("stopped at", "no verdict"))], funnel
        assert wave["wave"], "an open wave was made for the registrants to join"
        assert "Funnel" in html and "server cores" in html
        capacity = wave["capacity"]
        assert capacity["journey"] == "registrant" and capacity["cores_needed"] >= 1
        # The rows the run leased are remembered: a second run would start after them.
        ledger = json.loads(population.with_name("people.csv.loadtest.json").read_text())
        assert ledger[box.url] == wave["rows"]["next"] > 0

        after_dir = tmp_path / "after"
        code, after = _loadtest(
            [*common, "--profile", "post-selection", "--users", "6", "--duration", "5s",
             "--report-dir", str(after_dir)],
            env, tmp_path,
        )  # fmt: skip
        assert code == 0, after
        _assert_complete(after_dir, after)
        paid = after["funnel"]
        assert paid["buyer: voided"] > 0 and paid["learner: reset"] > 0
        # Payment partners' callbacks: final once, and the retry answered the same.
        assert paid["payer: paid"] > 0 and paid["payer: retry answered the same"] > 0
        assert after["capacity"] is None  # two journey kinds: CPU cannot be put down to one

        # People who all give one e-mail address: every sign-up after the first is refused,
        # and the run stops itself long before its minute is over.
        same = tmp_path / "same-email.csv"
        with same.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({**row, "email": "sama@example.test"} for row in rows)
        again_dir = tmp_path / "again"
        code, again = _loadtest(
            [*common, "--population", str(same), "--profile", "registration-steady",
             "--users", "10", "--duration", "60s", "--fail-ratio", "0.5",
             "--report-dir", str(again_dir)],
            env, tmp_path,
        )  # fmt: skip
        assert code == 3, again
        assert again["stopped_by"].startswith("failure ratio")
        assert again["failure_ratio"] > 0.5
        assert "409 ERRREG40901" in (again_dir / "report.html").read_text(encoding="utf-8")
    # Sign keys of the provisioned partners never reach the report folder.
    for folder in (wave_dir, after_dir, again_dir):
        for file in folder.iterdir():
            assert "sign_key" not in file.read_text(encoding="utf-8", errors="replace"), file
