"""After the draw: the selected buy a course on a digital platform, learn at its training
provider, finish, review it; those who never buy lose their card at the deadline.

The people act as a browser would, on the partner simulators' buyer-side APIs
(``contract/buyer.py``): a platform's storefront and checkout (the OTP read from the sandbox SMS
inbox, as the buyer reads the SMS), a provider's classroom (every stage verified on Prakerja's
own page, which sends the browser back to the provider). Reviews are the beneficiary's own call
on the registration surface. Over HTTP only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from contract.buyer import (
    BuyerReason,
    Checkout,
    CheckoutStatus,
    Enrolment,
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
        for attempt in range(ATTEMPTS):
            today = datetime.now(UTC).date()
            shelf = [
                c
                for c in await self.market.stock(url, fresh=attempt > 0)
                if c.price <= person.balance and self.market.may_take(c, person, today)
            ]
            if not shelf and attempt == 0:
                continue  # the storefront may predate the latest curation: reload it
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
            if checkout.status is CheckoutStatus.AWAITING_OTP:
                paid = await self._pay(url, person, checkout)
                if paid is not None:
                    return
            elif checkout.failure is None or checkout.failure.reason not in RETRYABLE:
                self._failed(
                    person,
                    checkout.failure.reason.value if checkout.failure else checkout.status.value,
                )
                return
        self._failed(person, f"refused {ATTEMPTS} times (last: not eligible, sold out…)")

    def _failed(self, person: Person, why: str) -> None:
        person.facts["buy_failure"] = why
        self.funnel.problems[f"purchase failed: {why}"] += 1

    async def _pay(self, url: str, person: Person, checkout: Checkout) -> Checkout | None:
        messages = data(
            await self.api.call("GET", SMS_INBOX.path, params={"prakerja_id": person.card_number})
        )["messages"]
        if not messages:
            raise SimulationError("a checkout awaits an OTP that never reached the SMS inbox")
        paid = Checkout.model_validate(
            _json(
                await self.api.call(
                    "POST",
                    f"{url}/checkouts/{checkout.checkout_id}/otp",
                    json={"otp": messages[0]["otp"]},
                )
            )
        )
        if paid.status is not CheckoutStatus.PAID or paid.invoice is None:
            self._failed(person, paid.failure.reason.value if paid.failure else paid.status.value)
            return None
        invoice = paid.invoice
        person.facts.update(
            transaction_code=invoice.transaction_code,
            redeem_code=invoice.redeem_code,
            provider_url=invoice.provider_url,
            course_code=invoice.course_code,
            amount=invoice.amount,
        )
        self.funnel.count("bought")
        self.funnel.money["training purchases"] += invoice.amount
        return paid

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
        for _ in range(MAX_STEPS):
            step = enrolment.next
            if step.action == "done":
                break
            if enrolment.failure is not None and step.action != "verify":
                raise SimulationError(
                    f"the provider refused a step: {enrolment.failure.reason} "
                    f"({enrolment.failure.prakerja_code})"
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
