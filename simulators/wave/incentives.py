"""The last part of a wave: those who finished and reviewed link a bank account or e-wallet and
are paid their incentives, then answer the evaluation surveys and are paid for each.

A person knows their own accounts: the payment-partner simulators' records are drawn from the
same population file and seed (``simulators.payment.accounts.holdings``), so the simulated person
links the account they really hold there — after opening an e-wallet in its app when they hold
none (28% of beneficiaries), or upgrading a basic e-wallet to verified when Prakerja refuses it.
The office runs the due-payment job as if months had passed; the payments go out through the
sandbox's outbox to the partners, whose callbacks settle them. Over HTTP only.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contract import errors as err
from contract.endpoints import (
    ANSWER_SURVEY,
    CONFIRM_LINK,
    INCENTIVES,
    LINK_ACCOUNT,
    RUN_DUE,
    SMS_INBOX,
    SURVEYS,
)
from contract.incentives import IncentivesData, PayoutState, StepStatus, SurveysData
from contract.partner_app import KYC_UPGRADE_PATH, OPEN_ACCOUNT_PATH
from contract.payouts import AccountType
from simulators.payment.accounts import Holding, holdings
from simulators.payment.launch import DEFAULT_SEED as PAYMENT_SEED
from simulators.payment.partners import BY_INSTANCE
from simulators.population.reader import Person as Resident
from simulators.population.reader import read_population
from simulators.wave.driver import Office, Person, Stages
from simulators.wave.ecosystem import Ecosystem, Instance
from simulators.wave.funnel import Funnel
from simulators.wave.http import Api, SimulationError, data, error_code

SETTLE_TIMEOUT = 180.0  # seconds in which no payment settled: the payments are stuck
POLL_SECONDS = 1.0
# Months of the longest schedule, and a day more, so that every monthly payment is due.
AHEAD = timedelta(days=4 * 31 + 1)
FINAL = (StepStatus.PAID, StepStatus.FAILED)


def answers_for(survey: dict[str, Any], pick: int) -> dict[str, Any]:
    """A person's answers to every question of a survey."""
    answers: dict[str, Any] = {}
    for n, question in enumerate(survey["questions"]):
        kind = question["kind"]
        if kind == "choice":
            options = question["options"]
            answers[question["question_id"]] = options[(pick + n) % len(options)]
        elif kind == "rating":
            answers[question["question_id"]] = 4 + (pick + n) % 2
        else:
            answers[question["question_id"]] = "Pelatihan membantu saya mencari pekerjaan."
    return answers


class Payouts:
    """Linking, the due-payment runs, the surveys, and what the partners say they paid."""

    def __init__(
        self,
        api: Api,
        office: Office,
        funnel: Funnel,
        stages: Stages,
        ecosystem: Ecosystem,
    ) -> None:
        self.api = api
        self.office = office
        self.funnel = funnel
        self.stages = stages
        self.partners = {i.instance: i for i in ecosystem.of_kind("payment-partner")}
        self.population = Path(ecosystem.population)
        self.residents: dict[str, tuple[int, Resident]] = {}

    def learn_accounts(self, people: list[Person]) -> None:
        """Who among ``people`` holds what (their lines of the population file)."""
        wanted = {p.nik for p in people}
        for index, resident in enumerate(read_population(self.population)):
            if resident.nik in wanted:
                self.residents[resident.nik] = (index, resident)

    def _holding(self, person: Person) -> Holding | None:
        found = self.residents.get(person.nik)
        return None if found is None else holdings(found[0], found[1], PAYMENT_SEED)

    # --- linking ---------------------------------------------------------------------------

    async def link(self, person: Person) -> None:
        """Link the account the person holds (opening or upgrading one when needed)."""
        if not person.facts.get("reviewed") or not person.choices.links_account:
            return
        holding = self._holding(person)
        if holding is None or holding.choice not in self.partners:
            return
        partner = self.partners[holding.choice]
        account = holding.chosen
        row = person.row
        if account is None:  # no account anywhere: open one at the partner they chose
            opened = data(
                await self.api.call(
                    "POST",
                    partner.url + OPEN_ACCOUNT_PATH,
                    json={"phone": row["phone"], "name": row["name"], "nik": row["nik"]}
                    if BY_INSTANCE[partner.instance].is_bank
                    else {"phone": row["phone"], "name": row["declared_name"]},
                )
            )
            account_type, number = AccountType(opened["account_type"]), opened["account_number"]
            self.funnel.count("opened_account")
            if account_type is AccountType.EWALLET and not await self._upgrade(partner, person):
                self.funnel.count("link_refused")
                return
        else:
            account_type, number = account.account_type, account.number
        answer = await self._ask_link(person, partner.client_code, account_type, number)
        code = error_code(answer)
        if code == err.INC_KYC_NOT_VERIFIED.code and account_type is AccountType.EWALLET:
            self.funnel.count("link_refused")
            self.funnel.problems["link refused: e-wallet not verified, upgraded"] += 1
            if not await self._upgrade(partner, person):
                return
            answer = await self._ask_link(person, partner.client_code, account_type, number)
            code = error_code(answer)
        if code is not None:
            self.funnel.count("link_refused")
            self.funnel.problems[f"link refused: {code}"] += 1
            return
        link = data(answer)
        otp = await self._latest_otp(person)
        confirmed = data(
            await self.api.call(
                "POST",
                CONFIRM_LINK.path,
                json={"link_id": link["link_id"], "otp": otp},
                headers=person.auth(),
            )
        )
        if confirmed["status"] != "ACTIVE":
            raise SimulationError(f"a confirmed link is {confirmed['status']}")
        person.facts["linked"] = partner.instance
        self.funnel.count("linked")

    async def _ask_link(
        self, person: Person, partner_code: str | None, kind: AccountType, number: str
    ) -> Any:
        return await self.api.call(
            "POST",
            LINK_ACCOUNT.path,
            json={
                "partner_code": partner_code,
                "account_type": kind.value,
                "account_number": number,
            },
            headers=person.auth(),
        )

    async def _upgrade(self, partner: Instance, person: Person) -> bool:
        """Verify the person's e-wallet in the partner's app; False when the partner refuses
        (e.g. ``ERRAPP40901``: their NIK already verifies another wallet there, as when someone
        else registered with it): the person then links nothing, and the funnel says why."""
        row = person.row
        answer = await self.api.call(
            "POST",
            partner.url + KYC_UPGRADE_PATH,
            json={"phone": row["phone"], "nik": row["nik"], "name": row["name"]},
        )
        code = error_code(answer)
        if code is None:
            data(answer)  # anything but a success envelope stops the run
            return True
        self.funnel.problems[f"e-wallet verification refused by {partner.instance}: {code}"] += 1
        return False

    async def _latest_otp(self, person: Person) -> str:
        messages = data(
            await self.api.call("GET", SMS_INBOX.path, params={"phone_number": person.row["phone"]})
        )["messages"]
        if not messages:
            raise SimulationError("a link awaits an OTP that never reached the SMS inbox")
        return str(messages[0]["otp"])

    # --- being paid ------------------------------------------------------------------------

    async def run_due(self, extra: timedelta = timedelta()) -> None:
        """The daily job, as if the whole schedule had come due."""
        as_of = (datetime.now(UTC) + AHEAD + extra).replace(microsecond=0)
        await self.office.post(RUN_DUE.path, {"as_of": as_of.isoformat()})

    async def incentives(self, person: Person) -> IncentivesData:
        """The person's schedule and history."""
        return IncentivesData.model_validate(
            data(await self.api.call("GET", INCENTIVES.path, headers=person.auth()))
        )

    async def settle(self, people: list[Person], kind: str, name: str) -> None:
        """Wait (bounded) until every scheduled payment of ``kind`` is final for ``people``."""
        task = self.stages.progress.add_task(name, total=len(people))
        waiting = list(people)
        deadline = time.monotonic() + SETTLE_TIMEOUT
        started = time.monotonic()
        settled_before = -1
        while waiting:
            still: list[Person] = []
            settled = 0  # payments final so far, of those still waiting
            for person in waiting:
                view = await self.incentives(person)
                person.facts["incentives"] = view
                steps = [s for s in view.schedule if s.kind == kind]
                if all(s.status in FINAL or s.status is StepStatus.WAITING for s in steps):
                    self.stages.progress.advance(task)
                else:
                    still.append(person)
                    settled += sum(s.status in FINAL for s in steps)
            if len(still) < len(waiting) or settled > settled_before:
                deadline = time.monotonic() + SETTLE_TIMEOUT  # progress: a big wave takes long
            settled_before = settled
            waiting = still
            if waiting:
                if time.monotonic() > deadline:
                    raise SimulationError(
                        f"{len(waiting)} people still have {kind} payments in flight and none "
                        f"settled in {SETTLE_TIMEOUT:.0f} s: are the sandbox's worker and the payment "
                        "partners running?"
                    )
                await asyncio.sleep(POLL_SECONDS)
        self.stages.ended(name, len(people), started)

    async def answer_surveys(self, person: Person) -> None:
        """Answer every open survey (if the person answers surveys at all)."""
        if not person.choices.answers_survey:
            return
        surveys = SurveysData.model_validate(
            data(await self.api.call("GET", SURVEYS.path, headers=person.auth()))
        )
        for survey in surveys.surveys:
            if survey.status != "open":
                continue
            body = {
                "survey_code": survey.survey_code,
                "answers": answers_for(survey.model_dump(mode="json"), person.choices.pick),
            }
            data(await self.api.call("POST", ANSWER_SURVEY.path, json=body, headers=person.auth()))

    def count(self, people: list[Person]) -> None:
        """The funnel's payment steps and money, from each person's own history."""
        for person in people:
            view: IncentivesData | None = person.facts.get("incentives")
            if view is None:
                continue
            paid = [d for d in view.history if d.status is PayoutState.PAID]
            incentives = [d for d in paid if d.kind == "incentive"]
            surveys = [d for d in paid if d.kind == "survey"]
            steps = [s for s in view.schedule if s.kind == "incentive"]
            if incentives:
                self.funnel.count("incentive_paid")
            if steps and all(s.status is StepStatus.PAID for s in steps):
                self.funnel.count("fully_paid")
            if surveys:
                self.funnel.count("surveys_paid")
            self.funnel.money["incentives paid"] += sum(d.amount for d in incentives)
            self.funnel.money["survey incentives paid"] += sum(d.amount for d in surveys)

    async def partners_paid(self) -> dict[str, tuple[int, int]]:
        """What every payment partner says it paid: disbursement id → (credits, rupiah)."""
        paid: dict[str, tuple[int, int]] = {}
        for partner in self.partners.values():
            answer = await self.api.call("GET", f"{partner.url}/_sim/paid")
            for key, item in answer.json()["disbursements"].items():
                paid[key] = (int(item["count"]), int(item["total"]))
        return paid


def check_payouts(funnel: Funnel, people: list[Person], paid: dict[str, tuple[int, int]]) -> None:
    """Every step paid at most once, and the money people see is the money the partners paid."""
    made = [
        (person, d)
        for person in people
        if (view := person.facts.get("incentives")) is not None
        for d in view.history
        if d.status is PayoutState.PAID
    ]
    ours = [d for _, d in made]
    steps = [(person.nik, d.kind, d.step) for person, d in made]
    funnel.check(
        "every payment step paid at most once",
        len(steps) == len(set(steps)),
        f"{len(steps):,} payments made",
    )
    seen = sum(d.amount for d in ours)
    credited = sum(paid.get(d.disbursement_id, (0, 0))[1] for d in ours)
    twice = sum(1 for d in ours if paid.get(d.disbursement_id, (0, 0))[0] > 1)
    funnel.check(
        "the partners paid exactly what the beneficiaries see",
        seen == credited and twice == 0,
        f"Rp{seen:,} in Prakerja's history, Rp{credited:,} credited by the partners, "
        f"{twice} credited twice",
    )
    failed = [
        d for person in people if (view := person.facts.get("incentives")) for d in view.history
        if d.status is PayoutState.FAILED
    ]  # fmt: skip
    for d in failed:
        funnel.problems[f"payment failed: {d.failure_code}"] += 1
    unsettled = [
        person
        for person in people
        if (view := person.facts.get("incentives")) is None
        or any(s.status not in (*FINAL, StepStatus.WAITING) for s in view.schedule)
    ]
    funnel.check(
        "every payment sent became final",
        not unsettled,
        f"{len(unsettled)} beneficiaries with a payment still in flight",
    )
