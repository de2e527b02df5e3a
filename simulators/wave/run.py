"""One simulated wave from start to end: the stages in order, then the rules checked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from simulators.wave.driver import (
    NoProgress,
    Office,
    Person,
    Progress,
    Settings,
    Stages,
    registration_and_draw,
)
from simulators.wave.ecosystem import Ecosystem
from simulators.wave.funnel import STEPS, Funnel
from simulators.wave.http import Api, Signer
from simulators.wave.incentives import Payouts, check_payouts
from simulators.wave.journey import Journey, Market, check_journey

# Steps that are a subset of the one before them (branches excluded).
_CHAIN = [key for key, _ in STEPS]


def check_funnel(funnel: Funnel, settings: Settings, selected: list[Person]) -> None:
    """The rules every run must satisfy, whatever the seed."""
    counts = funnel.counts
    shrinking = all(
        counts[later] <= counts[earlier]
        for earlier, later in zip(_CHAIN, _CHAIN[1:], strict=False)
        if earlier in counts and later in counts
    )
    funnel.check("each step at most the one before", shrinking, "people only drop out")
    verdicts = counts["eligible"] + counts["ineligible"]
    funnel.check(
        "every submission got a verdict",
        verdicts == counts["identity_submitted"],
        f"{verdicts:,} verdicts for {counts['identity_submitted']:,} submissions",
    )
    funnel.check(
        "the lottery kept to its quota",
        counts["selected"] <= settings.wave_quota,
        f"{counts['selected']:,} of ours selected, quota {settings.wave_quota:,}",
    )
    funnel.check(
        "every joiner has the lottery's answer",
        counts["selected"] + counts["not_selected"] == counts["joined"],
        f"{counts['selected']:,} selected + {counts['not_selected']:,} not = "
        f"{counts['joined']:,} joined",
    )
    funnel.check(
        "every card carries a training balance",
        all(p.card_number and p.balance > 0 for p in selected),
        f"{len(selected):,} cards",
    )


async def simulate(
    ecosystem: Ecosystem,
    settings: Settings,
    progress: Progress | None = None,
    announce: Callable[[str], None] | None = None,
) -> Funnel:
    """Run the wave against the sandbox ``ecosystem`` describes; the funnel it reached
    (``announce``: a line as each stage ends)."""
    funnel = Funnel(seed=settings.seed, people=settings.people, scheme=settings.scheme)
    api = Api(ecosystem.sandbox_url, concurrency=settings.concurrency)
    stages = Stages(funnel, progress or NoProgress(), settings.concurrency, announce)
    office = Office(api, Signer(ecosystem.pmo_client_code, ecosystem.pmo_sign_key))
    try:
        selected = await registration_and_draw(
            api=api,
            office=office,
            population=_population(ecosystem),
            settings=settings,
            funnel=funnel,
            stages=stages,
        )
        check_funnel(funnel, settings, selected)
        platforms = [i.url for i in ecosystem.of_kind("digital-platform")]
        if platforms:
            market = Market(api, platforms)
            await market.open()
            journey = Journey(api, office, funnel, stages, market)
            await stages.each("Buying a course", selected, journey.buy)
            bought = [p for p in selected if p.facts.get("transaction_code")]
            await stages.each("Learning", bought, journey.learn)
            await stages.each("Reviews", bought, journey.review)
            if ecosystem.of_kind("job-portal"):
                await stages.each("Job recommendations", bought, journey.look_for_work)
            await journey.deadline_passes(selected)
            check_journey(funnel, selected)
            if ecosystem.of_kind("payment-partner"):
                await pay_incentives(api, office, funnel, stages, ecosystem, bought)
        else:
            funnel.notes.append("the sandbox runs no digital platform: the wave ends at the draw")
    finally:
        funnel.requests, funnel.retries = api.requests, api.retries
        await api.close()
    return funnel


async def pay_incentives(
    api: Api,
    office: Office,
    funnel: Funnel,
    stages: Stages,
    ecosystem: Ecosystem,
    bought: list[Person],
) -> None:
    """Link accounts, run the due payments, answer the surveys, and check the money."""
    payouts = Payouts(api, office, funnel, stages, ecosystem)
    reviewed = [p for p in bought if p.facts.get("reviewed")]
    payouts.learn_accounts(reviewed)
    await stages.each("Linking an account", reviewed, payouts.link)
    linked = [p for p in reviewed if p.facts.get("linked")]
    await payouts.run_due()
    await payouts.settle(linked, "incentive", "Incentive payments")
    await stages.each("Evaluation surveys", linked, payouts.answer_surveys)
    await payouts.run_due(timedelta(days=1))
    await payouts.settle(linked, "survey", "Survey payments")
    payouts.count(linked)
    check_payouts(funnel, linked, await payouts.partners_paid())


def _population(ecosystem: Ecosystem) -> Path:
    return Path(ecosystem.population)
