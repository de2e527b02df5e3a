"""The platform's seller centre: it submits the courses of the providers it carries to the
sandbox's catalogue, on their behalf.

Which providers a platform carries is configuration (their simulators' URLs). Each provider
publishes its courses at ``GET <provider>/courses?platform=<client_code>`` exactly as that
platform is to submit them (in codes of its own: a provider on three platforms is three
catalogue entries per course); the platform, for each course:

- asks ``submissions/status`` whether it already submitted it;
- not yet: ``courses/submit`` (the programme office then assesses it);
- approved: ``courses/schedules`` with the schedules the provider added since (new dates);
- pending, rejected or suspended: nothing (a rejection's reasons are the provider's to fix).

Submitting again is therefore harmless, which is what a platform restarted on the same sandbox
does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import httpx

from contract import buyer
from contract import endpoints as ep
from contract import errors as err
from contract.buyer import BuyerReason, Failure, ProviderCourses, Submission
from contract.catalogue import SubmitCourseRequest
from simulators.buyer_api import failure
from simulators.outbound import Caller, Kind

SUBMISSION_UNKNOWN = err.COURSE_SUBMISSION_NOT_FOUND.code
APPROVED = "APPROVED"


class Providers:
    """The providers a platform carries: their URLs, and the client codes learnt from them."""

    def __init__(self, urls: Callable[[], Sequence[str]]) -> None:
        self.urls = urls  # read when needed: a launcher may fill it after the providers start
        self.by_client_code: dict[str, str] = {}

    def known(self) -> dict[str, str]:
        """LP client_code → provider URL, for what was learnt so far."""
        return dict(self.by_client_code)

    async def read(
        self, http: httpx.AsyncClient, platform: str
    ) -> tuple[list[ProviderCourses], list[str]]:
        """Every carried provider's courses as ``platform`` lists them, and the URLs that could
        not be read."""
        found, unread = [], []
        for url in self.urls():
            try:
                response = await http.get(
                    f"{url.rstrip('/')}/courses", params={"platform": platform}
                )
                response.raise_for_status()
                published = ProviderCourses.model_validate(response.json())
            except (httpx.HTTPError, ValueError):
                unread.append(url)
                continue
            self.by_client_code[published.provider.client_code] = url.rstrip("/")
            found.append(published)
        return found, unread


class SellerCentre:
    """Submits the carried providers' courses to the catalogue, and lists what it submitted."""

    def __init__(self, caller: Caller, providers: Providers) -> None:
        self.caller = caller
        self.providers = providers

    async def submit_all(self) -> list[Submission]:
        """Submit (or bring up to date) every course of every carried provider."""
        published, unread = await self.providers.read(self.caller.http, self.caller.client_code)
        results = [
            Submission(
                course_code="",
                lp_client_code="",
                status="UNREAD",
                failure=Failure(
                    reason=BuyerReason.UNAVAILABLE,
                    message=f"Lembaga pelatihan di {url} tidak dapat dihubungi.",
                    prakerja_code=None,
                ),
            )
            for url in unread
        ]
        for provider in published:
            for course in provider.courses:
                results.append(await self._one(course))
        return results

    async def _one(self, course: SubmitCourseRequest) -> Submission:
        calls = self.caller.calls()
        code, lp = course.course_code, course.lp_client_code
        status = await calls.post(ep.SUBMISSION_STATUS, {"course_code": code}, kind=Kind.READ)
        if status.code == SUBMISSION_UNKNOWN:
            body = course.model_dump(mode="json", exclude_none=True)
            submitted = await calls.post(ep.SUBMIT_COURSE, body, kind=Kind.WRITE)
            if not submitted.ok:
                return _failed(code, lp, failure(submitted, {}, BuyerReason.CONFLICT))
            return Submission(course_code=code, lp_client_code=lp, status=submitted.data["status"])
        if not status.ok:
            return _failed(code, lp, failure(status, {}, BuyerReason.CONFLICT))
        if status.data["status"] != APPROVED:
            return Submission(course_code=code, lp_client_code=lp, status=status.data["status"])
        held = {s["schedule_code"] for s in status.data.get("schedules", ())}
        for version in status.data.get("versions", ()):
            held |= {s["schedule_code"] for s in version.get("schedules", ())}
        now = datetime.now(UTC)
        new = [
            s.model_dump(mode="json")
            for s in course.schedules
            if s.schedule_code not in held and s.start_at > now
        ]
        if not new:
            return Submission(course_code=code, lp_client_code=lp, status=APPROVED)
        body = {"course_code": code, "schedules": new}
        added = await calls.post(ep.ADD_SCHEDULES, body, kind=Kind.WRITE)
        if not added.ok:
            return _failed(code, lp, failure(added, {}, BuyerReason.CONFLICT))
        return Submission(
            course_code=code, lp_client_code=lp, status=APPROVED, schedules_added=len(new)
        )

    async def listing(self) -> list[buyer.Submission]:
        """What the platform submitted, as the catalogue says (newest first)."""
        calls = self.caller.calls()
        found: list[Submission] = []
        for page in range(1, 51):
            answer = await calls.post(
                ep.LIST_SUBMISSIONS, {"page": page, "per_page": 100}, kind=Kind.READ
            )
            if not answer.ok:
                problem = failure(answer, {}, BuyerReason.CONFLICT)
                return [*found, _failed("", "", problem)]
            for item in answer.data["submissions"]:
                found.append(
                    Submission(
                        course_code=item["course_code"],
                        lp_client_code=item["lp"]["client_code"],
                        status=item["status"],
                    )
                )
            if page * int(answer.data["per_page"]) >= int(answer.data["total"]):
                break
        return found


def _failed(code: str, lp: str, problem: Failure) -> Submission:
    return Submission(course_code=code, lp_client_code=lp, status="FAILED", failure=problem)
