"""The outbox worker: threads that claim due jobs, run them, and retry what failed.

In the embedded default it runs inside the server process (started and stopped with the app,
woken at once when a request of this process commits a job); at scale, ``prakerja worker``
processes run it beside the API processes, on PostgreSQL, as many as needed: SKIP LOCKED keeps
them off each other's jobs. Between jobs a thread sleeps until the soonest job is due, at most
``POLL_SECONDS``, so jobs enqueued by other processes are picked up within that.

Daily work goes through the outbox too: each worker enqueues the day's ``revoke-expired`` job
(keyed by the date, so however many workers run, the day has one job) and whichever claims it
revokes the cards unused past their deadline; the day's ``expire-vacancies`` job likewise. Every
few seconds a worker also enqueues the pulls of the job portals' feeds that are due
(``services.feeds``: one pending pull per portal at most).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable

from reference_server import outbox, payout_jobs
from reference_server.feeds import FeedClient
from reference_server.outbox import Job
from reference_server.runtime import Runtime
from reference_server.services import cards, feeds, vacancies
from reference_server.services.registration import VERIFY_JOB
from reference_server.services.verification import Pipeline
from reference_server.sources import (
    SourceError,
    SourceNotConfigured,
    SourceRejected,
    Sources,
)
from reference_server.storage.db import transaction
from reference_server.storage.tables import utcnow

log = logging.getLogger("prakerja.worker")

POLL_SECONDS = 1.0
MIN_LEASE_SECONDS = 30.0
CALLS_PER_JOB = 4  # Dukcapil, liveness, face match, DTKS
PAYOUT_CALLS_PER_JOB = 2  # status, then disburse
STOP_SECONDS = 10.0
REVOKE_JOB = "revoke-expired"  # ref: the UTC date it is for
EXPIRE_JOB = "expire-vacancies"  # ref: the UTC date it is for
PULL_CHECK_SECONDS = 5.0  # how often a worker looks for job-portal feeds that are due

Handler = Callable[[Job], object]  # returns outbox.FINISHED if it recorded the job done itself


def lease_seconds(source_timeout_seconds: float, least: float = MIN_LEASE_SECONDS) -> float:
    """How long a claimed job stays ours: well past the longest a job can take (every call of
    it timing out), so a live worker never loses a job it is still running."""
    return max(least, 2 * CALLS_PER_JOB * source_timeout_seconds)


class Worker:
    """``threads`` threads working the outbox of ``runtime``'s database."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        threads: int | None = None,
        handlers: dict[str, Handler] | None = None,
        name: str | None = None,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.threads = threads or settings.worker_threads
        self.sources = Sources(settings)
        self.feeds = FeedClient(settings.source_timeout_seconds)
        self.handlers = handlers or {
            VERIFY_JOB: Pipeline(runtime, self.sources).run,
            REVOKE_JOB: self._revoke_expired,
            EXPIRE_JOB: self._expire_vacancies,
            feeds.PULL_JOB: feeds.FeedPuller(runtime, self.feeds).run,
            **payout_jobs.handlers(runtime),
        }
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease = max(  # a lease outlives the slowest job: every call of it timing out
            lease_seconds(settings.source_timeout_seconds, settings.worker_lease_seconds),
            2 * PAYOUT_CALLS_PER_JOB * settings.payout_timeout_seconds,
        )
        self._stop = threading.Event()
        self._bell = threading.Event()
        self._threads: list[threading.Thread] = []
        self._warned = False
        self._scheduled_day = ""
        self._pulls_checked = -PULL_CHECK_SECONDS
        self.completed = 0
        self.failed = 0

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Worker:
        """Start the threads (idempotent; a stopped worker is not restarted)."""
        if self._threads or self._stop.is_set():
            return self
        if not self.sources.configured:
            self._warn_unconfigured()
        outbox.listen(self._bell)
        for n in range(self.threads):
            thread = threading.Thread(
                target=self._loop,
                name=f"outbox-worker-{n}",
                args=(f"{self.name}/{n}",),
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        log.info("outbox worker %s started with %d thread(s)", self.name, self.threads)
        return self

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop claiming, let running jobs finish (up to ``timeout``), release the sources.

        A job still running past the timeout keeps its lease and is claimed again once the
        lease ends: stopping never loses one.
        """
        self._stop.set()
        self._bell.set()
        outbox.unlisten(self._bell)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        # A thread still in its job stays listed: a later stop() joins it.
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        if not self._threads:
            self.sources.close()
            self.feeds.close()

    @property
    def running(self) -> bool:
        """True while any thread is alive."""
        return any(thread.is_alive() for thread in self._threads)

    def run_forever(self) -> None:
        """Start, and block until interrupted (Ctrl-C), then stop."""
        self.start()
        try:
            while not self._stop.wait(POLL_SECONDS):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # --- the loop ----------------------------------------------------------------------------

    def _loop(self, worker_id: str) -> None:
        while not self._stop.is_set():
            try:
                jobs = outbox.claim(self.runtime.sessions, worker_id, self.lease)
            except Exception:  # the database is down or busy: wait and try again
                log.exception("claiming jobs failed")
                self._stop.wait(POLL_SECONDS)
                continue
            if not jobs:
                self._sleep()
                continue
            for job in jobs:
                self.run_one(job)

    def _schedule_daily(self) -> None:
        """Enqueue today's revoke job once per day per worker (the outbox keeps one per day)."""
        today = utcnow().date().isoformat()
        if self._scheduled_day == today or REVOKE_JOB not in self.handlers:
            return
        try:
            with transaction(self.runtime.sessions) as session:
                outbox.enqueue(session, REVOKE_JOB, today)
                if EXPIRE_JOB in self.handlers:
                    outbox.enqueue(session, EXPIRE_JOB, today)
                if payout_jobs.DUE_JOB in self.handlers:
                    payout_jobs.schedule_daily(session, utcnow().date())
        except Exception:  # the database is busy or down: the next sleep tries again
            log.exception("could not schedule the daily revoke job")
            return
        self._scheduled_day = today

    def _revoke_expired(self, job: Job) -> None:
        done = cards.revoke_expired(self.runtime.sessions)
        log.info(
            "revoke job %s: %d card(s) revoked, Rp%d returned", job.ref, done.revoked, done.returned
        )

    def _expire_vacancies(self, job: Job) -> None:
        expired = vacancies.expire(self.runtime)
        log.info("expire job %s: %d vacancies expired", job.ref, expired)

    def _schedule_pulls(self) -> None:
        """Enqueue the feed pulls that are due, every few seconds at most (per worker)."""
        now = time.monotonic()
        every = min(PULL_CHECK_SECONDS, self.runtime.settings.jobs_pull_seconds)
        if feeds.PULL_JOB not in self.handlers or now - self._pulls_checked < every:
            return
        self._pulls_checked = now
        try:
            feeds.schedule_pulls(self.runtime)
        except Exception:  # the database is busy or down: the next check tries again
            log.exception("could not schedule the job portals' feed pulls")

    def _sleep(self) -> None:
        self._schedule_daily()
        self._schedule_pulls()
        try:
            due = outbox.next_due(self.runtime.reads)
        except Exception:
            due = None
        wait = POLL_SECONDS
        if due is not None:
            wait = min(POLL_SECONDS, max(0.0, (due - utcnow()).total_seconds()))
        if wait > 0:
            self._bell.wait(wait)
        self._bell.clear()

    def run_one(self, job: Job) -> None:
        """Run one claimed job and record its outcome: done, or back to pending with a delay."""
        settings = self.runtime.settings
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            outcome = handler(job)
        except outbox.RetryLater as exc:
            log.info("job %s %s attempt %d: %s", job.kind, job.ref, job.attempts, exc.reason)
            self._retry(job, exc.reason, exc.delay)
        except SourceNotConfigured as exc:
            self._warn_unconfigured()
            self._retry(job, str(exc), self._backoff(job))
        except SourceRejected as exc:
            log.error(
                "job %s %s attempt %d: %s (retried at the cap)",
                job.kind,
                job.ref,
                job.attempts,
                exc,
            )
            self._retry(job, f"permanent: {exc}", settings.retry_max_seconds)
        except SourceError as exc:
            log.info("job %s %s attempt %d: %s", job.kind, job.ref, job.attempts, exc)
            self._retry(job, f"transient: {exc}", self._backoff(job))
        except Exception as exc:  # a bug: keep the job, say so loudly, retry at the cap
            log.exception("job %s %s attempt %d failed", job.kind, job.ref, job.attempts)
            self._retry(job, f"error: {type(exc).__name__}: {exc}", settings.retry_max_seconds)
        else:
            if outcome is outbox.FINISHED:  # done in the handler's own last transaction
                self.completed += 1
                return
            try:
                outbox.finish(self.runtime.sessions, job)
            except Exception:  # the lease runs out and the (idempotent) job runs again
                log.exception("could not record job %s %s as done", job.kind, job.ref)
                return
            self.completed += 1

    def _backoff(self, job: Job) -> float:
        settings = self.runtime.settings
        return outbox.backoff_seconds(
            job.attempts, settings.retry_base_seconds, settings.retry_max_seconds
        )

    def _retry(self, job: Job, error: str, delay: float) -> None:
        self.failed += 1
        try:
            outbox.retry(self.runtime.sessions, job, error, delay)
        except Exception:  # the lease runs out and the job is claimed again: nothing is lost
            log.exception("could not record the retry of job %s %s", job.kind, job.ref)

    def _warn_unconfigured(self) -> None:
        if self._warned:
            return
        self._warned = True
        missing = ", ".join(self.sources.missing())
        log.warning(
            "verification is waiting: no URL for %s (set PRAKERJA_DUKCAPIL_URL, "
            "PRAKERJA_DTKS_URL, PRAKERJA_BIOMETRICS_URL); applicants stay VERIFYING and their "
            "jobs are retried until the sources are configured",
            missing,
        )


def start_inline(runtime: Runtime) -> Worker | None:
    """The in-process worker of the embedded default, if the settings ask for one."""
    if not runtime.settings.worker_inline:
        return None
    return Worker(runtime).start()
