"""Run the six payment partners on one event loop in a thread of this process, one account book.

``running_payment_partners`` is for tests, benchmarks and ``prakerja up`` (free ports or the
defaults, stopped on exit); ``serve_payment_partners`` is what ``prakerja payment-partners
serve`` blocks in until interrupted. Each partner needs its credentials at the sandbox
(``Credentials``: what ``prakerja partners add --role pp --json`` prints) to sign its callbacks
and verify Prakerja's calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from simulators.framework.registry import SimConfig
from simulators.framework.serving import running, serve_until_signal
from simulators.payment import kinds
from simulators.payment.accounts import AccountBook
from simulators.payment.app import WEBHOOK_PATH
from simulators.payment.partners import PARTNERS, PartnerSpec, seeded

DEFAULT_PORTS: dict[str, int] = {spec.instance: 8401 + n for n, spec in enumerate(PARTNERS)}
"""``prakerja up``'s ports: bni 8401, bca 8402, ovo 8403, gopay 8404, linkaja 8405, dana 8406."""
DEFAULT_SEED = 2020


@dataclass(frozen=True)
class Credentials:
    """One partner's keys at the sandbox."""

    client_code: str
    sign_key: str
    webhook_key: str

    @classmethod
    def of(cls, value: Credentials | Mapping[str, Any]) -> Credentials:
        """From itself or a mapping with these three keys (``partners add --json`` output)."""
        if isinstance(value, Credentials):
            return value
        missing = [k for k in ("client_code", "sign_key", "webhook_key") if not value.get(k)]
        if missing:
            raise ValueError(f"credentials need {', '.join(missing)}")
        return cls(str(value["client_code"]), str(value["sign_key"]), str(value["webhook_key"]))


def webhook_url(base_url: str) -> str:
    """The webhook URL to register for a simulator at ``base_url``."""
    return base_url.rstrip("/") + WEBHOOK_PATH


def paid(
    urls: Mapping[str, str], *, timeout: float = 10.0
) -> dict[str, dict[str, tuple[int, int]]]:
    """What each running partner reports it paid: instance → disbursement id → (credits, rupiah)."""
    report = {}
    with httpx.Client(timeout=timeout) as http:
        for name, url in urls.items():
            answer = http.get(url.rstrip("/") + "/_sim/paid")
            answer.raise_for_status()
            report[name] = {
                key: (int(item["count"]), int(item["total"]))
                for key, item in answer.json()["disbursements"].items()
            }
    return report


def book_of(
    population: Path | AccountBook | None, seed: int, specs: Sequence[PartnerSpec]
) -> AccountBook:
    """The account book the partners answer from: built from a population file, given, or only
    the fixture accounts (None)."""
    if isinstance(population, AccountBook):
        return population
    if population is None:
        return AccountBook(seed, specs)
    return AccountBook.from_population(population, seed, specs)


def partner_apps(
    book: AccountBook,
    sandbox_url: str | None,
    credentials: Mapping[str, Credentials | Mapping[str, Any]],
    *,
    specs: Sequence[PartnerSpec] = PARTNERS,
    seed: int | None = DEFAULT_SEED,
    mutants: Mapping[str, str] | None = None,
) -> list[tuple[str, FastAPI]]:
    """One app per partner (name, app), in ``specs`` order; ``mutants`` maps instance → mutant."""
    unknown = sorted(set(mutants or {}) - {spec.instance for spec in specs})
    if unknown:
        raise ValueError(f"no partner {', '.join(unknown)} to run as a mutant")
    apps = []
    for spec in seeded(specs, seed):
        given = credentials.get(spec.instance)
        if given is None:
            raise ValueError(f"no credentials for {spec.instance}")
        keys = Credentials.of(given)
        kind = kinds.BANK if spec.is_bank else kinds.EWALLET
        config = SimConfig(
            instance=spec.instance,
            profile=spec.profile,
            mutant=(mutants or {}).get(spec.instance),
            sandbox_url=sandbox_url,
            client_code=keys.client_code,
            sign_key=keys.sign_key,
            webhook_key=keys.webhook_key,
            options={"spec": spec, "book": book},
        )
        apps.append((spec.instance, kind.factory(config)))
    return apps


@contextmanager
def running_payment_partners(
    population: Path | AccountBook | None,
    sandbox_url: str | None,
    credentials: Mapping[str, Credentials | Mapping[str, Any]],
    *,
    specs: Sequence[PartnerSpec] = PARTNERS,
    seed: int = DEFAULT_SEED,
    mutants: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    ports: Sequence[int] | None = None,
) -> Iterator[dict[str, str]]:
    """The partners of ``specs`` (default all six) serving until the block ends: instance → URL.

    ``population`` is a population CSV, an ``AccountBook`` already built (tests:
    ``AccountBook.from_people``), or None for the fixture accounts only. Callbacks go to
    ``sandbox_url``. Change behaviour with ``partners.adjust`` (e.g. every partner failing 30%
    of calls: ``specs=adjust(every={"error_rate": 0.2, "timeout_rate": 0.1})``). Port 0 (the
    default) picks free ports.
    """
    book = book_of(population, seed, specs)
    apps = partner_apps(book, sandbox_url, credentials, specs=specs, seed=seed, mutants=mutants)
    with running(apps, host=host, ports=list(ports) if ports is not None else None) as urls:
        yield urls


def serve_payment_partners(
    population: Path | AccountBook | None,
    sandbox_url: str | None,
    credentials: Mapping[str, Credentials | Mapping[str, Any]],
    *,
    specs: Sequence[PartnerSpec] = PARTNERS,
    seed: int = DEFAULT_SEED,
    mutants: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    ports: Mapping[str, int] = DEFAULT_PORTS,
    on_ready: Callable[[dict[str, str]], None] | None = None,
) -> None:
    """Serve the partners until SIGINT or SIGTERM, then stop them cleanly (``ports`` by
    instance; a partner not in it gets a free port)."""
    book = book_of(population, seed, specs)
    apps = partner_apps(book, sandbox_url, credentials, specs=specs, seed=seed, mutants=mutants)
    chosen = [ports.get(spec.instance, 0) for spec in specs]
    serve_until_signal(apps, host=host, ports=chosen, on_ready=on_ready)
