"""``prakerja loadtest``: a bounded, headless Locust run against a sandbox, and its report.

Wires the parts the load tests need and may not import themselves: the sandbox's database (to
provision the DPs, LPs and the open wave a run's journeys use, as ``prakerja partners add`` and
``prakerja waves create`` do) and the population file the sandbox's government sources answer
from. The run itself is ``loadtests.run`` (Locust in a process of its own) and meets the server
over HTTP only.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from contract.admin import WaveStatus
from contract.endpoints import CREATE_WAVE, WAVES, Role
from loadtests.capacity import DEFAULT_P99_MS, DEFAULT_PEAK_PER_MINUTE
from loadtests.data import Card, Disbursement, Fixtures, RedeemCode
from loadtests.profiles import PROFILES, Journey, Plan, profile_named, stages_from_json
from loadtests.run import LOCUSTFILE, RunOptions, run
from reference_server import cli as server_cli

console = Console(stderr=True)
CARD_SLOTS = ("normal-1", "normal-2", "semi-bansos", "young", "primary-school")
COURSE, SCHEDULE = "SBX-MANDIRI", "SBX-MANDIRI-OPEN"  # any DP's card may buy it (18+, any school)
LEARNER_CASES = ("TC1-001-200", "TC2-001-200")  # resettable, nothing verified yet
REDIRECT_URI = "http://127.0.0.1:9/loadtest-callback"
DEFAULT_POPULATION = Path("prakerja-population.csv")
MAX_DISBURSEMENTS = 100_000
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$")


def parse_duration(text: str) -> float:
    """Seconds from ``30s``, ``2m``, ``1m30s``, ``1h`` or a plain number of seconds."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise typer.BadParameter(f"not a duration: {text!r} (e.g. 30s, 2m, 1m30s)")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise typer.BadParameter("the duration must be positive")
    return total


# --- rows already used against a sandbox --------------------------------------------------------


def _ledger(population: Path) -> Path:
    return population.with_name(population.name + ".loadtest.json")


def next_row(population: Path, sandbox: str) -> int:
    """The first population row no earlier run used against ``sandbox``."""
    ledger = _ledger(population)
    if not ledger.exists():
        return 0
    return int(json.loads(ledger.read_text(encoding="utf-8")).get(sandbox.rstrip("/"), 0))


def record_rows(population: Path, sandbox: str, used_up_to: int) -> None:
    """Remember that rows before ``used_up_to`` are taken on ``sandbox``."""
    ledger = _ledger(population)
    data = json.loads(ledger.read_text(encoding="utf-8")) if ledger.exists() else {}
    key = sandbox.rstrip("/")
    data[key] = max(int(data.get(key, 0)), used_up_to)
    ledger.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# --- provisioning ---------------------------------------------------------------------------------


def open_wave(sandbox: str) -> str | None:
    """The code of the wave open now on ``sandbox``, if any (the public list)."""
    response = httpx.get(sandbox.rstrip("/") + WAVES.path, timeout=10)
    response.raise_for_status()
    waves = response.json()["data"]["waves"]
    return next((w["wave_code"] for w in waves if w["status"] == WaveStatus.OPEN.value), None)


def provision(
    database_url: str | None,
    sandbox: str,
    *,
    buyers: int,
    learners: int,
    wave: bool,
    disbursements: int = 0,
) -> tuple[Fixtures, str | None]:
    """Partners for the run (in the sandbox's database) and, if asked, an open wave and
    disbursements awaiting a payment partner's callback."""
    from sqlalchemy import select

    from reference_server.fixtures import describe
    from reference_server.partners import add_partner
    from reference_server.storage.db import transaction
    from reference_server.storage.tables import Course

    runtime = server_cli._runtime(database_url)
    tag = secrets.token_hex(3)
    cards: list[Card] = []
    codes: list[RedeemCode] = []
    pmo = None
    try:
        with transaction(runtime.sessions) as session:
            price = int(
                session.scalars(select(Course.price).where(Course.course_code == COURSE)).one()
            )
            made = [
                add_partner(session, runtime.keys, role=Role.DP, name=f"loadtest dp {tag}-{n}")
                for n in range(math.ceil(buyers / len(CARD_SLOTS)))
            ]
            made += [
                add_partner(
                    session,
                    runtime.keys,
                    role=Role.LP,
                    name=f"loadtest lp {tag}-{n}",
                    redirect_uris=(REDIRECT_URI,),
                )
                for n in range(math.ceil(learners / len(LEARNER_CASES)))
            ]
            if wave:
                pmo = add_partner(session, runtime.keys, role=Role.PMO, name=f"loadtest pmo {tag}")
            payer = (
                add_partner(session, runtime.keys, role=Role.PP, name=f"loadtest pp {tag}")
                if disbursements
                else None
            )
        with runtime.sessions() as session:
            for creds in made:
                fixtures = describe(session, creds.client_code)["partners"][0]
                if creds.role == Role.DP.value:
                    slots = {b["slot"]: b for b in fixtures["beneficiaries"]}
                    for band, slot in enumerate(CARD_SLOTS):
                        cards.append(
                            Card(
                                creds.client_code,
                                creds.sign_key,
                                band,
                                len(CARD_SLOTS),
                                slots[slot]["prakerja_id"],
                                COURSE,
                                SCHEDULE,
                                price,
                            )
                        )
                    continue
                by_case = {r["test_case"]: r for r in fixtures["redeem_codes"]}
                for band, case in enumerate(LEARNER_CASES):
                    entry = by_case[case]
                    sessions = int(
                        session.scalars(
                            select(Course.sessions).where(
                                Course.course_code == entry["course_code"]
                            )
                        ).one()
                    )
                    stages = (
                        (1,) if entry["method"] == "self_paced" else tuple(range(1, sessions + 1))
                    )
                    codes.append(
                        RedeemCode(
                            creds.client_code,
                            creds.sign_key,
                            band,
                            len(LEARNER_CASES),
                            entry["redeem_code"],
                            (*stages, 999),
                            REDIRECT_URI,
                            f"peserta-{entry['redeem_code'].lower()}@loadtest.example",
                        )
                    )
        sent: list[Disbursement] = []
        if payer is not None:
            sent = _submitted_disbursements(runtime, payer, disbursements, tag)
    finally:
        runtime.close()
    created = None
    if pmo is not None:
        created = _create_wave(sandbox, pmo.client_code, pmo.sign_key, tag)
    return Fixtures(tuple(cards[:buyers]), tuple(codes[:learners]), tuple(sent)), created


INCENTIVE = 600_000  # one month's incentive of the semi-bansos scheme, in rupiah


def _submitted_disbursements(runtime: Any, payer: Any, count: int, tag: str) -> list[Disbursement]:
    """``count`` incentives Prakerja has sent ``payer`` and awaits the callback of.

    Written straight into the database as the incentive run leaves them (a card holder with a
    card, a linked e-wallet, a step in processing, a SUBMITTED disbursement): getting there
    through the API takes a training completed, a review and a linked account per holder.
    Their NIKs start ``00`` and cards ``7``, which no generated person or card uses.
    """
    from datetime import date

    from sqlalchemy import insert, select

    from contract.incentives import LinkStatus, PayoutState, StepStatus
    from reference_server.storage.db import transaction
    from reference_server.storage.tables import Beneficiary, Card, IncentiveStep, PayoutLink
    from reference_server.storage.tables import Disbursement as Sent
    from reference_server.storage.tables import Partner as PartnerRow

    now = datetime.now(UTC)
    salt = f"{secrets.randbelow(10**6):06d}"
    out: list[Disbursement] = []
    with transaction(runtime.sessions) as session:
        partner_id = session.scalars(
            select(PartnerRow.id).where(PartnerRow.client_code == payer.client_code)
        ).one()
        for start in range(0, count, 1000):
            numbers = range(start, min(start + 1000, count))

            def ids(table: Any, rows: list[dict[str, Any]]) -> list[int]:
                returned = session.scalars(
                    insert(table).returning(table.id, sort_by_parameter_order=True), rows
                )
                return list(returned)

            holders = ids(Beneficiary, [
                {"user_id": f"USRL{tag}{salt}{n}", "nik": f"00{salt}{n:08d}",
                 "name": "penerima insentif uji", "birth_date": date(1995, 1, 1), "sex": "M",
                 "education": 3, "phone_number": f"0899{n:08d}",
                 "email": f"insentif-{tag}-{n}@loadtest.example"}
                for n in numbers
            ])  # fmt: skip
            cards = ids(Card, [
                {"beneficiary_id": b, "card_number": f"7{salt}{n:09d}", "scheme": "semi_bansos",
                 "status": "used", "balance": 0}
                for b, n in zip(holders, numbers, strict=True)
            ])  # fmt: skip
            steps = ids(IncentiveStep, [
                {"card_id": c, "kind": "incentive", "step": 1, "amount": INCENTIVE, "due_at": now,
                 "status": StepStatus.PROCESSING.value}
                for c in cards
            ])  # fmt: skip
            links = ids(PayoutLink, [
                {"link_id": f"LNK-L{tag}{salt}{n}", "card_id": c, "partner_id": partner_id,
                 "account_type": "EWALLET", "account_number": f"0899{n:08d}",
                 "holder_name": "PENERIMA INSENTIF UJI", "kyc_level": "VERIFIED",
                 "status": LinkStatus.ACTIVE.value, "linked_at": now}
                for c, n in zip(cards, numbers, strict=True)
            ])  # fmt: skip
            rows: list[dict[str, Any]] = [
                {"disbursement_id": f"DSB-L{tag}{salt}{n:08d}", "step_id": st, "card_id": c,
                 "partner_id": partner_id, "link_id": lk, "account_type": "EWALLET",
                 "account_number": f"0899{n:08d}", "amount": INCENTIVE,
                 "description": "Insentif Prakerja 1", "state": PayoutState.SUBMITTED.value,
                 "attempts": 1, "submitted_at": now}
                for st, c, lk, n in zip(steps, cards, links, numbers, strict=True)
            ]  # fmt: skip
            session.execute(insert(Sent), rows)
            out += [
                Disbursement(
                    payer.client_code, payer.sign_key, str(r["disbursement_id"]), INCENTIVE
                )
                for r in rows
            ]
    return out


def _check_database(database_url: str | None, need_wave: bool) -> None:
    """Refuse to provision into a database that is not the sandbox's (a stray SQLite file)."""
    from reference_server.settings import DEFAULT_DATABASE_URL

    default_file = Path(DEFAULT_DATABASE_URL.removeprefix("sqlite:///"))
    if database_url is None and not default_file.exists():
        what = "an open wave for the registrants" if need_wave else "partners and fixtures"
        raise typer.BadParameter(
            f"the run needs {what}, made in the sandbox's database: give --database-url (or "
            "PRAKERJA_DATABASE_URL), or run from the folder of `prakerja up`",
            param_hint="--database-url",
        )


def _create_wave(sandbox: str, client_code: str, sign_key: str, tag: str) -> str:
    from contract.client import PartnerClient

    now = datetime.now(UTC)
    code = f"LOAD-{tag.upper()}"
    body = {
        "wave_code": code,
        "quota": 100_000_000,
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
        "scheme": "semi_bansos",
    }
    with PartnerClient(sandbox, client_code, sign_key) as client:
        response = client.post(CREATE_WAVE.path, body)
    if not response.json().get("success"):
        raise typer.BadParameter(f"could not open a wave for the run: {response.text[:300]}")
    return code


# --- the command ----------------------------------------------------------------------------------


def loadtest(
    profile: Annotated[
        str, typer.Option(help=f"What to run: {', '.join(PROFILES)}.")
    ] = "wave-opening",
    sandbox: Annotated[
        str,
        typer.Option(envvar="PRAKERJA_SANDBOX_URL", help="Base URL of the sandbox under load."),
    ] = "http://127.0.0.1:8000",
    users: Annotated[int, typer.Option(min=1, help="Concurrent users at the peak.")] = 20,
    duration: Annotated[str, typer.Option(help="How long the shape runs: 30s, 2m, 1m30s.")] = "30s",
    report_dir: Annotated[
        Path, typer.Option(file_okay=False, help="Where the CSVs and report.html go.")
    ] = Path("loadtest-report"),
    workers: Annotated[
        int, typer.Option(min=0, help="Locust worker processes on this machine (0: one process).")
    ] = 0,
    remote_workers: Annotated[
        int,
        typer.Option(min=0, help="Also wait for this many workers on other machines (--join)."),
    ] = 0,
    master_bind_host: Annotated[
        str, typer.Option(help="Where the master listens for remote workers.")
    ] = "127.0.0.1",
    join: Annotated[
        str | None,
        typer.Option(help="Be a worker of the master on this host instead of running a test."),
    ] = None,
    population: Annotated[
        Path,
        typer.Option(
            envvar="PRAKERJA_POPULATION",
            dir_okay=False,
            help="Population CSV the sandbox's government sources answer from.",
        ),
    ] = DEFAULT_POPULATION,
    first_row: Annotated[
        int | None,
        typer.Option(min=0, help="First population row (default: after earlier runs' rows)."),
    ] = None,
    pace: Annotated[
        float, typer.Option(min=0, help="Think times ×: 1 a person on a phone, 0 no waits.")
    ] = 1.0,
    base: Annotated[int | None, typer.Option(help="Spike: users before the opening.")] = None,
    rise: Annotated[str | None, typer.Option(help="Spike: time to the peak.")] = None,
    decay: Annotated[str | None, typer.Option(help="Spike: decay time constant.")] = None,
    stages: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help='A shape of your own: JSON [{"until","users","spawn_rate"}].',
        ),
    ] = None,
    fail_ratio: Annotated[
        float, typer.Option(min=0, max=1, help="Stop the run past this share of failures.")
    ] = 0.05,
    stop_timeout: Annotated[
        float, typer.Option(min=0, help="Seconds journeys in flight get to finish at the end.")
    ] = 10.0,
    p99_target_ms: Annotated[float, typer.Option(help="Capacity model: p99 target.")] = (
        DEFAULT_P99_MS
    ),
    peak_per_minute: Annotated[
        int, typer.Option(help="Capacity model: journeys a minute at the peak.")
    ] = DEFAULT_PEAK_PER_MINUTE,
    database_url: server_cli.DatabaseUrl = None,
    as_json: server_cli.AsJson = False,
) -> None:
    """Load the sandbox with a profile's journeys, headless and bounded; write the report.

    Buyers, learners and payment partners need partners and fixtures (payers: disbursements
    awaiting their callback), and registrants an open wave: when the sandbox has none, they
    are made in its database (--database-url or PRAKERJA_DATABASE_URL, as for
    `prakerja partners add`). Registrants are the population's people, never one twice, also
    across runs against the same sandbox. Exit code 1 when requests failed, 3 when the run
    stopped itself past --fail-ratio.

    Example: prakerja loadtest --profile wave-opening --sandbox http://127.0.0.1:8000 --users 50 --duration 30s --report-dir report
    """
    if join is not None:
        _worker(join)
        return
    try:
        chosen = profile_named(profile)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--profile") from exc
    seconds = parse_duration(duration)
    try:
        shape = (
            stages_from_json(stages.read_text(encoding="utf-8"))
            if stages
            else chosen.stages(
                users,
                seconds,
                base=base,
                rise=parse_duration(rise) if rise else None,
                decay=parse_duration(decay) if decay else None,
            )
        )
    except (ValueError, KeyError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    plan = Plan(
        chosen.name,
        {k.value: v for k, v in chosen.mix.items()},
        shape,
        replace(chosen.waits, pace=pace),
        fail_ratio=fail_ratio,
    )
    registrants = plan.mix.get(Journey.REGISTRANT.value, 0) > 0
    total = sum(plan.mix.values())
    share = {j: math.ceil(plan.peak_users * w / total) + 1 for j, w in plan.mix.items()}
    buyers, learners = share.get(Journey.BUYER.value, 0), share.get(Journey.LEARNER.value, 0)
    payers = share.get(Journey.PAYER.value, 0)
    # A payer uses a disbursement up every few seconds of think time (at most one a second).
    sent = (
        min(math.ceil(payers * seconds / max(pace * 2.0, 1.0)) + payers, MAX_DISBURSEMENTS)
        if payers
        else 0
    )
    if registrants and not population.exists():
        raise typer.BadParameter(
            f"{population} not found: the population the sandbox's government sources answer "
            "from (prakerja up writes prakerja-population.csv)",
            param_hint="--population",
        )
    try:
        wave = open_wave(sandbox) if registrants else None
    except httpx.HTTPError as exc:
        raise typer.BadParameter(f"cannot reach the sandbox at {sandbox}: {exc}") from exc
    need_wave = registrants and wave is None
    fixtures = Fixtures()
    with tempfile.TemporaryDirectory(prefix="prakerja-loadtest-") as private:
        fixtures_file = None
        if buyers or learners or sent or need_wave:
            _check_database(database_url, need_wave)
            fixtures, created = provision(
                database_url, sandbox, buyers=buyers, learners=learners, wave=need_wave,
                disbursements=sent,
            )  # fmt: skip
            wave = wave or created
            fixtures_file = Path(private) / "fixtures.json"  # sign keys: not in the report
            fixtures.write(fixtures_file)
        start = first_row if first_row is not None else next_row(population, sandbox)
        options = RunOptions(
            sandbox=sandbox,
            plan=plan,
            report_dir=report_dir,
            population=population if registrants else None,
            first_row=start,
            fixtures=fixtures_file,
            join=wave is not None,
            workers=workers,
            remote_workers=remote_workers,
            master_bind=master_bind_host,
            stop_timeout=stop_timeout,
            target_p99_ms=p99_target_ms,
            peak_per_minute=peak_per_minute,
        )
        with console.status("load test") as status:
            figures = run(options, progress=lambda text: status.update(f"load test: {text}"))
    rows = figures.get("rows") or {}
    if registrants and rows:
        record_rows(population, sandbox, int(rows.get("next", start)))
    figures["wave"] = wave
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
    else:
        _print(figures)
    code = int(figures.get("exit_code") or 0)
    if code:
        raise typer.Exit(code)


def _worker(master: str) -> None:
    """Run a Locust worker of the master at ``master`` until it ends the test."""
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--worker",
        "--master-host",
        master,
    ]
    console.print(f"Locust worker of {master} (the master forwards the run's options) …")
    raise typer.Exit(subprocess.call(command, env=os.environ.copy()))


def _print(figures: dict[str, Any]) -> None:
    table = Table(show_header=False, box=None, title="[bold]Load test[/]", title_justify="left")
    table.add_row("profile", str(figures.get("profile")))
    table.add_row("requests", f"{figures['requests']:,} ({figures['failures']:,} failed)")
    table.add_row("requests/s", f"{figures.get('requests_per_second') or 0:.1f}")
    table.add_row(
        "p50 / p95 / p99",
        f"{figures.get('p50_ms')} / {figures.get('p95_ms')} / {figures.get('p99_ms')} ms",
    )
    funnel = figures.get("funnel", {})
    table.add_row(
        "funnel",
        f"{funnel.get('started', 0):,} started, {funnel.get('verdict', 0):,} verdicts, "
        f"{funnel.get('joined', 0):,} joined",
    )
    if figures.get("stopped_by"):
        table.add_row("[red]stopped[/]", str(figures["stopped_by"]))
    capacity = figures.get("capacity")
    if capacity:
        table.add_row(
            "capacity",
            f"{capacity['cores_needed']:,} cores for {capacity['peak_per_minute']:,}/min",
        )
    table.add_row("report", str(figures.get("report")))
    Console().print(table)
