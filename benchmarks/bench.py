"""Benchmark: requests/s and latency of partner calls, as ratios to ``GET /health`` in the same run.

Starts the real server (uvicorn, one worker) on a free port of 127.0.0.1 with its own database (a
temporary SQLite file unless ``--database-url`` says otherwise), registers its partners there as
``prakerja partners add`` does, and drives the server over HTTP with a closed-loop generator: N
asyncio workers, each sending its next request as soon as the previous one is answered. Measured,
in interleaved repeats (baseline, status, authorize, baseline, …):

- ``GET /health``: the trivial endpoint of the same app, the baseline;
- ``POST payment/redeem-code/status``: signed, on an LP fixture ``PRAT-`` code;
- ``POST payment/authorize``: signed, with payment tokens and OTPs prepared before the timed
  window (send-otp + the SMS inbox), so only the authorizations are timed.

A card may hold one purchase of a course, so every payment is a different (card, course): the
bench registers as many DPs as the pool needs (each brings its fixture beneficiaries) and credits
the cards that could not pay for every course (with a ledger entry, as every movement has).

Performance claims are ratios to the baseline measured in the same run, never absolute numbers:
the generator shares the machine's cores with the server, which the report says. Each run also
records ``server_cpu_ms``, the server process's CPU time (all its threads, from ``/proc``) per
answered request: what a request costs the server, which other load on a shared machine changes
far less than it changes requests/s.

Example: python -m benchmarks.bench --duration 10 --repeats 3 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rich.console import Console
from rich.table import Table

from contract.client import compact, signed_headers
from contract.endpoints import AUTHORIZE, REDEEM_STATUS, SEND_OTP, SMS_INBOX, Role
from reference_server.launch import serving

BASELINE = "GET /health"
STATUS = "POST redeem-code/status"
PAY = "POST payment/authorize"
ENDPOINTS = (BASELINE, STATUS, PAY)
# Courses of the shared catalogue every active fixture card may buy (age 18+, any education).
COURSES = ("SBX-MANDIRI", "SBX-WEBINAR")
REQUEST_TIMEOUT = 10.0
MAX_TOKENS = 6_000  # bound on the payments one authorize measurement may prepare
TOKEN_MARGIN = 1.5  # prepare this much more than the last measured rate needs
PREPARERS = 8  # cards whose payments are prepared at once (each card's in order)
CALIBRATION_TOKENS = 200
CALIBRATION_TOKENS_PER_WORKER = 25
FAILING_AFTER = 50  # a measurement that fails more than half its first requests stops early
SHARED_CORES_NOTE = (
    "The load generator runs on the same machine as the server and shares its {cores} core(s); "
    "absolute numbers are lower bounds, compare the ratios."
)


@dataclass(frozen=True)
class Params:
    """What to measure and where to write it."""

    duration: float = 10.0
    repeats: int = 3
    concurrency: int = 16
    out: Path = Path("bench-results/bench.json")
    database_url: str | None = None


@dataclass
class Run:
    """One timed measurement of one endpoint."""

    endpoint: str
    repeat: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms: float = 0.0  # the server's CPU time per answered request (0: not measured)
    prepared: int = 0  # payment tokens prepared for an authorize measurement
    failures: dict[str, int] = field(default_factory=dict)  # what failed, how often
    stopped_early: str = ""


@dataclass(frozen=True)
class Partner:
    """A partner the bench registered: its credentials and, for an LP, a fixture redeem code."""

    client_code: str
    sign_key: str
    redeem_code: str = ""


@dataclass(frozen=True)
class Order:
    """One purchase a DP can make for one of its fixture cards."""

    dp: Partner
    card: str
    course_code: str
    amount: int


# --- the server ---------------------------------------------------------------------------------


def server_env(database_url: str, secret_key: str) -> dict[str, str]:
    """The environment the server and the CLI share: same database, same key, sandbox mode."""
    return {
        **os.environ,
        "PRAKERJA_DATABASE_URL": database_url,
        "PRAKERJA_SECRET_KEY": secret_key,
        "PRAKERJA_SANDBOX": "true",  # the SMS inbox, where the OTPs are read
        "PRAKERJA_SEED_FIXTURES": "true",
    }


# --- provisioning -------------------------------------------------------------------------------


class Provisioner:
    """Registers the bench's partners in its own database, as ``prakerja partners add`` does.

    Done in-process through a Runtime on the server's database and key (the CLI would start a
    process per partner, and a pool of payments needs hundreds of DPs); traffic stays HTTP.
    """

    def __init__(self, database_url: str, secret_key: str) -> None:
        from reference_server.runtime import Runtime
        from reference_server.settings import ServerSettings

        settings = ServerSettings(database_url=database_url, secret_key=secret_key)
        self.runtime = Runtime(settings)
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.registered = 0

    def _add(self, role: str) -> tuple[Partner, dict[str, Any], dict[str, Any]]:
        from reference_server.fixtures import describe
        from reference_server.partners import add_partner
        from reference_server.storage.db import transaction

        self.registered += 1
        name = f"bench {role} {self.stamp} {self.registered}"
        with transaction(self.runtime.sessions) as session:
            creds = add_partner(session, self.runtime.keys, role=Role(role), name=name)
        with self.runtime.sessions() as session:
            described = describe(session, creds.client_code)
        fixtures: dict[str, Any] = described["partners"][0]
        catalogue = {c["course_code"]: c for c in described["catalogue"]}
        return Partner(creds.client_code, creds.sign_key), fixtures, catalogue

    def lp(self) -> Partner:
        """A new LP, with the redeem code of its first positive test case."""
        lp, fixtures, _ = self._add("lp")
        redeem = next(r for r in fixtures["redeem_codes"] if r["test_case"] == "TC1-001-200")
        return Partner(lp.client_code, lp.sign_key, redeem_code=redeem["redeem_code"])

    def orders(self, count: int) -> list[Order]:
        """``count`` purchases on cards that own none of ``COURSES``, from as many new DPs as needed."""
        found: list[Order] = []
        while len(found) < count:
            dp, fixtures, catalogue = self._add("dp")
            prices = {code: int(catalogue[code]["price"]) for code in COURSES}
            cards = [b for b in fixtures["beneficiaries"] if b["card_status"] == "active"]
            self._credit({b["prakerja_id"]: sum(prices.values()) - b["balance"] for b in cards})
            found += [
                Order(dp, b["prakerja_id"], code, price)
                for b in cards
                for code, price in prices.items()
            ]
        return found[:count]

    def _credit(self, shortfalls: dict[str, int]) -> None:
        """Credit each card its shortfall, with the ledger entry every movement of money has."""
        from sqlalchemy import select

        from reference_server.storage.db import transaction
        from reference_server.storage.tables import Card, LedgerEntry

        wanted = {number: amount for number, amount in shortfalls.items() if amount > 0}
        if not wanted:
            return
        with transaction(self.runtime.sessions) as session:
            for card in session.scalars(select(Card).where(Card.card_number.in_(wanted))):
                card.balance += wanted[card.card_number]
                session.add(
                    LedgerEntry(
                        card_id=card.id,
                        amount=wanted[card.card_number],
                        kind="grant",
                        reference="bench:top-up",
                        actor="benchmarks.bench",
                    )
                )

    def close(self) -> None:
        """Release the database connections."""
        self.runtime.close()


# --- the load generator -------------------------------------------------------------------------

Attempt = Callable[[httpx.AsyncClient], Awaitable[httpx.Response | None]]
"""Sends one request and returns its response; None when there is nothing left to send."""

CpuClock = Callable[[], float]
"""Seconds of CPU a process has used so far, user and system, every thread."""


def cpu_clock(pid: int) -> CpuClock | None:
    """The CPU clock of process ``pid`` read from ``/proc`` (None where there is no /proc)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    return seconds


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


async def measure(
    base_url: str,
    endpoint: str,
    repeat: int,
    attempt: Attempt,
    duration: float,
    concurrency: int,
    cpu: CpuClock | None = None,
) -> Run:
    """Closed loop: ``concurrency`` workers send requests back to back for ``duration`` seconds;
    ``cpu``, the server's CPU clock, read at both ends."""
    latencies: list[float] = []
    errors = 0
    failures: dict[str, int] = {}
    stopped = ""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits
    ) as client:
        await client.get("/health")  # open a connection before the clock starts
        cpu_started = cpu() if cpu else 0.0
        started = time.perf_counter()
        deadline = started + duration

        async def worker() -> None:
            nonlocal errors, stopped
            while not stopped and time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    response = await attempt(client)
                except httpx.HTTPError as exc:
                    failure: str | None = type(exc).__name__
                else:
                    if response is None:
                        stopped = stopped or "ran out of prepared payment tokens"
                        return
                    failure = failure_of(response)
                latencies.append(time.perf_counter() - sent)
                if failure:
                    errors += 1
                    failures[failure] = failures.get(failure, 0) + 1
                if len(latencies) >= FAILING_AFTER and errors * 2 > len(latencies):
                    stopped = f"stopped: {errors} of {len(latencies)} requests failed"

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        cpu_used = cpu() - cpu_started if cpu else 0.0
    ordered = sorted(latencies)
    answered = len(ordered) - errors
    return Run(
        endpoint=endpoint,
        repeat=repeat,
        requests=len(ordered),
        errors=errors,
        seconds=round(seconds, 3),
        rps=round(answered / seconds, 1) if seconds > 0 else 0.0,
        p50_ms=round(percentile(ordered, 0.50) * 1000, 2),
        p95_ms=round(percentile(ordered, 0.95) * 1000, 2),
        p99_ms=round(percentile(ordered, 0.99) * 1000, 2),
        server_cpu_ms=round(cpu_used * 1000 / answered, 3) if answered else 0.0,
        failures=dict(sorted(failures.items())),
        stopped_early=stopped,
    )


def failure_of(response: httpx.Response) -> str | None:
    """None for a 200 whose body does not say ``success: false``, else what went wrong."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict) and body.get("success") is not False:
        return None
    code = body.get("code", "") if isinstance(body, dict) else ""
    return f"HTTP {response.status_code} {code}".strip()


def _succeeded(response: httpx.Response) -> bool:
    return failure_of(response) is None


def health_attempt() -> Attempt:
    """The baseline request."""

    async def attempt(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get("/health")

    return attempt


def status_attempt(lp: Partner) -> Attempt:
    """A signed redeem-code status request on the LP's fixture code."""
    nonces = itertools.count()

    async def attempt(client: httpx.AsyncClient) -> httpx.Response:
        # A signature is accepted once, so each request must differ: the server ignores unknown
        # keys (as the real API does), which makes a counter in the body a valid, unique request.
        body = compact({"redeem_code": lp.redeem_code, "sequence": 1, "bench_nonce": next(nonces)})
        headers = signed_headers(lp.client_code, lp.sign_key, REDEEM_STATUS.path, body)
        return await client.post(REDEEM_STATUS.path, content=body.encode(), headers=headers)

    return attempt


@dataclass(frozen=True)
class Payment:
    """A payment token with its OTP, ready to be authorized by its DP."""

    dp: Partner
    token: str
    otp: str
    invoice_code: str


async def _prepare(
    client: httpx.AsyncClient, orders: Sequence[Order], invoices: Iterator[str]
) -> list[Payment]:
    """Send-otp for one card's orders in turn, reading each OTP from the inbox before the next."""
    prepared = []
    for order in orders:
        invoice = next(invoices)
        body = compact({
            "prakerja_id": order.card, "user_platform_id": f"user-{invoice}",
            "course_code": order.course_code, "schedule_code": f"{order.course_code}-OPEN",
            "amount": order.amount,
        })  # fmt: skip
        dp = order.dp
        headers = signed_headers(dp.client_code, dp.sign_key, SEND_OTP.path, body)
        response = await client.post(SEND_OTP.path, content=body.encode(), headers=headers)
        if not _succeeded(response):
            raise RuntimeError(f"send-otp failed: {response.status_code} {response.text[:300]}")
        token = response.json()["data"]["payment_token"]
        inbox = await client.get(SMS_INBOX.path, params={"prakerja_id": order.card})
        if not _succeeded(inbox):
            raise RuntimeError(f"the SMS inbox failed: {inbox.status_code} {inbox.text[:300]}")
        otp = inbox.json()["data"]["messages"][0]["otp"]
        prepared.append(Payment(dp, token, otp, invoice))
    return prepared


async def prepare_payments(
    base_url: str, orders: Sequence[Order], invoices: Iterator[str]
) -> list[Payment]:
    """A payment token and its OTP for every order (untimed): cards in parallel, each in turn."""
    by_card: dict[str, list[Order]] = {}
    for order in orders:
        by_card.setdefault(order.card, []).append(order)
    gate = asyncio.Semaphore(PREPARERS)
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:

        async def one_card(mine: list[Order]) -> list[Payment]:
            async with gate:
                return await _prepare(client, mine, invoices)

        batches = await asyncio.gather(*(one_card(mine) for mine in by_card.values()))
    # Interleave the cards so concurrent authorizations do not queue on one card's row.
    return [p for group in itertools.zip_longest(*batches) for p in group if p is not None]


def authorize_attempt(payments: Sequence[Payment]) -> Attempt:
    """A signed authorize with the next prepared token; None once the pool is empty."""
    pool = iter(payments)

    async def attempt(client: httpx.AsyncClient) -> httpx.Response | None:
        payment = next(pool, None)
        if payment is None:
            return None
        body = compact({
            "otp": payment.otp, "invoice_code": payment.invoice_code,
            "invoice_url": f"https://bench.prakerja.test/invoice/{payment.invoice_code}",
        })  # fmt: skip
        dp, authorization = payment.dp, f"Payment {payment.token}"
        headers = signed_headers(
            dp.client_code, dp.sign_key, AUTHORIZE.path, body, authorization=authorization
        )
        return await client.post(AUTHORIZE.path, content=body.encode(), headers=headers)

    return attempt


# --- the run ------------------------------------------------------------------------------------


def tokens_needed(rate: float, params: Params) -> int:
    """How many payments to prepare for one authorize measurement at the last measured rate."""
    wanted = math.ceil(rate * params.duration * TOKEN_MARGIN) + params.concurrency
    return max(params.concurrency, min(MAX_TOKENS, wanted))


async def measure_authorize(
    base_url: str,
    provisioner: Provisioner,
    repeat: int,
    count: int,
    duration: float,
    params: Params,
    invoices: Iterator[str],
    progress: Callable[[str], None],
    cpu: CpuClock | None = None,
) -> Run:
    """Prepare ``count`` payments on fresh cards (untimed), then time their authorizations."""
    label = f"repeat {repeat}/{params.repeats}" if repeat else "calibration"
    progress(f"{label}: preparing {count} payments on fresh cards (untimed)")
    orders = await asyncio.to_thread(provisioner.orders, count)
    payments = await prepare_payments(base_url, orders, invoices)
    progress(f"{label}: {PAY}")
    attempt = authorize_attempt(payments)
    run = await measure(base_url, PAY, repeat, attempt, duration, params.concurrency, cpu)
    run.prepared = len(payments)
    return run


async def measure_all(
    base_url: str,
    provisioner: Provisioner,
    params: Params,
    progress: Callable[[str], None],
    cpu: CpuClock | None = None,
) -> list[Run]:
    """Every repeat of every endpoint, interleaved: baseline, status, authorize, baseline, …"""
    lp = await asyncio.to_thread(provisioner.lp)
    invoices = (f"BENCH-{os.getpid()}-{i}" for i in itertools.count())
    calibration = min(CALIBRATION_TOKENS, CALIBRATION_TOKENS_PER_WORKER * params.concurrency)
    probe = await measure_authorize(
        base_url, provisioner, 0, calibration, min(2.0, params.duration), params, invoices, progress
    )
    rate = max(probe.rps, 1.0)
    runs: list[Run] = []
    for repeat in range(1, params.repeats + 1):
        label = f"repeat {repeat}/{params.repeats}"
        progress(f"{label}: {BASELINE}")
        baseline = health_attempt()
        runs.append(
            await measure(
                base_url, BASELINE, repeat, baseline, params.duration, params.concurrency, cpu
            )
        )
        progress(f"{label}: {STATUS}")
        status = status_attempt(lp)
        runs.append(
            await measure(
                base_url, STATUS, repeat, status, params.duration, params.concurrency, cpu
            )
        )
        count = tokens_needed(rate, params)
        run = await measure_authorize(
            base_url, provisioner, repeat, count, params.duration, params, invoices, progress, cpu
        )
        runs.append(run)
        rate = max(run.rps, 1.0)
    return runs


def summarise(runs: Sequence[Run]) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Median of each figure per endpoint, and each endpoint's median requests/s over the baseline's."""
    medians: dict[str, dict[str, float]] = {}
    for endpoint in ENDPOINTS:
        mine = [r for r in runs if r.endpoint == endpoint]
        medians[endpoint] = {
            key: round(statistics.median(getattr(r, key) for r in mine), 2)
            for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms")
        }
        medians[endpoint]["errors"] = sum(r.errors for r in mine)
    base = medians[BASELINE]["rps"]
    ratios = {e: round(medians[e]["rps"] / base, 4) if base else 0.0 for e in ENDPOINTS}
    return medians, ratios


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages (others may share its cores)."""
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """Where the numbers were measured."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def run_bench(params: Params, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Start the server, measure, stop the server; write the result to ``params.out`` and return it."""
    if params.duration <= 0 or params.repeats < 1 or params.concurrency < 1:
        raise ValueError("duration must be > 0, repeats and concurrency >= 1")
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="prakerja-bench-") as folder:
        database_url = params.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        secret_key = Fernet.generate_key().decode()
        progress("starting the server")
        load_before = load_average()
        with serving(server_env(database_url, secret_key), Path(folder) / "server.log") as (
            url,
            process,
        ):
            provisioner = Provisioner(database_url, secret_key)  # after the server migrated it
            try:
                cpu = cpu_clock(process.pid)
                runs = asyncio.run(measure_all(url, provisioner, params, progress, cpu))
            finally:
                provisioner.close()
    medians, ratios = summarise(runs)
    cores = os.cpu_count() or 1
    result = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "python": platform.python_version(),
        "parameters": {
            "duration": params.duration,
            "repeats": params.repeats,
            "concurrency": params.concurrency,
            "out": str(params.out),
            # The backend only, never the URL: it may hold a password.
            "database": sa.make_url(database_url).get_backend_name(),
            "server": "uvicorn, 1 worker, 127.0.0.1",
            "generator": "closed loop, asyncio + httpx.AsyncClient",
            "courses": list(COURSES),
        },
        "note": SHARED_CORES_NOTE.format(cores=cores),
        "load_average": {"before": load_before, "after": load_average()},
        "warnings": [
            f"{r.endpoint} repeat {r.repeat}: {r.errors} failed {r.failures} {r.stopped_early}"
            for r in runs
            if r.errors or r.stopped_early
        ],
        "runs": [asdict(r) for r in runs],
        "medians": medians,
        "ratios_to_baseline": ratios,
    }
    params.out.parent.mkdir(parents=True, exist_ok=True)
    params.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return result


def table(result: dict[str, Any]) -> Table:
    """The medians and ratios as a Rich table."""
    p = result["parameters"]
    load = result["load_average"]["before"][0]
    caption = (
        f"median of {p['repeats']} x {p['duration']}s, concurrency {p['concurrency']}, {p['database']}, "
        f"load average {load} at the start; server CPU per answered request. " + result["note"]
    )
    out = Table(
        "endpoint", "req/s", "x /health", "p50 ms", "p95 ms", "p99 ms", "server CPU ms",
        "errors", title="Prakerja sandbox bench", caption=caption,
    )  # fmt: skip
    for endpoint in ENDPOINTS:
        m = result["medians"][endpoint]
        out.add_row(
            endpoint, f"{m['rps']:.1f}", f"{result['ratios_to_baseline'][endpoint]:.3f}",
            f"{m['p50_ms']:.2f}", f"{m['p95_ms']:.2f}", f"{m['p99_ms']:.2f}",
            f"{m['server_cpu_ms']:.2f}", str(int(m["errors"])),
        )  # fmt: skip
    return out


def parse_args(argv: Sequence[str] | None = None) -> Params:
    """The command line as Params."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description="Requests/s and latency of redeem-code/status and payment/authorize, as ratios "
        "to GET /health measured in the same run, against a freshly started reference server.",
        epilog="Example: python -m benchmarks.bench --duration 10 --repeats 3 --concurrency 16",
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds per measurement (default 10)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="interleaved repeats of each endpoint (default 3)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="closed-loop workers (default 16)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("bench-results/bench.json"), help="result file (JSON)"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL of a database the bench may write to (default: a temporary SQLite file)",
    )
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.repeats < 1 or args.concurrency < 1:
        parser.error("--duration must be > 0, --repeats and --concurrency >= 1")
    return Params(args.duration, args.repeats, args.concurrency, args.out, args.database_url)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the bench from the command line and print the table."""
    params = parse_args(argv)
    console = Console()
    with console.status("bench") as status:
        result = run_bench(params, progress=lambda text: status.update(f"bench: {text}"))
    console.print(table(result))
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print(f"Written to {params.out}")


if __name__ == "__main__":
    main()
