"""The outbox worker: wakes when this process enqueues, retries failures, waits for sources
that are not configured, stops cleanly, and leaves an unfinished job claimable."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from reference_server import outbox
from reference_server.outbox import Job
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from reference_server.sources import SourceRejected, SourceUnavailable
from reference_server.storage.db import transaction, upgrade
from reference_server.storage.tables import Account, Applicant, OutboxJob, utcnow
from reference_server.worker import REVOKE_JOB, Worker


@pytest.fixture
def rt(new_database: Callable[[], str]) -> Iterator[Runtime]:
    runtime = Runtime(
        ServerSettings(
            database_url=new_database(),
            secret_key=Fernet.generate_key().decode(),
            retry_base_seconds=0.05,
            retry_max_seconds=0.2,
        )
    )
    upgrade(runtime.engine)
    yield runtime
    runtime.close()


def enqueue(rt: Runtime, kind: str, ref: str) -> None:
    with transaction(rt.sessions) as session:
        outbox.enqueue(session, kind, ref)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def job(rt: Runtime, ref: str) -> OutboxJob:
    with rt.sessions() as session:
        return session.execute(select(OutboxJob).where(OutboxJob.ref == ref)).scalar_one()


def test_wakes_at_once_when_this_process_enqueues(rt: Runtime) -> None:
    done: dict[str, float] = {}

    def note(j: Job) -> None:
        done.setdefault(j.ref, time.monotonic())

    worker = Worker(rt, threads=2, handlers={"t": note})
    worker.start()
    try:
        time.sleep(0.2)  # the threads found nothing and sleep (up to a second)
        started = time.monotonic()
        enqueue(rt, "t", "a")
        wait_until(lambda: "a" in done)
        assert done["a"] - started < 0.5  # woken by the commit, not by the next poll
        wait_until(lambda: job(rt, "a").status == "done")
    finally:
        worker.stop()
    assert not worker.running


def test_failures_are_retried_with_the_error_recorded(rt: Runtime) -> None:
    calls: list[int] = []

    def flaky(j: Job) -> None:
        calls.append(j.attempts)
        if j.attempts < 3:
            raise SourceUnavailable("dukcapil", "HTTP 503")

    worker = Worker(rt, threads=1, handlers={"t": flaky}).start()
    try:
        enqueue(rt, "t", "b")
        wait_until(lambda: job(rt, "b").status == "done")
    finally:
        worker.stop()
    assert calls == [1, 2, 3]
    assert job(rt, "b").attempts == 3


def test_permanent_failures_and_bugs_are_kept_and_retried(rt: Runtime) -> None:
    seen: list[str] = []

    def broken(j: Job) -> None:
        seen.append(j.ref)
        if j.ref == "rejected":
            raise SourceRejected("dtks", "HTTP 422 on /dtks/api/v1/check")
        raise ZeroDivisionError("a bug")

    worker = Worker(rt, threads=1, handlers={"t": broken}).start()
    try:
        enqueue(rt, "t", "rejected")
        enqueue(rt, "t", "bug")
        wait_until(lambda: seen.count("rejected") >= 2 and seen.count("bug") >= 2)
    finally:
        worker.stop()
    rejected, bug = job(rt, "rejected"), job(rt, "bug")
    assert rejected.status != "done" and "permanent: dtks: HTTP 422" in (rejected.last_error or "")
    assert bug.status != "done" and "ZeroDivisionError" in (bug.last_error or "")


def verifying_applicant(rt: Runtime) -> str:
    """An applicant whose identity and selfie are in (as the API leaves it); its id."""
    with transaction(rt.sessions) as session:
        account = Account(
            account_id="acc-worker-test",
            email="w@example.test",
            phone="081200000001",
            password_hash="-",
        )
        session.add(account)
        session.flush()
        applicant = Applicant(
            account_id=account.id,
            stage="VERIFYING",
            nik="3171011508950001",
            kk="3171010101230004",
            name="Budi",
            birth_date=date(1995, 8, 15),
            sex="M",
            selfie_token="selfie-abcdef",
            identity_at=utcnow(),
            selfie_at=utcnow(),
        )
        session.add(applicant)
        session.flush()
        return str(applicant.id)


def test_verify_jobs_wait_while_sources_are_not_configured(
    rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("prakerja")
    logger.addHandler(caplog.handler)
    try:
        ref = verifying_applicant(rt)
        worker = Worker(rt, threads=1).start()
        try:
            enqueue(rt, "verify", ref)
            wait_until(lambda: job(rt, ref).attempts >= 2)
        finally:
            worker.stop()
    finally:
        logger.removeHandler(caplog.handler)
    row = job(rt, ref)
    assert row.status == "pending" and "no URL configured" in (row.last_error or "")
    with rt.sessions() as session:
        assert session.get_one(Applicant, int(ref)).stage == "VERIFYING"
    warnings = [r for r in caplog.records if "verification is waiting" in r.getMessage()]
    assert len({id(r) for r in warnings}) == 1  # once per process, however many retries


def test_stop_leaves_a_running_job_to_its_lease(rt: Runtime) -> None:
    release = threading.Event()

    def slow(_: Job) -> None:
        release.wait(5)

    worker = Worker(rt, threads=1, handlers={"t": slow})
    worker.start()
    enqueue(rt, "t", "slow")
    wait_until(lambda: job(rt, "slow").status == "running")
    worker.stop(timeout=0.2)  # the job is still running: it keeps its lease, nothing is lost
    assert job(rt, "slow").status == "running" and job(rt, "slow").locked_until is not None
    release.set()
    worker.stop()
    assert not worker.running
    assert job(rt, "slow").status == "done"  # it finished after all, and said so


def test_the_daily_revoke_job_is_enqueued_once_and_run(rt: Runtime) -> None:
    """However many workers run, a day has one revoke job, and one of them runs it."""
    workers = [Worker(rt, threads=1).start() for _ in range(2)]
    today = utcnow().date().isoformat()
    try:
        deadline = time.monotonic() + 10
        while True:
            with rt.sessions() as session:
                jobs = list(session.scalars(select(OutboxJob).where(OutboxJob.kind == REVOKE_JOB)))
            if jobs and all(job.status == "done" for job in jobs) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        for worker in workers:
            worker.stop()
    assert [(job.ref, job.status) for job in jobs] == [(today, "done")]
