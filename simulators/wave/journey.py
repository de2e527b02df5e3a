"""After the draw: the selected buy a course on a digital platform, learn at its training
provider, finish, review it; those who never buy lose their card at the deadline.

The people act as a browser would, on the partner simulators' buyer-side APIs
(``contract/buyer.py``): a platform's storefront and checkout (the OTP read from the sandbox SMS
inbox, as the buyer reads the SMS), a provider's classroom (every stage verified on Prakerja's
own page, which sends the browser back to the provider). Reviews are the beneficiary's own call
on the registration surface. Over HTTP only.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from contract.buyer import (
    BuyerReason,
    Checkout,
    CheckoutStatus,
    Enrolment,
    Failure,
    Invoice,
    ShopCourse,
    Storefront,
)
from contract.catalogue import CatalogueCourse, CatalogueData
from contract.endpoints import (
    CATALOGUE_COURSES,
    RECOMMENDATIONS,
    REGISTRATION_STATUS,
    REVOKE_EXPIRED,
    SMS_INBOX,
    SUBMIT_REVIEW,
)
from contract.jobs import MatchReason, RecommendationsData
from contract.registration import Education
from simulators.wave.driver import Office, Person, Stages
from simulators.wave.funnel import Funnel
from simulators.wave.http import Api, SimulationError, data

MAX_STEPS = 40  # stages of the longest course (10 sessions, assignments, post-test) and some
# A refusal that another course (or a fresh look at the storefront) may avoid: the buyer tries
# again, a few times, as a person would pick another course they may take.
RETRYABLE = frozenset(
    {
        BuyerReason.SOLD_OUT,
        BuyerReason.PRICE_CHANGED,
        BuyerReason.TRAINING_STARTED,
        BuyerReason.NOT_ELIGIBLE,
    }
)
ATTEMPTS = 6
# Prakerja asked the partner to wait, or gave it no answer: the person waits and asks for the same
# thing again (the same course, the same step), up to PATIENCE times in a row. Nothing about the
# purchase or the course changes, so a loaded sandbox gives the same numbers as a quiet one.
TRANSIENT = frozenset({BuyerReason.BUSY, BuyerReason.UNAVAILABLE})
PATIENCE = 12
LONGEST_PAUSE = 20.0
REVIEWS = (
    "Materinya jelas dan langsung bisa dipraktikkan.",
    "Instruktur ramah, contoh soalnya membantu sekali.",
    "Pelatihan yang bermanfaat untuk mencari kerja.",
)
_FORM_ACTION = re.compile(r'<form method="post"')


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        raise SimulationError(
            f"{response.request.method} {response.request.url} → {response.status_code}: "
            f"{response.text[:300]}"
        ) from None


EDUCATION_ORDER = [level.value for level in Education]


def transient(failure: Failure | None) -> bool:
    """Whether the failure is Prakerja being busy or out of reach (worth waiting out)."""
    return failure is not None and failure.reason in TRANSIENT


def pause(failure: Failure, waited: int) -> float:
    """Seconds to wait before the next try: Prakerja's Retry-After, else doubling from 0.5 s."""
    if failure.retry_after is not None:
        return min(float(failure.retry_after), LONGEST_PAUSE)
    return min(0.5 * float(2**waited), LONGEST_PAUSE)


def age_on(birth_date: str, today: date) -> int:
    """Completed years on ``today``."""
    born = date.fromisoformat(birth_date)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class Market:
    """The digital platforms' storefronts, and what the unified catalogue says each course asks
    of its participants (age, education), as the simulated people see them."""

    def __init__(self, api: Api, platform_urls: Sequence[str]) -> None:
        if not platform_urls:
            raise SimulationError("the sandbox runs no digital platform simulator")
        self.api = api
        self.urls = list(platform_urls)
        self.shelves: dict[str, list[ShopCourse]] = {}
        self.requirements: dict[str, CatalogueCourse] = {}

    async def open(self) -> None:
        """Read the catalogue's rules and every storefront afresh, as the buying starts."""
        await self.read_catalogue()
        for url in self.urls:
            await self.stock(url, fresh=True)

    async def read_catalogue(self) -> None:
        """Every course of the public catalogue, page by page."""
        page = 1
        while True:
            listing = CatalogueData.model_validate(
                data(
                    await self.api.call(
                        "GET", CATALOGUE_COURSES.path, params={"page": page, "per_page": 100}
                    )
                )
            )
            self.requirements.update({c.course_code: c for c in listing.courses})
            if page * listing.per_page >= listing.total or not listing.courses:
                return
            page += 1

    def may_take(self, course: ShopCourse, person: Person, today: date) -> bool:
        """The catalogue's age and education rules, as the person reads them."""
        rules = self.requirements.get(course.course_code)
        if rules is None:
            return True
        age = age_on(person.row["birth_date"], today)
        education = EDUCATION_ORDER.index(person.row["education"])
        return (
            age >= rules.min_age
            and (rules.max_age is None or age <= rules.max_age)
            and education >= EDUCATION_ORDER.index(rules.min_education.value)
        )

    async def stock(self, url: str, *, fresh: bool = False) -> list[ShopCourse]:
        """What a platform sells that a person can take somewhere (courses of known providers
        with an open schedule)."""
        if fresh or url not in self.shelves:
            params = {"fresh": "true"} if fresh else {}
            front = Storefront.model_validate(
                _json(await self.api.call("GET", f"{url}/courses", params=params))
            )
            self.shelves[url] = [
                c
                for c in front.courses
                if c.provider_url and any(s.seats_left > 0 for s in c.schedules)
            ]
        return self.shelves[url]


class Journey:
    """The selected people's steps after the draw."""

    def __init__(
        self, api: Api, office: Office, funnel: Funnel, stages: Stages, market: Market
    ) -> None:
        self.api = api
        self.office = office
        self.funnel = funnel
        self.stages = stages
        self.market = market

    # --- buying ----------------------------------------------------------------------------

    async def buy(self, person: Person) -> None:
        """Choose a platform and a course within the balance, check out, pay with the OTP."""
        if not person.choices.buys_course:
            return
        pick = person.choices.pick
        url = self.market.urls[pick % len(self.market.urls)]
        attempt = waited = 0
        while attempt < ATTEMPTS:
            today = datetime.now(UTC).date()
            shelf = [
                c
                for c in await self.market.stock(url, fresh=attempt > 0)
                if c.price <= person.balance and self.market.may_take(c, person, today)
            ]
            if not shelf and attempt == 0:
                attempt += 1  # the storefront may predate the latest curation: reload it
                continue
            if not shelf:
                self._failed(person, "no course they may take within the balance")
                return
            course = shelf[(pick // len(self.market.urls) + attempt) % len(shelf)]
            schedule = next(s for s in course.schedules if s.seats_left > 0)
            checkout = Checkout.model_validate(
                _json(
                    await self.api.call(
                        "POST",
                        f"{url}/checkouts",
                        json={
                            "prakerja_id": person.card_number,
                            "course_code": course.course_code,
                            "schedule_code": schedule.schedule_code,
                        },
                    )
                )
            )
            paying = checkout.status is CheckoutStatus.AWAITING_OTP
            if paying:
                checkout = await self._pay(url, person, checkout)
                if checkout.status is CheckoutStatus.PAID and checkout.invoice is not None:
                    self._bought(person, checkout.invoice)
                    return
            failure = checkout.failure
            if failure is not None and transient(failure) and waited < PATIENCE:
                await self._wait_out(failure, waited)
                waited += 1
                continue  # the same course again: only Prakerja's answer was missing
            waited = 0
            attempt += 1
            why = failure.reason.value if failure else checkout.status.value
            if paying:
                self._failed(person, why)  # the payment failed: another checkout may not
            elif failure is None or failure.reason not in RETRYABLE:
                self._failed(person, why)
                return
        self._failed(person, f"refused {ATTEMPTS} times (last: not eligible, sold out…)")

    def _failed(self, person: Person, why: str) -> None:
        person.facts["buy_failure"] = why
        self.funnel.problems[f"purchase failed: {why}"] += 1

    async def _wait_out(self, failure: Failure, waited: int) -> None:
        """Wait as Prakerja asked (or a doubling pause), counted among the run's retries."""
        self.api.retries += 1
        await asyncio.sleep(pause(failure, waited))

    async def _pay(self, url: str, person: Person, checkout: Checkout) -> Checkout:
        """Type the OTP from the SMS inbox; the checkout as it then stands."""
        messages = data(
            await self.api.call("GET", SMS_INBOX.path, params={"prakerja_id": person.card_number})
        )["messages"]
        if not messages:
            raise SimulationError("a checkout awaits an OTP that never reached the SMS inbox")
        return Checkout.model_validate(
            _json(
                await self.api.call(
                    "POST",
                    f"{url}/checkouts/{checkout.checkout_id}/otp",
                    json={"otp": messages[0]["otp"]},
                )
            )
        )

    def _bought(self, person: Person, invoice: Invoice) -> None:
        person.facts.update(
            transaction_code=invoice.transaction_code,
            redeem_code=invoice.redeem_code,
            provider_url=invoice.provider_url,
            course_code=invoice.course_code,
            amount=invoice.amount,
        )
        self.funnel.count("bought")
        self.funnel.money["training purchases"] += invoice.amount

    # --- learning --------------------------------------------------------------------------

    async def learn(self, person: Person) -> None:
        """Redeem at the provider and walk its stages; most finish, a few drop out before the
        post-test."""
        provider, code = person.facts.get("provider_url"), person.facts.get("redeem_code")
        if not provider or not code:
            return
        enrolment = Enrolment.model_validate(
            _json(
                await self.api.call(
                    "POST",
                    f"{provider}/enrolments",
                    json={"redeem_code": code, "email": person.row["email"]},
                )
            )
        )
        redeemed = False
        waited = 0
        for _ in range(MAX_STEPS + PATIENCE):
            step = enrolment.next
            if step.action == "done":
                break
            failure = enrolment.failure
            if failure is not None and transient(failure) and waited < PATIENCE:
                await self._wait_out(failure, waited)  # then the step the provider says is next
                waited += 1
            elif failure is None:
                waited = 0
            elif step.action != "verify":
                raise SimulationError(
                    f"the provider refused a step: {failure.reason.value} ({failure.prakerja_code})"
                )
            if step.action == "verify":
                if step.verification_url is None:
                    raise SimulationError("a verify step without a verification URL")
                enrolment = await self._verify(step.verification_url)
                if not redeemed and any(s.sequence == 1 and s.verified for s in enrolment.stages):
                    redeemed = True
                    self.funnel.count("redeemed")
                continue
            if step.action == "post_test" and not person.choices.finishes_course:
                person.facts["dropped_out"] = True
                return
            path = {"attend": "attend", "assignment": "assignments", "post_test": "post-test"}.get(
                step.action
            )
            if path is None:
                raise SimulationError(f"unknown next step {step.action!r}")
            enrolment = Enrolment.model_validate(
                _json(await self.api.call("POST", f"{provider}/enrolments/{code}/{path}"))
            )
        else:
            raise SimulationError(f"{code} did not finish in {MAX_STEPS} steps")
        if not any(s.sequence == 999 and s.verified for s in enrolment.stages):
            raise SimulationError(f"{code} is done without a verified post-test")
        person.facts["finished"] = True
        self.funnel.count("finished")
        if enrolment.certificate is not None:
            person.facts["certificate"] = enrolment.certificate.number
            self.funnel.count("certified")

    async def _verify(self, page: str) -> Enrolment:
        """Open Prakerja's verification page and approve; the browser lands on the provider."""
        shown = await self.api.call("GET", page)
        if shown.status_code != 200 or not _FORM_ACTION.search(shown.text):
            raise SimulationError(f"the verification page answered {shown.status_code}")
        answered = await self.api.call(
            "POST", page, data={"action": "approve"}, follow_redirects=True
        )
        return Enrolment.model_validate(_json(answered))

    # --- reviewing -------------------------------------------------------------------------

    async def review(self, person: Person) -> None:
        """Rate and review the finished course on the registration surface."""
        if not person.facts.get("finished") or not person.choices.reviews_course:
            return
        body = {
            "transaction_code": person.facts["transaction_code"],
            "rating": person.choices.rating,
            "review": REVIEWS[person.choices.pick % len(REVIEWS)],
        }
        data(await self.api.call("POST", SUBMIT_REVIEW.path, json=body, headers=person.auth()))
        person.facts["reviewed"] = True
        self.funnel.count("reviewed")

    # --- looking for work ------------------------------------------------------------------

    async def look_for_work(self, person: Person) -> None:
        """Ask for job recommendations; count those the finished course shaped."""
        if not person.facts.get("finished"):
            return
        answer = RecommendationsData.model_validate(
            data(await self.api.call("GET", RECOMMENDATIONS.path, headers=person.auth()))
        )
        if answer.recommendations:
            self.funnel.count("recommended_jobs")
        if any(MatchReason.COURSE_INDUSTRY in r.reasons for r in answer.recommendations):
            self.funnel.count("recommended_by_course")

    # --- the deadline ----------------------------------------------------------------------

    async def deadline_passes(self, selected: list[Person], days: int = 31) -> None:
        """Run the daily revoke job as if ``days`` had passed; count who lost their card."""
        as_of = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
        await self.office.post(REVOKE_EXPIRED.path, {"as_of": as_of.isoformat()})

        async def status(person: Person) -> None:
            answer = data(
                await self.api.call("GET", REGISTRATION_STATUS.path, headers=person.auth())
            )
            person.stage = answer["stage"]
            if person.stage == "REVOKED":
                self.funnel.count("revoked")

        await self.stages.each("The purchase deadline", selected, status)


def check_journey(funnel: Funnel, selected: list[Person]) -> None:
    """The rules of the part after the draw."""
    bought = [p for p in selected if p.facts.get("transaction_code")]
    revoked = [p for p in selected if p.stage == "REVOKED"]
    funnel.check(
        "no one buys without a card",
        all(p.card_number for p in bought),
        f"{len(bought):,} purchases, each by a card holder",
    )
    funnel.check(
        "revoked people never finish",
        not any(p.facts.get("finished") for p in revoked),
        f"{len(revoked):,} revoked, none of them finished",
    )
    funnel.check(
        "a card is revoked exactly when no course was bought",
        {id(p) for p in revoked} == {id(p) for p in selected if p not in bought},
        f"{len(revoked):,} revoked, {len(selected) - len(bought):,} never bought",
    )
    funnel.check(
        "every review is of a finished course",
        all(p.facts.get("finished") for p in selected if p.facts.get("reviewed")),
        f"{funnel.counts['reviewed']:,} reviews",
    )
