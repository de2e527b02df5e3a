"""Dukcapil failing 30% of calls and timing out on 10%: every applicant still ends verified or
with their reason, no job is lost or stuck, and the retries show in the outbox."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from contract.population import Case
from simulators.framework.behaviour import Profile
from tests.reference_server.people import (
    person,
    register,
    sandbox,
    verify_jobs_when_settled,
    wait_for_verdicts,
)

APPLICANTS = 48
# Cases whose verdict does not depend on the order people are verified in.
CASES = (
    Case.ELIGIBLE,
    Case.ELIGIBLE,
    Case.ELIGIBLE,
    Case.NIK_NOT_FOUND,
    Case.DATA_MISMATCH,
    Case.LIVENESS_FAILED,
    Case.FACE_MISMATCH,
    Case.UNDERAGE,
    Case.STUDENT,
    Case.OFFICIAL,
    Case.SOCIAL_ASSISTANCE,  # eligible under the scheme in force (normal)
    Case.ELIGIBLE,
)


def test_flaky_dukcapil_loses_no_one(new_database: Callable[[], str], tmp_path: Path) -> None:
    rows = [person(CASES[n % len(CASES)]) for n in range(APPLICANTS)]
    flaky = Profile(error_rate=0.3, timeout_rate=0.1, hang_seconds=1.0, seed=20_240_601)
    with sandbox(
        rows,
        new_database(),
        tmp_path / "server.log",
        dukcapil=flaky,
        source_timeout_seconds="0.25",
        worker_threads="4",
    ) as box:
        with ThreadPoolExecutor(max_workers=6) as pool:
            applicants = list(pool.map(lambda row: register(box.http, row), rows))
        verdicts = wait_for_verdicts(applicants, timeout=45)
        stuck = [a.account_id for a in applicants if a.account_id not in verdicts]
        assert not stuck, f"{len(stuck)} applicant(s) never concluded"

        for applicant, row in zip(applicants, rows, strict=True):
            status = verdicts[applicant.account_id]
            want = Case(row["case"])
            if want in (Case.ELIGIBLE, Case.SOCIAL_ASSISTANCE):
                assert (status["stage"], status["reason"]) == ("ELIGIBLE", None)
            else:
                assert (status["stage"], status["reason"]) == ("INELIGIBLE", want.value)

        jobs = verify_jobs_when_settled(box.runtime)
        assert len(jobs) == APPLICANTS  # one per applicant, none lost, none doubled
        assert {job.status for job in jobs} == {"done"}
        attempts = [job.attempts for job in jobs]
        assert max(attempts) > 1 and sum(attempts) > APPLICANTS * 1.2  # the outages were real
