"""Drive a whole wave through a running sandbox, over HTTP only, and count the funnel.

The programme office opens a wave and commits to a lottery seed derived from the simulation's
seed; N people from the sandbox's synthetic population (a seeded order, skipping anyone already
registered there) create accounts, verify e-mail and phone from the sandbox inboxes, submit
identity and selfie, and wait for the verification pipeline's verdict; the eligible join; the
office closes and draws; the selected find their card on the dashboard. What happens after the
draw (buying, learning, reviews, incentives) is in ``journey.py``.

Each person's choices come from ``behaviour.decide`` (seed, NIK), the lottery from the seed, and
the sandbox's verdicts from the population's ground truth, so the same seed on a fresh sandbox
gives the same funnel. Where the sandbox decides first-come (a NIK, a face, a family card's two
slots), the people after the first in the seeded order submit once the first have their verdict
(``precedence.py``), so that first is the same in every run however many are in flight.
"""

from __future__ import annotations

import asyncio
import csv
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from contract import errors as err
from contract.endpoints import (
    CLOSE_WAVE,
    COMMIT_WAVE,
    CREATE_ACCOUNT,
    CREATE_WAVE,
    DASHBOARD,
    DRAW_WAVE,
    JOIN_WAVE,
    MAIL_INBOX,
    REGISTRATION_STATUS,
    SMS_INBOX,
    SUBMIT_IDENTITY,
    SUBMIT_SELFIE,
    VERIFY_CONTACT,
)
from simulators.wave.behaviour import Choices, Rates, decide, lottery_seed
from simulators.wave.funnel import Funnel
from simulators.wave.http import Api, Signer, SimulationError, data, error_code
from simulators.wave.precedence import Precedence

PASSWORD = "sandbox-simulasi-2026"
FINAL = ("ELIGIBLE", "INELIGIBLE")
POLL_SECONDS = 0.5
VERDICT_TIMEOUT_PER_PERSON = 0.05  # seconds of patience per person waiting, plus a minute


class Progress(Protocol):
    """What the driver needs of a progress display (Rich's ``Progress`` has it)."""

    def add_task(self, description: str, *, total: float | None = ...) -> Any: ...

    def advance(self, task_id: Any, advance: float = 1) -> None: ...


class NoProgress:
    """A progress display that shows nothing (tests, ``--json``)."""

    def add_task(self, description: str, *, total: float | None = None) -> int:
        return 0

    def advance(self, task_id: Any, advance: float = 1) -> None:
        return None


@dataclass
class Person:
    """One simulated person and what the sandbox has told them so far."""

    row: dict[str, str]
    choices: Choices
    token: str | None = None
    stage: str | None = None
    reason: str | None = None
    card_number: str | None = None
    balance: int = 0
    facts: dict[str, Any] = field(default_factory=dict)  # what later stages learn
    # Who must have their verdict before this person submits an identity (``precedence.py``).
    after: list[Person] = field(default_factory=list, repr=False, compare=False)
    level: int = 0
    ready: bool = False  # reached the identity step and waits for ``after``

    @property
    def nik(self) -> str:
        return self.row["nik"]

    def auth(self) -> dict[str, str]:
        """The bearer header of their session."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True, kw_only=True)
class Settings:
    """One simulation run."""

    people: int
    seed: int
    scheme: str = "semi_bansos"
    quota: int | None = None  # default: 40% of the people
    concurrency: int = 32
    rates: Rates = field(default_factory=Rates)

    @property
    def wave_quota(self) -> int:
        return self.quota if self.quota is not None else max(1, round(self.people * 0.4))


def identity_of(row: dict[str, str]) -> dict[str, Any]:
    """The identity a population person submits (the name as they declare it)."""
    return {
        "nik": row["nik"],
        "kk": row["kk"],
        "name": row["declared_name"],
        "birth_place": row["birth_place"],
        "birth_date": row["birth_date"],
        "sex": row["sex"],
        "address": row["address"],
        "region_code": row["region_code"],
        "education": row["education"],
        "employment_status": row["employment_status"],
        "is_official": row["is_official"] == "1",
    }


def candidates(population: Path, seed: int) -> list[dict[str, str]]:
    """Every person of the population file, in the simulation's seeded order."""
    with population.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    random.Random(f"wave-order:{seed}").shuffle(rows)
    return rows


class Stages:
    """Runs a stage over many people at once, with a progress bar, and times it."""

    def __init__(
        self,
        funnel: Funnel,
        progress: Progress,
        concurrency: int,
        announce: Callable[[str], None] | None = None,
    ) -> None:
        self.funnel = funnel
        self.progress = progress
        self.concurrency = concurrency
        self.announce = announce  # a line as each stage ends (where no bar can be drawn)

    async def each(
        self, name: str, items: Sequence[Person], work: Callable[[Person], Awaitable[None]]
    ) -> None:
        """``work`` on every item, ``concurrency`` at a time; the first failure stops the run."""
        task = self.progress.add_task(name, total=len(items))
        limit = asyncio.Semaphore(self.concurrency)
        started = time.monotonic()

        async def one(item: Person) -> None:
            async with limit:
                await work(item)
            self.progress.advance(task)

        await asyncio.gather(*(one(item) for item in items))
        self.ended(name, len(items), started)

    def ended(self, name: str, count: int, started: float) -> None:
        """Record (and announce) a stage of ``count`` people that began at ``started``."""
        took = time.monotonic() - started
        self.funnel.stages.append((name, took))
        if self.announce is not None:
            self.announce(f"{name}: {count:,} in {took:.1f} s")


class Office:
    """The programme office: opens, commits, closes and draws the simulated wave."""

    def __init__(self, api: Api, signer: Signer) -> None:
        self.api = api
        self.signer = signer

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        """A signed call; its data."""
        return data(await self.signer.post(self.api, path, body))

    async def open_wave(self, settings: Settings) -> str:
        """Create the wave (open now, for a day) and commit to the seed's lottery seed."""
        now = datetime.now(UTC).replace(microsecond=0)
        code = f"SIM{settings.seed}-{now:%Y%m%d%H%M%S}"
        body = {
            "wave_code": code,
            "quota": settings.wave_quota,
            "opens_at": (now - timedelta(seconds=1)).isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat(),
            "scheme": settings.scheme,
        }
        response = await self.signer.post(self.api, CREATE_WAVE.path, body)
        if error_code(response) == err.WAVE_OVERLAP.code:
            raise SimulationError(
                "another wave is open in this sandbox: close and draw it first "
                "(prakerja waves close CODE && prakerja waves draw CODE)"
            )
        data(response)
        await self.post(COMMIT_WAVE.path, {"wave_code": code, "seed": lottery_seed(settings.seed)})
        return code

    async def close_and_draw(self, code: str) -> Any:
        """Close the wave and draw its winners."""
        await self.post(CLOSE_WAVE.path, {"wave_code": code})
        return await self.post(DRAW_WAVE.path, {"wave_code": code})


class Registration:
    """The applicants' part: from an account to the lottery's answer."""

    def __init__(self, api: Api, funnel: Funnel, stages: Stages) -> None:
        self.api = api
        self.funnel = funnel
        self.stages = stages

    async def _otp(self, path: str, params: dict[str, str]) -> str:
        messages = data(await self.api.call("GET", path, params=params))["messages"]
        if not messages:
            raise SimulationError(f"no OTP in {path} for a person who was just sent one")
        return str(messages[0]["otp"])

    async def register(self, person: Person) -> None:
        """Account, e-mail, phone, identity and selfie, as far as the person goes."""
        row, choices = person.row, person.choices
        answer = await self.api.call(
            "POST",
            CREATE_ACCOUNT.path,
            json={"email": row["email"], "phone": row["phone"], "password": PASSWORD},
        )
        if error_code(answer) == err.ACCOUNT_EXISTS.code:
            person.stage = "SKIPPED"
            self.funnel.count("already_registered")
            return
        person.token = data(answer)["access_token"]
        person.stage = "REGISTERED"
        self.funnel.count("registered")
        if not choices.verifies_email:
            return
        otp = await self._otp(MAIL_INBOX.path, {"email": row["email"]})
        await self._verify(person, "email", otp)
        self.funnel.count("email_verified")
        if not choices.verifies_phone:
            return
        otp = await self._otp(SMS_INBOX.path, {"phone_number": row["phone"]})
        await self._verify(person, "phone", otp)
        self.funnel.count("phone_verified")
        if not choices.submits_identity:
            return
        if person.level > 0:
            person.ready = True  # submits once the people before them have their verdict
            return
        await self.submit(person)

    async def submit(self, person: Person) -> None:
        """Identity and selfie, as the person's row declares them."""
        row = person.row
        data(
            await self.api.call(
                "POST", SUBMIT_IDENTITY.path, json=identity_of(row), headers=person.auth()
            )
        )
        submitted = data(
            await self.api.call(
                "POST",
                SUBMIT_SELFIE.path,
                json={"liveness_token": row["selfie"]},
                headers=person.auth(),
            )
        )
        person.stage = submitted["stage"]
        self.funnel.count("identity_submitted")

    async def _verify(self, person: Person, channel: str, otp: str) -> None:
        data(
            await self.api.call(
                "POST",
                VERIFY_CONTACT.path,
                json={"channel": channel, "otp": otp},
                headers=person.auth(),
            )
        )

    async def status(self, person: Person) -> None:
        """Read the person's stage and reason."""
        status = data(await self.api.call("GET", REGISTRATION_STATUS.path, headers=person.auth()))
        person.stage, person.reason = status["stage"], status["reason"]

    async def await_verdicts(self, people: list[Person]) -> None:
        """Poll until every submitted person is ELIGIBLE or INELIGIBLE (bounded); count them."""
        await self.until_final("Verification verdicts", people)
        for person in people:
            if person.stage == "ELIGIBLE":
                self.funnel.count("eligible")
            else:
                self.funnel.count("ineligible")
                self.funnel.reasons[person.reason or "UNKNOWN"] += 1

    async def until_final(self, name: str, people: list[Person]) -> None:
        """Poll until every one of ``people`` (all submitted) has a verdict (bounded)."""
        waiting = [p for p in people if p.stage not in FINAL]
        task = self.stages.progress.add_task(name, total=len(people))
        self.stages.progress.advance(task, len(people) - len(waiting))
        deadline = time.monotonic() + 60 + VERDICT_TIMEOUT_PER_PERSON * len(people)
        started = time.monotonic()
        limit = asyncio.Semaphore(self.stages.concurrency)

        async def poll(person: Person) -> None:
            async with limit:
                await self.status(person)
            if person.stage in FINAL:
                self.stages.progress.advance(task)

        while waiting:
            await asyncio.sleep(POLL_SECONDS)
            await asyncio.gather(*(poll(p) for p in waiting))
            waiting = [p for p in waiting if p.stage not in FINAL]
            if waiting and time.monotonic() > deadline:
                raise SimulationError(
                    f"{len(waiting)} applicants still have no verdict: is the sandbox's worker "
                    "running and can it reach the government sources?"
                )
        self.stages.ended(name, len(people), started)

    async def submit_in_order(self, people: list[Person]) -> None:
        """Level by level, those who wait submit once everyone they wait for has a verdict."""
        for level in range(1, max((p.level for p in people), default=0) + 1):
            group = [p for p in people if p.level == level and p.ready]
            if not group:
                continue
            before = {id(q): q for p in group for q in p.after if q.stage in ("VERIFYING", *FINAL)}
            await self.until_final("Verdicts that related people wait for", [*before.values()])
            await self.stages.each("Identity after a relative's verdict", group, self.submit)

    async def join(self, person: Person) -> None:
        """Join the open wave."""
        data(await self.api.call("POST", JOIN_WAVE.path, headers=person.auth()))
        person.stage = "JOINED"
        self.funnel.count("joined")

    async def outcome(self, person: Person) -> None:
        """After the draw: selected (with the card from the dashboard) or not."""
        await self.status(person)
        if person.stage == "BENEFICIARY":
            dashboard = data(await self.api.call("GET", DASHBOARD.path, headers=person.auth()))
            card = dashboard["card"]
            if card is None:
                raise SimulationError("a beneficiary's dashboard shows no card")
            person.card_number, person.balance = card["card_number"], int(card["balance"])
            self.funnel.count("selected")
        elif person.stage == "NOT_SELECTED":
            self.funnel.count("not_selected")
        else:
            raise SimulationError(f"after the draw a joiner is {person.stage}")


async def registration_and_draw(
    *,
    api: Api,
    office: Office,
    population: Path,
    settings: Settings,
    funnel: Funnel,
    stages: Stages,
) -> list[Person]:
    """Open the wave, register the people, wait for verdicts, join, draw; the selected."""
    funnel.wave_code = await office.open_wave(settings)
    registration = Registration(api, funnel, stages)
    pool = iter(candidates(population, settings.seed))
    people: list[Person] = []
    taken: list[Person] = []  # in the seeded order, skipped ones too
    precedence = Precedence()
    wanted = settings.people
    funnel.count("people", 0)
    while wanted > 0:
        batch = []
        for row in _take(pool, wanted):
            after, level = precedence.add(row)
            person = Person(row, decide(settings.rates, settings.seed, row["nik"]), level=level)
            person.after = [taken[i] for i in after]
            taken.append(person)
            batch.append(person)
        if not batch:
            funnel.notes.append(
                f"the population ran out: {len(people)} new people, not {settings.people}"
            )
            break
        await stages.each("Registration", batch, registration.register)
        fresh = [p for p in batch if p.stage != "SKIPPED"]
        people += fresh
        wanted -= len(fresh)
    funnel.count("people", len(people))
    await registration.submit_in_order(people)
    submitted = [p for p in people if p.stage in ("VERIFYING", *FINAL)]
    await registration.await_verdicts(submitted)
    joining = [p for p in submitted if p.stage == "ELIGIBLE" and p.choices.joins_wave]
    await stages.each("Joining the wave", joining, registration.join)
    drawn = await office.close_and_draw(funnel.wave_code)
    funnel.notes.append(
        f"wave {funnel.wave_code}: quota {settings.wave_quota}, {drawn['eligible_joiners']} in "
        f"the draw (earlier waves' roll-overs included), {drawn['winners']} winners"
    )
    await stages.each("Lottery results", joining, registration.outcome)
    return [p for p in joining if p.stage == "BENEFICIARY"]


def _take(pool: Iterable[dict[str, str]], n: int) -> list[dict[str, str]]:
    taken: list[dict[str, str]] = []
    for row in pool:
        taken.append(row)
        if len(taken) == n:
            break
    return taken
