"""The beneficiary journey end to end: 2,000 synthetic people through the real server and the
government simulators, over HTTP, and the verdicts counted against the generator's ground truth.

The population file is generated (seeded) with the programme's history loaded from it, a PMO opens
a semi-bansos wave, and every person signs up, verifies both contacts from the sandbox inboxes and
submits identity and selfie as their row declares. Each reason the pipeline gives must be counted
exactly as often as the generator labelled it; then the eligible join, the wave is committed,
closed and drawn, `prakerja lottery verify` recomputes the draw from the exports, and the winners
see their card and the scheme's balance on their dashboard.

On SQLite (the embedded default every user runs) the test registers 2,000 people; on PostgreSQL
250, which exercises the same concurrency (six worker threads claiming with SKIP LOCKED, claims
racing in the database) in an eighth of the time: both passes must fit the CI budget, and the
server, not the database, is what 2,000 registrations mostly measure (~14,000 requests).
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from contract.endpoints import CLOSE_WAVE, COMMIT_WAVE, DRAW_WAVE, WAVE_STATUS, Role
from contract.population import Case
from contract.registration import Stage
from prakerja_cli.main import app as cli
from reference_server import bulkload
from reference_server.domain.schemes import scheme
from reference_server.runtime import Runtime
from reference_server.storage.tables import Applicant
from simulators.population.generator import generate
from simulators.population.reader import case_counts
from tests.factories import Partner, Partners
from tests.reference_server.people import FINAL, register, sandbox
from tests.reference_server.waves_support import create, export, step

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

PEOPLE = {"sqlite": 2_000, "postgres": 250}
SEED = 20_200_411  # wave 1 opened on 11 April 2020
SCHEME = "semi_bansos"  # the ground truth is written for it (DTKS recipients are refused)
QUOTA_SHARE = 4  # a quarter of the people win: fewer than the eligible, so some roll over
REGISTRARS = 8  # people signing up at once
VERDICT_TIMEOUT = 240.0
GROUPED = (Case.DUPLICATE_NIK, Case.DUPLICATE_FACE, Case.KK_LIMIT)


def test_two_thousand_people_reach_exactly_the_ground_truth(
    new_database: Callable[[], str], database_kind: str, tmp_path: Path
) -> None:
    people = PEOPLE[database_kind]
    population = tmp_path / "people.csv"
    generate(population, people, SEED, date.today(), progress=False)
    truth = case_counts(population)
    with population.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == people and all(truth[case] > 0 for case in Case)

    with sandbox(
        rows,
        new_database(),
        tmp_path / "server.log",
        password_hash_cost="10",  # 2,000 sign-ups at the interactive cost would take minutes
        worker_threads="6",
        rate_per_phone="1000",
    ) as box:
        loaded = bulkload.load_history(box.runtime.engine, rows)
        assert loaded.written == truth[Case.PAST_BENEFICIARY] + truth[Case.REVOKED]
        partners = Partners(box.runtime, box.url)
        try:
            office = partners.add(role=Role.PMO)
            quota = people // QUOTA_SHARE
            wave = create(office, quota=quota, scheme=SCHEME)["wave_code"]

            with ThreadPoolExecutor(max_workers=REGISTRARS) as pool:
                applicants = list(pool.map(lambda row: register(box.http, row), rows))
                _wait_until_verified(box.runtime)
                verdicts = dict(pool.map(lambda a: (a.account_id, a.status()), applicants))
                unfinished = [v for v in verdicts.values() if v["stage"] not in FINAL]
                assert not unfinished, f"{len(unfinished)} applicants never concluded"

                # The counts, reason by reason, are the ground truth's exactly.
                got = Counter(
                    Case(v["reason"]) if v["stage"] == "INELIGIBLE" else Case.ELIGIBLE
                    for v in verdicts.values()
                )
                assert dict(got) == {case: n for case, n in truth.items() if n}
                # Person by person where the order of verification cannot matter.
                for applicant, row in zip(applicants, rows, strict=True):
                    label = Case(row["case"])
                    # A group's original may take its copy's reason when the copy is first.
                    if label not in (Case.ELIGIBLE, *GROUPED):
                        status = verdicts[applicant.account_id]
                        assert (status["reason"] or Case.ELIGIBLE.value) == label.value, label

                eligible = [a for a in applicants if verdicts[a.account_id]["stage"] == "ELIGIBLE"]
                for joined in pool.map(lambda a: a.post("/wave/join"), eligible):
                    assert joined.status_code == 200, joined.text
                assert step(office, WAVE_STATUS.path, wave)["joiners"] == len(eligible)

                _draw_and_verify(office, wave, quota, len(eligible), tmp_path)
                boards = list(pool.map(lambda a: a.get("/dashboard").json()["data"], eligible))

            _winners_hold_cards(boards, quota)
        finally:
            partners.close()


def _wait_until_verified(runtime: Runtime) -> None:
    """Until no applicant is VERIFYING (read in the database: polling 2,000 statuses over HTTP
    would compete with the verification it waits for); each status is then read once over HTTP."""
    deadline = time.monotonic() + VERDICT_TIMEOUT
    while time.monotonic() < deadline:
        with runtime.sessions() as session:
            pending = session.scalar(select(func.count()).where(Applicant.stage == Stage.VERIFYING))
        if not pending:
            return
        time.sleep(0.5)


def _draw_and_verify(office: Partner, wave: str, quota: int, joiners: int, folder: Path) -> None:
    committed = step(office, COMMIT_WAVE.path, wave)
    step(office, CLOSE_WAVE.path, wave)
    drawn = step(office, DRAW_WAVE.path, wave)
    assert drawn["seed_commitment"] == committed["seed_commitment"]
    assert (drawn["eligible_joiners"], drawn["winners"]) == (joiners, min(quota, joiners))

    files = {}
    for which in ("joiners", "winners"):
        files[which] = folder / f"{which}.csv"
        niks = export(office, wave, which)
        files[which].write_text("nik\n" + "".join(f"{n}\n" for n in niks), encoding="utf-8")
    args = ["--seed", drawn["seed"], "--joiners", str(files["joiners"])]
    args += ["--winners", str(files["winners"]), "--commitment", drawn["seed_commitment"]]
    result = CliRunner().invoke(cli, ["lottery", "verify", *args])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output


def _winners_hold_cards(boards: list[dict[str, Any]], quota: int) -> None:
    balance = scheme(SCHEME).training_balance
    stages = Counter(board["stage"] for board in boards)
    for board in boards:
        if board["stage"] == "BENEFICIARY":
            assert board["card"]["balance"] == balance
            assert board["card"]["status"] == "active"
            assert len(board["card"]["card_number"]) == 16
    winners = min(quota, len(boards))
    assert winners < len(boards), "the test wants some eligible people not selected"
    assert stages == {"BENEFICIARY": winners, "NOT_SELECTED": len(boards) - winners}
