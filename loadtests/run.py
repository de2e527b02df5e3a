"""Run a plan headless with Locust in a process of its own, watch the server, write the report.

Locust runs as ``python -m locust -f loadtests/locustfile.py`` (it patches the standard library
with gevent, which the caller's process must not suffer), one process or a master with
``workers`` local worker processes (``--processes``), or a master that also waits for workers on
other machines. While it runs, a thread here scrapes the server's ``/metrics`` every
``scrape_seconds``. The run is bounded: the plan's duration, the stop timeout, then a margin;
past it the Locust process is ended.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from contract import metrics as names
from loadtests import report
from loadtests.profiles import Plan

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
END_MARGIN = 60.0  # seconds past the plan's end before the Locust process is ended
# The server's metrics kept per scrape: not every Python-runtime sample of the process.
KEPT = (
    names.REQUESTS, names.REQUEST_SECONDS, names.IN_PROGRESS, names.PROCESSES,
    names.CPU_SECONDS, names.OUTBOX_JOBS, names.OUTBOX_OLDEST_SECONDS,
    names.DB_POOL_CHECKED_OUT, names.DB_POOL_CONNECTIONS, names.DB_POOL_CAPACITY,
)  # fmt: skip


@dataclass(frozen=True)
class RunOptions:
    """One headless run."""

    sandbox: str
    plan: Plan
    report_dir: Path
    population: Path | None = None
    first_row: int = 0
    fixtures: Path | None = None
    join: bool = True
    workers: int = 0  # local Locust worker processes; 0: Locust in one process
    remote_workers: int = 0  # workers on other machines the master waits for
    master_bind: str = "127.0.0.1"
    master_port: int = 5557
    stop_timeout: float = 10.0
    scrape_seconds: float = 2.0
    target_p99_ms: float = 300.0
    peak_per_minute: int = 80_000


def locust_command(options: RunOptions) -> list[str]:
    """The Locust command line of a run."""
    prefix = options.report_dir / report.PREFIX
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", options.sandbox.rstrip("/"), "--csv", str(prefix), "--csv-full-history",
        "--only-summary", "--stop-timeout", f"{math.ceil(options.stop_timeout)}s",
        "--exit-code-on-error", "1", "--loglevel", "WARNING",
        "--prakerja-plan", options.plan.to_json(),
        "--prakerja-first-row", str(options.first_row),
        "--prakerja-join", "1" if options.join else "0",
        "--prakerja-summary", str(options.report_dir / report.SUMMARY),
    ]  # fmt: skip
    if options.population is not None:
        command += ["--prakerja-population", str(options.population)]
    if options.fixtures is not None:
        command += ["--prakerja-fixtures", str(options.fixtures)]
    expected = options.workers + options.remote_workers
    if options.remote_workers:
        command += [
            "--master", "--expect-workers", str(expected), "--expect-workers-max-wait", "120",
            "--master-bind-host", options.master_bind, "--master-bind-port", str(options.master_port),
        ]  # fmt: skip
    if options.workers:
        command += ["--processes", str(options.workers)]
    return command


class Scraper(threading.Thread):
    """Reads the server's /metrics every few seconds into ``metrics.jsonl`` until stopped."""

    def __init__(self, sandbox: str, out: Path, every: float) -> None:
        super().__init__(name="metrics-scraper", daemon=True)
        self.url = sandbox.rstrip("/") + names.METRICS_PATH
        self.out = out
        self.every = every
        self.started_at = time.monotonic()
        self.stopping = threading.Event()
        self.failed = 0
        self.http = httpx.Client(timeout=5.0)

    def scrape(self, *, full: bool = False) -> None:
        """One read appended to the file (a failed read is counted, not fatal).

        A ``full`` read keeps every sample (the first and the last: the per-route table is
        their difference); the others keep the gauges and the total of requests, which is all
        the plots over time need.
        """
        t = time.monotonic() - self.started_at
        try:
            response = self.http.get(self.url)
            response.raise_for_status()
            samples: list[tuple[str, dict[str, str], float]] = [
                (sample.name, sample.labels, sample.value)
                for family in text_string_to_metric_families(response.text)
                if family.name.startswith(KEPT)
                for sample in family.samples
            ]
        except (httpx.HTTPError, ValueError):
            self.failed += 1
            return
        if not full:
            total = f"{names.REQUESTS}_total"
            requests = sum(v for n, _, v in samples if n == total)
            samples = [
                s for s in samples if not s[0].startswith((names.REQUESTS, names.REQUEST_SECONDS))
            ]
            samples.append((total, {}, requests))
        with self.out.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"t": round(t, 3), "full": full, "samples": samples}) + "\n")

    def run(self) -> None:
        """Scrape until stopped, then once more."""
        while not self.stopping.wait(self.every):
            self.scrape()

    def stop(self) -> None:
        """The last read, then stop."""
        self.stopping.set()
        self.join(self.every + 10)
        self.scrape(full=True)
        self.http.close()


def machine() -> dict[str, Any]:
    """The machine and how busy it is now (load averages over 1, 5 and 15 minutes)."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cores": os.cpu_count() or 1,
        "load": [round(x, 2) for x in load],
        "python": platform.python_version(),
    }


def run(options: RunOptions, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Run, report, and return the report's key figures (``exit_code`` is Locust's)."""
    folder = options.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (report.SUMMARY, report.METRICS, report.REPORT):
        (folder / stale).unlink(missing_ok=True)
    started = datetime.now(UTC)
    before = machine()
    scraper = Scraper(options.sandbox, folder / report.METRICS, options.scrape_seconds)
    scraper.scrape(full=True)
    scraper.start()
    command = locust_command(options)
    bound = options.plan.duration + options.stop_timeout + END_MARGIN
    progress(f"running {options.plan.profile} for {options.plan.duration:.0f}s")
    with (folder / "locust.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            exit_code = process.wait(timeout=bound)
        except subprocess.TimeoutExpired:
            process.terminate()  # Locust writes its CSVs on the way out
            try:
                exit_code = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                exit_code = process.wait()
        finally:
            scraper.stop()
    after = machine()
    load = f"{before['cores']} cores; load average {before['load'][0]} before, {after['load'][0]} after"
    info = {
        "profile": options.plan.profile,
        "sandbox": options.sandbox,
        "peak_users": options.plan.peak_users,
        "duration_s": options.plan.duration,
        "workers": options.workers + options.remote_workers,
        "population": str(options.population) if options.population else None,
        "first_row": options.first_row,
        "join": options.join,
        "pace": options.plan.waits.pace,
        "fail_ratio_stop": options.plan.fail_ratio,
        "target_p99_ms": options.target_p99_ms,
        "peak_per_minute": options.peak_per_minute,
        "started": started.isoformat(timespec="seconds"),
        "ended": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": load,
        "machine_before": before,
        "machine_after": after,
        "exit_code": exit_code,
        "metrics_scrapes_failed": scraper.failed,
    }
    (folder / report.RUN).write_text(json.dumps(info, indent=2), encoding="utf-8")
    progress("writing the report")
    figures = report.build(folder)
    figures["exit_code"] = exit_code
    return figures
