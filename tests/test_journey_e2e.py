"""The beneficiary journey end to end: 2,000 synthetic people through the real server and the
government simulators, over HTTP, and the verdicts counted against the generator's ground truth.

The population file is generated (seeded) with the programme's history loaded from it, a PMO opens
a semi-bansos wave, and every person signs up, verifies both contacts from the sandbox inboxes and
submits identity and selfie as their row declares. Each reason the pipeline gives must be counted
exactly as often as the generator labelled it; then the eligible join, the wave is committed,
closed and drawn, `prakerja lottery verify` recomputes the draw from the exports, and the winners
see their card and the scheme's balance on their dashboard.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

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
from tests.reference_server.applicants import Applicant as Person
from tests.reference_server.people import register, sandbox, wait_for_verdicts
from tests.reference_server.waves_support import create, export, step

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

PEOPLE = 2_000
SEED = 20_200_411  # wave 1 opened on 11 April 2020
SCHEME = "semi_bansos"  # the ground truth is written for it (DTKS recipients are refused)
QUOTA = 500
REGISTRARS = 8  # people signing up at once
VERDICT_TIMEOUT = 240.0
GROUPED = (Case.DUPLICATE_NIK, Case.DUPLICATE_FACE, Case.KK_LIMIT)


def test_two_thousand_people_reach_exactly_the_ground_truth(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    population = tmp_path / "people.csv"
    generate(population, PEOPLE, SEED, date.today(), progress=False)
    truth = case_counts(population)
    with population.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == PEOPLE and all(truth[case] > 0 for case in Case)

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
            wave = create(office, quota=QUOTA, scheme=SCHEME)["wave_code"]

            with ThreadPoolExecutor(max_workers=REGISTRARS) as pool:
                applicants = list(pool.map(lambda row: register(box.http, row), rows))
            _wait_until_verified(box.runtime)
            verdicts = wait_for_verdicts(applicants, timeout=VERDICT_TIMEOUT)
            assert len(verdicts) == PEOPLE, f"{PEOPLE - len(verdicts)} applicants never concluded"

            # The counts, reason by reason, are the ground truth's exactly.
            got = Counter(
                Case(v["reason"]) if v["stage"] == "INELIGIBLE" else Case.ELIGIBLE
                for v in verdicts.values()
            )
            assert dict(got) == {case: n for case, n in truth.items() if n}
            # Person by person where the order of verification cannot matter.
            for applicant, row in zip(applicants, rows, strict=True):
                label = Case(row["case"])
                # A group's original may take its copy's reason when the copy is verified first.
                if label not in (Case.ELIGIBLE, *GROUPED):
                    status = verdicts[applicant.account_id]
                    assert (status["reason"] or Case.ELIGIBLE.value) == label.value, row["case"]

            eligible = [a for a in applicants if verdicts[a.account_id]["stage"] == "ELIGIBLE"]
            for applicant in eligible:
                joined = applicant.post("/wave/join")
                assert joined.status_code == 200, joined.text
            assert step(office, WAVE_STATUS.path, wave)["joiners"] == len(eligible)

            _draw_and_verify(office, wave, len(eligible), tmp_path)
            _winners_hold_cards(eligible)
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


def _draw_and_verify(office: Partner, wave: str, joiners: int, folder: Path) -> None:
    committed = step(office, COMMIT_WAVE.path, wave)
    step(office, CLOSE_WAVE.path, wave)
    drawn = step(office, DRAW_WAVE.path, wave)
    assert drawn["seed_commitment"] == committed["seed_commitment"]
    assert (drawn["eligible_joiners"], drawn["winners"]) == (joiners, min(QUOTA, joiners))

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


def _winners_hold_cards(eligible: list[Person]) -> None:
    balance = scheme(SCHEME).training_balance
    stages: Counter[str] = Counter()
    for applicant in eligible:
        board = applicant.get("/dashboard").json()["data"]
        stages[board["stage"]] += 1
        if board["stage"] == "BENEFICIARY":
            assert board["card"]["balance"] == balance
            assert board["card"]["status"] == "active"
            assert len(board["card"]["card_number"]) == 16
    winners = min(QUOTA, len(eligible))
    assert stages == {"BENEFICIARY": winners, "NOT_SELECTED": len(eligible) - winners}
