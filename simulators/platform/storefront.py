"""The platform's storefront: the courses it may sell, read from the sandbox's unified catalogue.

``GET /api/v1/catalogue/courses?dp=<its client_code>`` lists the approved, active courses the
platform sells (its own providers' and the shared fixtures) with their schedules not yet started
and their price: that price is what a checkout charges. The list is kept for a short while and
read again when it is five seconds old, or at once (no more than every few seconds) when a buyer asks for a
course it does not hold: a course approved a moment ago is on sale without a restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

from contract import buyer
from contract.catalogue import CatalogueData
from contract.endpoints import CATALOGUE_COURSES
from simulators.outbound import Caller, Outcome

FRESH_SECONDS = 5.0
MISS_REFRESH_SECONDS = 2.0
PER_PAGE = 100
MAX_PAGES = 50


class Storefront:
    """What one platform sells, refreshed from the catalogue."""

    def __init__(
        self,
        caller: Caller,
        client_code: str,
        name: str,
        providers: Callable[[], Mapping[str, str]],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.caller = caller
        self.client_code = client_code
        self.name = name
        self.providers = providers  # LP client_code -> the provider simulator's URL
        self.clock = clock
        self._courses: dict[str, buyer.ShopCourse] = {}
        self._read_at: float | None = None
        self._reading = asyncio.Lock()  # buyers arriving together wait for one read

    def stale(self) -> None:
        """Forget the list (a price turned out to have changed)."""
        self._read_at = None

    async def refresh(self) -> bool:
        """Read the catalogue again; False (keeping the old list) when it could not be read."""
        found: dict[str, buyer.ShopCourse] = {}
        urls = self.providers()
        for page in range(1, MAX_PAGES + 1):
            params = {"dp": self.client_code, "page": page, "per_page": PER_PAGE}
            answer = await self.caller.get(CATALOGUE_COURSES.path, params)
            if answer.outcome is not Outcome.OK:
                return False
            data = CatalogueData.model_validate(answer.data)
            for course in data.courses:
                found[course.course_code] = buyer.ShopCourse(
                    course_code=course.course_code,
                    title=course.title,
                    method=course.method,
                    sessions=course.sessions,
                    price=course.price,
                    lp=buyer.PartnerRef(client_code=course.lp.client_code, name=course.lp.name),
                    provider_url=urls.get(course.lp.client_code),
                    schedules=[
                        buyer.ShopSchedule(
                            schedule_code=s.schedule_code,
                            start_at=s.start_at,
                            end_at=s.end_at,
                            seats_left=s.seats_left,
                        )
                        for s in course.schedules
                    ],
                )
            if page * data.per_page >= data.total:
                break
        self._courses, self._read_at = found, self.clock()
        return True

    def _older_than(self, seconds: float) -> bool:
        return self._read_at is None or self.clock() - self._read_at > seconds

    async def _refresh_if_older(self, seconds: float) -> None:
        if self._older_than(seconds):
            async with self._reading:
                if self._older_than(seconds):  # nobody read it while we waited
                    await self.refresh()

    async def courses(self, *, fresh: bool = False) -> list[buyer.ShopCourse]:
        """Every course on sale (read again when stale; when asked to, unless just read)."""
        await self._refresh_if_older(MISS_REFRESH_SECONDS if fresh else FRESH_SECONDS)
        return sorted(self._courses.values(), key=lambda c: c.course_code)

    async def course(self, course_code: str) -> buyer.ShopCourse | None:
        """One course on sale; a miss reads the catalogue again (not more than every 2 s)."""
        await self._refresh_if_older(FRESH_SECONDS)
        if course_code not in self._courses:
            await self._refresh_if_older(MISS_REFRESH_SECONDS)
        return self._courses.get(course_code)
