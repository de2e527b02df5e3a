"""Benchmark: registration calls as ratios to ``GET /health`` of the same server, in one run.

Starts two reference servers (uvicorn, one worker each, databases of their own unless
``--database-url`` says otherwise) that differ only in ``PRAKERJA_PASSWORD_HASH_COST``: 14, the
default (scrypt at the interactive-login cost, part of what a sign-up costs), and 10, where the
hash is cheap and the server's own overhead shows. Rate limits are raised by environment so the
bench measures work, not 429s; no government source is configured and no outbox worker runs, so
the verification jobs the funnel enqueues just wait (a worker would retry each against the
missing sources, work the measurements would pay for; identity alone enqueues none).

Measured with the closed-loop generator of ``benchmarks.bench`` (N asyncio workers, each sending
its next request as soon as the previous one is answered), in interleaved repeats:

- ``GET /health`` on each server: the baseline its ratios are taken against;
- ``POST registration/accounts`` on each: a sign-up, every attempt a new e-mail and phone;
- ``POST registration/identity`` (cost-10 server; the hash plays no part in it): every attempt a
  distinct account with both contacts verified, prepared before the timed window over HTTP
  (sign-up, the sandbox mail and SMS inboxes, two verifications), with a NIK valid for its birth
  date, sex and region;
- ``GET registration/status`` (cost-10 server): the cheapest bearer call, i.e. what session lookup
  and the per-account limit cost;
- the funnel (cost-10 server): one new applicant's whole registration as one attempt, the mix a
  wave opening sends: sign-up, mail inbox, verify e-mail, SMS inbox, verify phone, identity,
  selfie, status (``FUNNEL_CALLS`` calls). Its req/s counts funnels; ``calls_per_second`` in the
  result counts the calls, the figure to hold against ``/health``.

Example: python -m benchmarks.registration --duration 10 --repeats 3 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import platform
import secrets
import statistics
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rich.console import Console
from rich.table import Table

from benchmarks.bench import (
    REQUEST_TIMEOUT,
    SHARED_CORES_NOTE,
    Attempt,
    CpuClock,
    Run,
    cpu_clock,
    failure_of,
    health_attempt,
    load_average,
    machine,
    measure,
)
from contract.endpoints import (
    CREATE_ACCOUNT,
    MAIL_INBOX,
    REGISTRATION_STATUS,
    SMS_INBOX,
    SUBMIT_IDENTITY,
    SUBMIT_SELFIE,
    VERIFY_CONTACT,
)
from contract.registration import Channel
from reference_server.launch import serving

DEFAULT_COST, LOW_COST = 14, 10
HEALTH_14, HEALTH_10 = "GET /health (cost 14)", "GET /health (cost 10)"
SIGN_UP_14, SIGN_UP_10 = "POST accounts (cost 14)", "POST accounts (cost 10)"
IDENTITY = "POST identity"
STATUS = "GET status"
FUNNEL = "funnel (8 calls)"
FUNNEL_CALLS = 8
BASELINES = {DEFAULT_COST: HEALTH_14, LOW_COST: HEALTH_10}
ENDPOINTS = (HEALTH_14, SIGN_UP_14, HEALTH_10, SIGN_UP_10, IDENTITY, STATUS, FUNNEL)
CALLS_PER_ATTEMPT = {FUNNEL: FUNNEL_CALLS}
COST_OF = {
    HEALTH_14: 14, SIGN_UP_14: 14, HEALTH_10: 10, SIGN_UP_10: 10, IDENTITY: 10, STATUS: 10,
    FUNNEL: 10,
}  # fmt: skip
PASSWORD = "bench-rahasia-1"
REGION = "317101"  # 31.71.01 Gambir, Kota Jakarta Pusat: a district of the official list
LIMITS = {
    "PRAKERJA_RATE_PER_PHONE": "1000000",
    "PRAKERJA_RATE_PER_ACCOUNT": "1000000",
    "PRAKERJA_RATE_PER_ADDRESS": "1000000",
}
MAX_ACCOUNTS = 4_000  # bound on the accounts one identity measurement may prepare
ACCOUNT_MARGIN = 1.5  # prepare this much more than the last measured rate needs
PREPARERS = 8
CALIBRATION_ACCOUNTS = 64
STATUS_ACCOUNTS = 16


@dataclass(frozen=True)
class Params:
    """What to measure and where to write it."""

    duration: float = 10.0
    repeats: int = 3
    concurrency: int = 16
    out: Path = Path("bench-results/registration.json")
    database_url: str | None = None


def server_env(database_url: str, secret_key: str, cost: int) -> dict[str, str]:
    """A sandbox server with no government sources, limits out of the way, the given hash cost."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PRAKERJA_DUKCAPIL_URL", "PRAKERJA_DTKS_URL", "PRAKERJA_BIOMETRICS_URL")
    }
    return {
        **env,
        **LIMITS,
        "PRAKERJA_DATABASE_URL": database_url,
        "PRAKERJA_SECRET_KEY": secret_key,
        "PRAKERJA_SANDBOX": "true",  # the mail and SMS inboxes, where the OTPs are read
        "PRAKERJA_SEED_FIXTURES": "false",
        "PRAKERJA_PASSWORD_HASH_COST": str(cost),
        "PRAKERJA_WORKER_INLINE": "false",  # the verify jobs wait: nothing retries them meanwhile
    }


# --- applicants --------------------------------------------------------------------------------

_contacts = itertools.count(1)
_run_tag = secrets.token_hex(3)


def new_contacts() -> tuple[str, str]:
    """An e-mail and a phone no other attempt of this process uses (nor, likely, any other run)."""
    n = next(_contacts)
    return f"bench-{_run_tag}-{n}@example.test", f"0813{secrets.randbelow(10**8):08d}"


def sign_up_body() -> dict[str, str]:
    email, phone = new_contacts()
    return {"email": email, "phone": phone, "password": PASSWORD}


def identity_body(n: int) -> dict[str, Any]:
    """A valid identity, distinct per ``n``: NIK = region + DDMMYY (+40 for women) + serial."""
    birth = date(1970, 1, 1) + timedelta(days=n % 12_000)
    sex = "F" if n % 2 else "M"
    day = birth.day + (40 if sex == "F" else 0)
    serial = 1 + (n // 12_000) % 9_999
    return {
        "nik": f"{REGION}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}",
        "kk": f"{REGION}0101230004",
        "name": "Budi Santoso" if sex == "M" else "Siti Aminah",
        "birth_place": "Jakarta",
        "birth_date": birth.isoformat(),
        "sex": sex,
        "address": "Jl. Merdeka No. 1",
        "region_code": "31.71.01",
        "education": "SMA",
        "employment_status": "UNEMPLOYED",
        "is_official": False,
    }


def _checked(response: httpx.Response, what: str) -> dict[str, Any]:
    if failure_of(response) is not None:
        raise RuntimeError(f"{what} failed: {response.status_code} {response.text[:300]}")
    data: dict[str, Any] = response.json()["data"]
    return data


async def verify_contacts(
    client: httpx.AsyncClient, body: dict[str, str], auth: dict[str, str]
) -> httpx.Response | None:
    """Verify both contacts of a new account with the OTPs its sandbox inboxes hold (4 calls);
    the first response that failed, if one did."""
    for channel in Channel:
        if channel is Channel.EMAIL:
            inbox = await client.get(MAIL_INBOX.path, params={"email": body["email"]})
        else:
            inbox = await client.get(SMS_INBOX.path, params={"phone_number": body["phone"]})
        if failure_of(inbox) is not None:
            return inbox
        messages = inbox.json()["data"]["messages"]
        code = next(m["otp"] for m in messages if m["purpose"] == "registration")
        answer = await client.post(
            VERIFY_CONTACT.path, json={"channel": channel.value, "otp": code}, headers=auth
        )
        if failure_of(answer) is not None:
            return answer
    return None


async def verified_account(client: httpx.AsyncClient) -> str:
    """Sign up and verify both contacts through the sandbox inboxes; the bearer token."""
    body = sign_up_body()
    token = str(
        _checked(await client.post(CREATE_ACCOUNT.path, json=body), "sign-up")["access_token"]
    )
    failed = await verify_contacts(client, body, {"Authorization": f"Bearer {token}"})
    if failed is not None:
        _checked(failed, "contact verification")
    return token


async def prepare_accounts(base_url: str, count: int) -> list[str]:
    """``count`` verified accounts (untimed), ``PREPARERS`` at a time."""
    gate = asyncio.Semaphore(PREPARERS)
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:

        async def one() -> str:
            async with gate:
                return await verified_account(client)

        return list(await asyncio.gather(*(one() for _ in range(count))))


# --- attempts ------------------------------------------------------------------------------------


def sign_up_attempt() -> Attempt:
    """A sign-up with a new e-mail and phone."""

    async def attempt(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(CREATE_ACCOUNT.path, json=sign_up_body())

    return attempt


def identity_attempt(tokens: Sequence[str], numbers: Iterator[int]) -> Attempt:
    """The identity of the next prepared account; None once the pool is empty."""
    pool = iter(tokens)

    async def attempt(client: httpx.AsyncClient) -> httpx.Response | None:
        token = next(pool, None)
        if token is None:
            return None
        headers = {"Authorization": f"Bearer {token}"}
        return await client.post(
            SUBMIT_IDENTITY.path, json=identity_body(next(numbers)), headers=headers
        )

    return attempt


def status_attempt(tokens: Sequence[str]) -> Attempt:
    """The status of one of a few accounts, in turn."""
    pool = itertools.cycle(tokens)

    async def attempt(client: httpx.AsyncClient) -> httpx.Response:
        headers = {"Authorization": f"Bearer {next(pool)}"}
        return await client.get(REGISTRATION_STATUS.path, headers=headers)

    return attempt


def funnel_attempt(numbers: Iterator[int]) -> Attempt:
    """One new applicant's registration, call after call (``FUNNEL_CALLS``); the first response
    that failed, else the final status (which must say VERIFYING)."""

    async def attempt(client: httpx.AsyncClient) -> httpx.Response:
        body = sign_up_body()
        signed_up = await client.post(CREATE_ACCOUNT.path, json=body)
        if failure_of(signed_up) is not None:
            return signed_up
        auth = {"Authorization": f"Bearer {signed_up.json()['data']['access_token']}"}
        failed = await verify_contacts(client, body, auth)
        if failed is not None:
            return failed
        n = next(numbers)
        steps = (
            (SUBMIT_IDENTITY.path, identity_body(n)),
            (SUBMIT_SELFIE.path, {"liveness_token": f"bench-selfie-{_run_tag}-{n}"}),
        )
        for path, payload in steps:
            answer = await client.post(path, json=payload, headers=auth)
            if failure_of(answer) is not None:
                return answer
        status = await client.get(REGISTRATION_STATUS.path, headers=auth)
        if failure_of(status) is None and status.json()["data"]["stage"] != "VERIFYING":
            raise httpx.HTTPError(f"the funnel ended in {status.json()['data']['stage']}")
        return status

    return attempt


# --- the run -------------------------------------------------------------------------------------


def accounts_needed(rate: float, params: Params) -> int:
    """How many accounts to prepare for one identity measurement at the last measured rate."""
    wanted = math.ceil(rate * params.duration * ACCOUNT_MARGIN) + params.concurrency
    return max(params.concurrency, min(MAX_ACCOUNTS, wanted))


async def measure_all(
    urls: dict[int, str],
    params: Params,
    progress: Callable[[str], None],
    clocks: dict[int, CpuClock | None] | None = None,
) -> list[Run]:
    """Every repeat of every endpoint, interleaved; identity pools sized by a calibration."""
    low = urls[LOW_COST]
    numbers = itertools.count(secrets.randbelow(10**6))
    progress("calibration: preparing accounts (untimed)")
    probe_tokens = await prepare_accounts(low, min(CALIBRATION_ACCOUNTS, 8 * params.concurrency))
    probe = await measure(
        low, IDENTITY, 0, identity_attempt(probe_tokens, numbers), min(2.0, params.duration),
        params.concurrency,
    )  # fmt: skip
    rate = max(probe.rps, 1.0)
    status_tokens = await prepare_accounts(low, STATUS_ACCOUNTS)
    runs: list[Run] = []
    for repeat in range(1, params.repeats + 1):
        label = f"repeat {repeat}/{params.repeats}"
        progress(f"{label}: preparing identity accounts (untimed)")
        tokens = await prepare_accounts(low, accounts_needed(rate, params))
        plan: list[tuple[str, Attempt]] = [
            (HEALTH_14, health_attempt()),
            (SIGN_UP_14, sign_up_attempt()),
            (HEALTH_10, health_attempt()),
            (SIGN_UP_10, sign_up_attempt()),
            (IDENTITY, identity_attempt(tokens, numbers)),
            (STATUS, status_attempt(status_tokens)),
            (FUNNEL, funnel_attempt(numbers)),
        ]
        for endpoint, attempt in plan:
            progress(f"{label}: {endpoint}")
            cost = COST_OF[endpoint]
            cpu = (clocks or {}).get(cost)
            run = await measure(
                urls[cost], endpoint, repeat, attempt, params.duration, params.concurrency, cpu
            )
            if endpoint == IDENTITY:
                run.prepared = len(tokens)
                rate = max(run.rps, 1.0)
            runs.append(run)
    return runs


def summarise(runs: Sequence[Run]) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Median of each figure per endpoint, and its median requests/s over its server's /health."""
    medians: dict[str, dict[str, float]] = {}
    for endpoint in ENDPOINTS:
        mine = [r for r in runs if r.endpoint == endpoint]
        medians[endpoint] = {
            key: round(statistics.median(getattr(r, key) for r in mine), 2)
            for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms")
        }
        medians[endpoint]["errors"] = sum(r.errors for r in mine)
        calls = CALLS_PER_ATTEMPT.get(endpoint, 1)
        medians[endpoint]["calls_per_second"] = round(medians[endpoint]["rps"] * calls, 2)
        per_call = medians[endpoint]["server_cpu_ms"] / calls
        medians[endpoint]["server_cpu_ms_per_call"] = round(per_call, 3)
    ratios = {}
    for endpoint in ENDPOINTS:
        base = medians[BASELINES[COST_OF[endpoint]]]["rps"]
        per_second = medians[endpoint]["calls_per_second"]
        ratios[endpoint] = round(per_second / base, 4) if base else 0.0
    return medians, ratios


def run_bench(params: Params, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Start both servers, measure, stop them; write the result to ``params.out`` and return it."""
    if params.duration <= 0 or params.repeats < 1 or params.concurrency < 1:
        raise ValueError("duration must be > 0, repeats and concurrency >= 1")
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="prakerja-bench-reg-") as folder, ExitStack() as stack:
        urls: dict[int, str] = {}
        clocks: dict[int, CpuClock | None] = {}
        load_before = load_average()
        backend = ""
        secret_key = Fernet.generate_key().decode()  # one key: on PostgreSQL they share a database
        for cost in (DEFAULT_COST, LOW_COST):
            database_url = params.database_url or f"sqlite:///{Path(folder) / f'cost{cost}.db'}"
            backend = sa.make_url(database_url).get_backend_name()
            progress(f"starting the server with hash cost {cost}")
            env = server_env(database_url, secret_key, cost)
            log = Path(folder) / f"server-{cost}.log"
            urls[cost], process = stack.enter_context(serving(env, log))
            clocks[cost] = cpu_clock(process.pid)
        runs = asyncio.run(measure_all(urls, params, progress, clocks))
    medians, ratios = summarise(runs)
    result = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "python": platform.python_version(),
        "parameters": {
            "duration": params.duration,
            "repeats": params.repeats,
            "concurrency": params.concurrency,
            "out": str(params.out),
            "database": backend,  # the backend only, never the URL: it may hold a password
            "server": "uvicorn, 1 worker, 127.0.0.1; two servers, password hash cost 14 and 10",
            "generator": "closed loop, asyncio + httpx.AsyncClient",
            "limits": LIMITS,
            "government_sources": "none configured, no outbox worker: verification jobs wait",
        },
        "note": SHARED_CORES_NOTE.format(cores=os.cpu_count() or 1),
        "load_average": {"before": load_before, "after": load_average()},
        "warnings": [
            f"{r.endpoint} repeat {r.repeat}: {r.errors} failed {r.failures} {r.stopped_early}"
            for r in runs
            if r.errors or r.stopped_early
        ],
        "runs": [asdict(r) for r in runs],
        "medians": medians,
        "ratios_to_baseline": ratios,
        "baseline_of": {e: BASELINES[COST_OF[e]] for e in ENDPOINTS},
    }
    params.out.parent.mkdir(parents=True, exist_ok=True)
    params.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return result


def table(result: dict[str, Any]) -> Table:
    """The medians and ratios as a Rich table."""
    p = result["parameters"]
    caption = (
        f"median of {p['repeats']} x {p['duration']}s, concurrency {p['concurrency']}, "
        f"{p['database']}; ratios of calls/s to /health of the same server (a funnel is "
        f"{FUNNEL_CALLS} calls; its latencies are a whole funnel's); server CPU per call; "
        f"load average {result['load_average']['before'][0]} at the start. " + result["note"]
    )
    out = Table(
        "endpoint", "req/s", "calls/s", "x /health", "p50 ms", "p95 ms", "p99 ms",
        "server CPU ms", "errors",
        title="Prakerja registration bench", caption=caption,
    )  # fmt: skip
    for endpoint in ENDPOINTS:
        m = result["medians"][endpoint]
        out.add_row(
            endpoint, f"{m['rps']:.1f}", f"{m['calls_per_second']:.1f}",
            f"{result['ratios_to_baseline'][endpoint]:.4f}",
            f"{m['p50_ms']:.2f}", f"{m['p95_ms']:.2f}", f"{m['p99_ms']:.2f}",
            f"{m['server_cpu_ms_per_call']:.2f}", str(int(m["errors"])),
        )  # fmt: skip
    return out


def parse_args(argv: Sequence[str] | None = None) -> Params:
    """The command line as Params."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.registration",
        description="Requests/s and latency of sign-up (password hash cost 14 and 10), identity "
        "and status, as ratios to GET /health of the same server, measured in the same run.",
        epilog="Example: python -m benchmarks.registration --duration 10 --repeats 3",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (default 3)")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop workers")
    parser.add_argument(
        "--out", type=Path, default=Path("bench-results/registration.json"), help="result (JSON)"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL of a database both servers may write to (default: temporary SQLite "
        "files, one per server)",
    )
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.repeats < 1 or args.concurrency < 1:
        parser.error("--duration must be > 0, --repeats and --concurrency >= 1")
    return Params(args.duration, args.repeats, args.concurrency, args.out, args.database_url)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the bench from the command line and print the table."""
    params = parse_args(argv)
    console = Console()
    with console.status("registration bench") as status:
        result = run_bench(params, progress=lambda text: status.update(f"bench: {text}"))
    console.print(table(result))
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print(f"Written to {params.out}")


if __name__ == "__main__":
    main()
