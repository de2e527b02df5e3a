"""Pulling the job portals' feeds: a periodic outbox job per portal, page by page from its cursor.

Every ``jobs_pull_seconds`` each active job portal with a ``base_url`` is due; the worker enqueues
one ``vacancy-feed`` job for it (ref ``<portal id>:<unix time>``), never a second while one is
pending, so a portal that is down has one job retried with backoff and blocks nothing else. A
job reads up to ``MAX_PAGES`` pages; each page is taken in its own transaction together with the
cursor after it, so a failure resumes after the last page taken, and judged item by item exactly
as a push (withdrawn items withdraw). A cursor that does not advance while the portal says there
is more ends the job with the fault recorded (the feed is the portal's to fix; the next pull
retries). Where each portal stands (cursor, counts, last error) is ``portal_feeds``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from contract.endpoints import Role
from contract.jobs import FeedVacancy, PushOutcome, WithdrawOutcome
from reference_server import audit, outbox
from reference_server.domain import vacancies as rules
from reference_server.domain.vacancies import Listing
from reference_server.feeds import FeedClient
from reference_server.outbox import Job, JobStatus
from reference_server.partners import webhook_key
from reference_server.runtime import Runtime
from reference_server.services.vacancies import FEED, judge_batch, store, withdraw_ids
from reference_server.sources import SourceError
from reference_server.storage.db import transaction
from reference_server.storage.tables import OutboxJob, Partner, PortalFeed, utcnow

log = logging.getLogger("prakerja.feeds")

PULL_JOB = "vacancy-feed"
PAGE_LIMIT = 200
MAX_PAGES = 25  # per job: a portal with more waits for its next pull
ERROR_TEXT_LIMIT = 500


def due_portals(runtime: Runtime, now: datetime) -> list[int]:
    """Job portals whose feed is due and has no pull pending."""
    horizon = now - timedelta(seconds=runtime.settings.jobs_pull_seconds)
    with runtime.sessions() as session:
        pending = {
            ref.split(":", 1)[0]
            for ref in session.scalars(
                select(OutboxJob.ref).where(
                    OutboxJob.kind == PULL_JOB, OutboxJob.status != JobStatus.DONE
                )
            )
        }
        rows = session.execute(
            select(Partner.id, PortalFeed.last_pulled_at)
            .outerjoin(PortalFeed, PortalFeed.portal_id == Partner.id)
            .where(
                Partner.role == Role.JP.value,
                Partner.active.is_(True),
                Partner.base_url.is_not(None),
            )
        ).all()
    return [
        portal_id
        for portal_id, pulled_at in rows
        if str(portal_id) not in pending and (pulled_at is None or pulled_at <= horizon)
    ]


def schedule_pulls(runtime: Runtime, now: datetime | None = None) -> int:
    """Enqueue a pull for every due portal; how many were enqueued."""
    moment = now or utcnow()
    due = due_portals(runtime, moment)
    if not due:
        return 0
    with transaction(runtime.sessions) as session:
        return sum(
            outbox.enqueue(session, PULL_JOB, f"{portal_id}:{int(moment.timestamp())}")
            for portal_id in due
        )


@dataclass(frozen=True, slots=True)
class _Portal:
    id: int
    client_code: str
    base_url: str
    key: str
    cursor: str | None


class FeedPuller:
    """The handler of ``vacancy-feed`` jobs."""

    def __init__(self, runtime: Runtime, feeds: FeedClient) -> None:
        self.runtime = runtime
        self.feeds = feeds

    def run(self, job: Job) -> None:
        """Pull one portal's feed from its cursor; raises SourceError for the outbox to retry."""
        portal = self._portal(int(job.ref.split(":", 1)[0]))
        if portal is None:  # deactivated, no longer a portal, or its URL removed: nothing to do
            return
        cursor = portal.cursor
        taken = rejected = 0
        try:
            for _ in range(MAX_PAGES):
                page = self.feeds.page(
                    portal.base_url, portal.client_code, portal.key, cursor, PAGE_LIMIT
                )
                stalled = page.has_more and page.next_cursor == cursor
                took, refused = self._take(portal, page.items, page.next_cursor)
                taken, rejected, cursor = taken + took, rejected + refused, page.next_cursor
                if stalled:
                    self._finish(portal, taken, rejected, "the feed's cursor did not advance")
                    return
                if not page.has_more:
                    break
        except SourceError as exc:
            self._record_error(portal, str(exc))
            raise
        self._finish(portal, taken, rejected, None)

    def _portal(self, portal_id: int) -> _Portal | None:
        with transaction(self.runtime.sessions) as session:
            partner = session.get(Partner, portal_id)
            if (
                partner is None
                or not partner.active
                or partner.role != Role.JP.value
                or partner.base_url is None
            ):
                return None
            state = session.get(PortalFeed, portal_id)
            if state is None:
                state = PortalFeed(portal_id=portal_id, pulls=0, taken=0, rejected=0)
                session.add(state)
            key = webhook_key(session, self.runtime.keys, partner)  # issued now if it predates keys
            return _Portal(partner.id, partner.client_code, partner.base_url, key, state.cursor)

    def _take(self, portal: _Portal, items: list[object], next_cursor: str) -> tuple[int, int]:
        """One page and the cursor after it, in one transaction: (taken, rejected).

        The page lists changes oldest first, so a vacancy listed twice counts as its last change.
        """
        now = utcnow()
        latest: dict[str, object] = {}
        nameless: list[object] = []
        for item in items:
            vacancy_id = rules.vacancy_id_of(item)
            if vacancy_id is None:
                nameless.append(item)
            else:
                latest.pop(vacancy_id, None)
                latest[vacancy_id] = item
        withdrawn = [
            vacancy_id
            for vacancy_id, item in latest.items()
            if isinstance(item, Mapping) and item.get("status") == "withdrawn"
        ]
        judged = judge_batch(
            [item for v, item in latest.items() if v not in withdrawn] + nameless, now, FeedVacancy
        )
        listings = [item.verdict for item in judged if isinstance(item.verdict, Listing)]
        with transaction(self.runtime.sessions) as session:
            outcomes = store(session, portal.id, listings, now, FEED) if listings else []
            gone = withdraw_ids(session, portal.id, withdrawn, now) if withdrawn else []
            state = session.get(PortalFeed, portal.id)
            assert state is not None
            taken = sum(o in (PushOutcome.ACCEPTED, PushOutcome.UPDATED) for o in outcomes)
            taken += sum(o is WithdrawOutcome.WITHDRAWN for o in gone)
            refused = len(judged) - len(listings)
            state.cursor = next_cursor
            state.taken += taken
            state.rejected += refused
        return taken, refused

    def _finish(self, portal: _Portal, taken: int, rejected: int, fault: str | None) -> None:
        now = utcnow()
        with transaction(self.runtime.sessions) as session:
            state = session.get(PortalFeed, portal.id)
            assert state is not None
            state.pulls += 1
            state.last_pulled_at = now
            if fault is not None:
                state.last_error, state.last_error_at = fault, now
            audit.record(
                session, "portal_feed", portal.client_code, "pulled", "worker",
                taken=taken, rejected=rejected, fault=fault,
            )  # fmt: skip
        log.info(
            "feed of %s: %d taken, %d rejected%s",
            portal.client_code,
            taken,
            rejected,
            f" ({fault})" if fault else "",
        )

    def _record_error(self, portal: _Portal, error: str) -> None:
        try:
            with transaction(self.runtime.sessions) as session:
                state = session.get(PortalFeed, portal.id)
                if state is not None:
                    state.last_error, state.last_error_at = error[:ERROR_TEXT_LIMIT], utcnow()
        except Exception:  # the retry is what matters; the note is best effort
            log.exception("could not record the feed error of %s", portal.client_code)
