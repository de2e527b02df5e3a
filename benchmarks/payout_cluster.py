"""A payout cluster for the crash tests and the payout benchmark: a database with many payments
due, the six payment-partner simulators holding the accounts, and the server and worker
processes, which a test may SIGKILL and start again at will.

The due payments are seeded in bulk, as the due run would leave the schedules of card holders
who met every condition long ago (semi-bansos: four monthly payments each, all due): that is
the state "10,000 payments are due" starts from. Everything after — the due run, the
disbursements, the calls, the callbacks, the ledger — is the product at work, in its own
processes, over HTTP.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select

from contract.endpoints import RUN_DUE, Role
from contract.incentives import LinkStatus, StepStatus
from contract.payouts import AccountStatus, KycLevel
from reference_server.app import prepare
from reference_server.domain.schemes import scheme as scheme_named
from reference_server.launch import free_port, wait_until_up
from reference_server.partners import Credentials, add_partner, set_urls
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from reference_server.storage import tables as t
from reference_server.storage.db import transaction
from simulators.payment.accounts import AccountBook
from simulators.payment.launch import Credentials as SimCredentials
from simulators.payment.launch import paid, running_payment_partners
from simulators.payment.partners import PARTNERS, PartnerSpec

ROOT = Path(__file__).resolve().parents[1]
SCHEME = "semi_bansos"
CHUNK = 2_000
# The test process reads the database while the cluster writes it; on SQLite every read takes
# the write lock too, so it polls rarely, not to slow down what it measures.
POLL_SECONDS = 0.5


@dataclass
class Seeded:
    """What was seeded: the payments due, by disbursement-to-be (step) and partner."""

    steps: int
    amount: int  # rupiah due in all
    holders: int


@dataclass
class Cluster:
    """The server and worker processes over one database (restartable), and the partners."""

    runtime: Runtime
    env: dict[str, str]
    port: int
    logs: Path
    workers: int
    partner_urls: dict[str, str] = field(default_factory=dict)
    office: Credentials | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    rounds: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """The server (with its in-process worker) and ``workers`` worker processes."""
        self.rounds += 1
        server = [
            sys.executable, "-m", "uvicorn", "reference_server.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
            "--no-access-log",
        ]  # fmt: skip
        worker = [sys.executable, "-m", "prakerja_cli.main", "worker"]
        for n, command in enumerate([server] + [worker] * self.workers):
            with (self.logs / f"round{self.rounds}-{n}.log").open("wb") as log:
                self.processes.append(
                    subprocess.Popen(
                        command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
                    )
                )
        wait_until_up(f"{self.url}/health", self.processes[0], timeout=120)

    def kill(self) -> None:
        """SIGKILL every process: no goodbye, no flush, leases left to run out."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
        for process in self.processes:
            process.wait(timeout=30)
        self.processes.clear()

    def stop(self) -> None:
        """Stop them politely (the end of a test)."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        self.processes.clear()

    def run_due(self) -> dict[str, Any] | None:
        """The office's due run over the API (None if the server died under it)."""
        from contract.client import PartnerClient

        assert self.office is not None
        try:
            with PartnerClient(
                self.url, self.office.client_code, self.office.sign_key, timeout=60
            ) as client:
                response = client.post(RUN_DUE.path, {})
        except httpx.HTTPError:
            return None
        return dict(response.json()["data"]) if response.status_code == 200 else None

    def counts(self) -> dict[str, int]:
        """Steps per status, from the database."""
        with self.runtime.reads() as session:
            rows = session.execute(
                select(t.IncentiveStep.status, func.count()).group_by(t.IncentiveStep.status)
            ).all()
        return {str(status): int(n) for status, n in rows}

    def paid_at_partners(self) -> dict[str, tuple[int, int]]:
        """Every partner's credits: disbursement id -> (credits, rupiah)."""
        merged: dict[str, tuple[int, int]] = {}
        for report in paid(self.partner_urls).values():
            for did, value in report.items():
                assert did not in merged, f"{did} paid by two partners"
                merged[did] = value
        return merged

    def traffic(self) -> dict[str, int]:
        """The most calls each partner had from Prakerja at once."""
        most = {}
        with httpx.Client(timeout=10) as http:
            for name, url in self.partner_urls.items():
                most[name] = int(http.get(url + "/_sim/traffic").json()["most_in_flight"])
        return most


def seed_due(
    runtime: Runtime, book: AccountBook, codes: Mapping[str, Credentials], payments: int
) -> Seeded:
    """``payments`` due (four per card holder), each holder's account at one of the partners."""
    scheme = scheme_named(SCHEME)
    if payments % scheme.incentive_count:
        raise ValueError(f"payments must be a multiple of {scheme.incentive_count}")
    holders = payments // scheme.incentive_count
    now = t.utcnow()
    started = now - timedelta(days=scheme.incentive_interval_days * scheme.incentive_count + 1)
    with runtime.sessions() as session:
        partner_ids = {
            name: session.scalars(
                select(t.Partner.id).where(t.Partner.client_code == c.client_code)
            ).one()
            for name, c in codes.items()
        }
    names = list(codes)
    tag = secrets.token_hex(3)
    for start in range(0, holders, CHUNK):
        rows = range(start, min(holders, start + CHUNK))
        with transaction(runtime.sessions) as session:
            people: list[dict[str, Any]] = []
            for i in rows:
                people.append(
                    {
                        "user_id": f"USRC{tag}{i:08d}",
                        "nik": f"31{int(tag, 16) % 10**6:06d}{i:08d}",
                        "name": f"Penerima {i}",
                        "birth_date": date(1995, 1, 1),
                        "sex": "F",
                        "education": 3,
                        "phone_number": f"0813{i:08d}",
                        "email": f"c{tag}{i}@sandbox.test",
                        "created_at": now,
                    }
                )
            session.execute(insert(t.Beneficiary), people)
            ids = dict(
                session.execute(
                    select(t.Beneficiary.user_id, t.Beneficiary.id).where(
                        t.Beneficiary.user_id.in_([p["user_id"] for p in people])
                    )
                ).all()
            )
            cards: list[dict[str, Any]] = [
                {
                    "beneficiary_id": ids[p["user_id"]],
                    "card_number": f"6{int(tag, 16) % 10**6:06d}{i:09d}",
                    "scheme": SCHEME,
                    "status": "active",
                    "balance": 0,
                    "created_at": now,
                }
                for p, i in zip(people, rows, strict=True)
            ]
            session.execute(insert(t.Card), cards)
            card_ids = dict(
                session.execute(
                    select(t.Card.card_number, t.Card.id).where(
                        t.Card.card_number.in_([c["card_number"] for c in cards])
                    )
                ).all()
            )
            links: list[dict[str, Any]] = []
            enrolments: list[dict[str, Any]] = []
            steps: list[dict[str, Any]] = []
            for person, card, i in zip(people, cards, rows, strict=True):
                name = names[i % len(names)]
                partner = book.partner(name)
                number = None if partner.spec.is_bank else person["phone_number"]
                account = partner.put(
                    number,
                    person["name"],
                    KycLevel.VERIFIED,
                    person["nik"],
                    AccountStatus.ACTIVE,
                    0,
                )
                card_id = card_ids[card["card_number"]]
                links.append(
                    {
                        "link_id": f"LNK-C{tag}{i:09d}",
                        "card_id": card_id,
                        "partner_id": partner_ids[name],
                        "account_type": partner.spec.account_type.value,
                        "account_number": account.number,
                        "holder_name": person["name"],
                        "kyc_level": "VERIFIED",
                        "status": LinkStatus.ACTIVE.value,
                        "otp_attempts": 0,
                        "created_at": started,
                        "linked_at": started,
                    }
                )
                enrolments.append({"card_id": card_id, "scheme": SCHEME, "eligible_at": started})
                for n in range(1, scheme.incentive_count + 1):
                    steps.append(
                        {
                            "card_id": card_id,
                            "kind": "incentive",
                            "step": n,
                            "amount": scheme.incentive_amount,
                            "due_at": started
                            + timedelta(days=(n - 1) * scheme.incentive_interval_days),
                            "status": StepStatus.SCHEDULED.value,
                            "created_at": started,
                        }
                    )
            session.execute(insert(t.PayoutLink), links)
            session.execute(insert(t.IncentiveEnrolment), enrolments)
            session.execute(insert(t.IncentiveStep), steps)
    return Seeded(payments, payments * scheme.incentive_amount, holders)


@contextmanager
def payout_cluster(
    database_url: str,
    logs: Path,
    *,
    payments: int,
    specs: tuple[PartnerSpec, ...] = PARTNERS,
    workers: int = 1,
    **settings: str,
) -> Iterator[tuple[Cluster, Seeded]]:
    """A database with ``payments`` due, the partners holding the accounts, and a cluster ready to
    start (``settings``: PRAKERJA_* values of the server and worker processes)."""
    secret = Fernet.generate_key().decode()
    runtime = Runtime(
        ServerSettings(database_url=database_url, secret_key=secret, seed_fixtures=False)
    )
    prepare(runtime)
    port = free_port()
    env = {
        **os.environ,
        "PRAKERJA_DATABASE_URL": database_url,
        "PRAKERJA_SECRET_KEY": secret,
        "PRAKERJA_SEED_FIXTURES": "false",
        **{f"PRAKERJA_{k.upper()}": v for k, v in settings.items()},
    }
    try:
        with transaction(runtime.sessions) as session:
            codes = {
                spec.instance: add_partner(session, runtime.keys, role=Role.PP, name=spec.name)
                for spec in specs
            }
            office = add_partner(session, runtime.keys, role=Role.PMO, name="PMO crash test")
        book = AccountBook(seed=7, partners=specs)
        seeded = seed_due(runtime, book, codes, payments)
        keys = {
            n: SimCredentials(c.client_code, c.sign_key, c.webhook_key) for n, c in codes.items()
        }
        cluster = Cluster(runtime, env, port, logs, workers, office=office)
        with running_payment_partners(book, cluster.url, keys, specs=specs) as urls:
            with transaction(runtime.sessions) as session:
                for name, url in urls.items():
                    set_urls(session, codes[name].client_code, base_url=url)
            cluster.partner_urls = dict(urls)
            try:
                yield cluster, seeded
            finally:
                cluster.stop()
    finally:
        runtime.close()


def wait_settled(cluster: Cluster, seeded: Seeded, timeout: float) -> dict[str, int]:
    """Poll until every due step is paid (or failed), within ``timeout``; the final counts."""
    deadline = time.monotonic() + timeout
    while True:
        counts = cluster.counts()
        if counts.get("paid", 0) + counts.get("failed", 0) == seeded.steps:
            return counts
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled within {timeout:.0f}s: {counts}")
        time.sleep(POLL_SECONDS)
