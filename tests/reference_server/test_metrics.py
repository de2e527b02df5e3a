"""/metrics: Prometheus text the load tests and an operator read, right with several workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from contract import metrics as names
from reference_server.launch import free_port, wait_until_up
from reference_server.outbox import enqueue
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import utcnow

WAIT_SECONDS = 60.0


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, labels); fails unless the answer is the text format."""
    response = httpx.get(f"{url}{names.METRICS_PATH}", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_of(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], route: str) -> float:
    """Answered requests of one route template, every method and status."""
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == f"{names.REQUESTS}_total" and dict(labels)["route"] == route
    )


def test_requests_are_counted_by_route_template_and_status(server_url: str) -> None:
    before = scrape(server_url)
    for _ in range(5):
        assert httpx.get(f"{server_url}/health").status_code == 200
    token = "secret-one-time-token-123"
    httpx.get(f"{server_url}/verifikasi/{token}")
    httpx.post(f"{server_url}/no/such/path/for-metrics", json={})
    after = scrape(server_url)

    assert requests_of(after, "/health") - requests_of(before, "/health") == 5
    health_ok = (f"{names.REQUESTS}_total", (("method", "GET"), ("route", "/health"), ("status", "200")))  # fmt: skip
    assert after[health_ok] - before.get(health_ok, 0) == 5
    # The template, never the URL (it carries the token); unknown paths share one label.
    assert (
        requests_of(after, "/verifikasi/{token}") - requests_of(before, "/verifikasi/{token}") == 1
    )
    assert requests_of(after, names.UNMATCHED_ROUTE) >= 1
    text = httpx.get(f"{server_url}{names.METRICS_PATH}").text
    assert token not in text and "for-metrics" not in text

    count = (f"{names.REQUEST_SECONDS}_count", (("method", "GET"), ("route", "/health")))
    assert after[count] - before.get(count, 0) == 5
    at_300ms = (f"{names.REQUEST_SECONDS}_bucket", (("le", "0.3"), ("method", "GET"), ("route", "/health")))  # fmt: skip
    assert after[at_300ms] <= after[count]
    assert after[(names.PROCESSES, ())] == 1
    assert after[(names.DB_POOL_CAPACITY, ())] > 0
    assert 0 <= after[(names.DB_POOL_CHECKED_OUT, ())] <= after[(names.DB_POOL_CONNECTIONS, ())]


def test_outbox_depth_is_what_the_database_holds(server_url: str, runtime: Runtime) -> None:
    from datetime import timedelta

    before = scrape(server_url)[(names.OUTBOX_JOBS, (("status", "pending"),))]
    later = utcnow() + timedelta(hours=1)  # not due: no worker claims them during the test
    with transaction(runtime.sessions) as session:
        for n in range(3):
            assert enqueue(
                session, "metrics-test", f"{os.getpid()}-{time.time_ns()}-{n}", None, later
            )
    after = scrape(server_url)
    assert after[(names.OUTBOX_JOBS, (("status", "pending"),))] == before + 3
    assert after[(names.OUTBOX_OLDEST_SECONDS, ())] >= 0


@pytest.mark.postgres_only
def test_several_workers_report_one_sum(
    database_kind: str, new_database: object, tmp_path: Path
) -> None:
    if database_kind != "postgres":
        pytest.skip("several workers need PostgreSQL")
    from cryptography.fernet import Fernet

    url = new_database()  # type: ignore[operator]
    port = free_port()
    env = {
        **os.environ,
        "PRAKERJA_DATABASE_URL": url,
        "PRAKERJA_SECRET_KEY": Fernet.generate_key().decode(),
        "PRAKERJA_SEED_FIXTURES": "false",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "prakerja_cli.main", "serve", "--port", str(port), "--workers", "2"]  # fmt: skip
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/health", process, timeout=180)  # migrates a fresh schema first
        deadline = time.monotonic() + WAIT_SECONDS
        while scrape(base).get((names.PROCESSES, ()), 0) < 2:  # both workers have started
            assert time.monotonic() < deadline, "the second worker never started"
        before = requests_of(scrape(base), "/health")
        for _ in range(40):
            assert httpx.get(f"{base}/health").status_code == 200  # a new connection each
        totals = {requests_of(scrape(base), "/health") - before for _ in range(10)}
        assert totals == {40}, totals  # whichever worker answers, the sum of both
        assert scrape(base)[(names.PROCESSES, ())] == 2
    finally:
        process.terminate()
        process.wait(timeout=30)
