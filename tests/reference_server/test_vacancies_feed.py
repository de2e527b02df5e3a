"""Vacancies reaching the server from running job portal simulators, over real HTTP only: the feed
pulled page by page in the background, pushes, a portal that is down, and the mutants' faults
seen from the server's side."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select

from contract import errors as err
from contract.endpoints import Role
from reference_server.launch import free_port
from reference_server.partners import Credentials, add_partner, set_urls
from reference_server.services.feeds import PULL_JOB
from reference_server.storage.db import transaction
from reference_server.storage.tables import OutboxJob, Partner, PortalFeed
from simulators.framework.behaviour import Profile
from simulators.framework.registry import SimConfig
from simulators.framework.serving import running
from simulators.jobportal import kinds as jp
from simulators.jobportal.kinds import JOB_PORTAL
from simulators.jobportal.launch import portal_config
from tests.reference_server.vacancies_support import OwnServer, found, own_server

T = TypeVar("T")
WAIT_SECONDS = 30.0


def wait_for(what: str, check: Callable[[], T | None], timeout: float = WAIT_SECONDS) -> T:
    """Poll ``check`` until it gives something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@dataclass
class Ecosystem:
    server: OwnServer
    portals: dict[str, str]  # label -> base URL
    creds: dict[str, Credentials]  # label -> its credentials at the server
    http: httpx.Client

    def publish(self, label: str, **counts: int) -> dict[str, Any]:
        answer = self.http.post(f"{self.portals[label]}/_sim/publish", json=counts)
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data

    def flush(self, label: str) -> dict[str, Any]:
        answer = self.http.post(f"{self.portals[label]}/_sim/flush")
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data

    def stats(self, label: str) -> dict[str, Any]:
        data: dict[str, Any] = self.http.get(f"{self.portals[label]}/_sim/portal").json()
        return data

    def feed_state(self, label: str) -> PortalFeed | None:
        with self.server.runtime.sessions() as session:
            return session.scalars(
                select(PortalFeed)
                .join(Partner, Partner.id == PortalFeed.portal_id)
                .where(Partner.client_code == self.creds[label].client_code)
            ).one_or_none()

    def listed(self, label: str) -> dict[str, dict[str, Any]]:
        """The live vacancies the server lists for one portal, by id."""
        code = self.creds[label].client_code
        return {
            v["vacancy_id"]: v
            for v in found(self.server.http, limit=100)
            if v["portal"]["client_code"] == code
        }

    def pulled_up_to(self, label: str, cursor: str) -> PortalFeed:
        return wait_for(
            f"{label}'s feed pulled to {cursor}",
            lambda: (
                (state := self.feed_state(label)) is not None and state.cursor == cursor and state
            ),
        )


# label: (portal, mutant, pushes)
PORTALS: dict[str, tuple[str, str | None, bool]] = {
    "feed": ("kerjanusa", None, False),
    "push": ("lokerkita", None, True),
    "repeats": ("kerjanusa", jp.CURSOR_REPEATS_ITEMS, False),
    "inverted-feed": ("kerjanusa", jp.SALARY_MIN_ABOVE_MAX, False),
    "inverted-push": ("infoloker-daerah", jp.SALARY_MIN_ABOVE_MAX, True),
    "unsigned": ("lokerkita", jp.PUSHES_UNSIGNED, True),
}


@pytest.fixture(scope="module")
def eco(module_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ecosystem]:
    log = Path(tmp_path_factory.mktemp("feeds")) / "server.log"
    settings = {
        "jobs_pull_seconds": "1",
        "retry_base_seconds": "0.05",
        "retry_max_seconds": "0.5",
        "source_timeout_seconds": "2",
    }
    with own_server(module_database, log, **settings) as server:
        creds: dict[str, Credentials] = {}
        with transaction(server.runtime.sessions) as session:
            for label in [*PORTALS, "down"]:
                creds[label] = add_partner(
                    session, server.runtime.keys, role=Role.JP, name=f"portal {label}"
                )
        configs: list[tuple[str, SimConfig]] = [
            (
                label,
                portal_config(
                    instance,
                    sandbox_url=server.url,
                    client_code=creds[label].client_code,
                    sign_key=creds[label].sign_key,
                    webhook_key=creds[label].webhook_key,
                    profile=Profile(),
                    mutant=mutant,
                    per_day=0,  # nothing on its own: the tests publish
                    push=pushes,
                    seed=label,
                ),
            )
            for label, (instance, mutant, pushes) in PORTALS.items()
        ]
        with (
            running([(label, JOB_PORTAL.factory(c)) for label, c in configs]) as urls,
            httpx.Client(timeout=30) as http,
        ):
            with transaction(server.runtime.sessions) as session:
                for label, (_, _, pushes) in PORTALS.items():
                    if not pushes:
                        set_urls(session, creds[label].client_code, base_url=urls[label])
                # Nothing listens there: a portal that is down.
                set_urls(
                    session, creds["down"].client_code, base_url=f"http://127.0.0.1:{free_port()}"
                )
            yield Ecosystem(server, urls, creds, http)


def test_the_feed_is_pulled_page_by_page_and_its_changes_follow(eco: Ecosystem) -> None:
    made = eco.publish("feed", new=250)["new"]  # more than one page of 200
    state = eco.pulled_up_to("feed", "c250")
    assert (state.taken, state.rejected, state.last_error) == (250, 0, None)
    listed = eco.listed("feed")
    assert sorted(listed) == sorted(made)
    sample = eco.http.get(f"{eco.portals['feed']}/_sim/vacancies").json()["vacancies"][0]
    shown = listed[sample["vacancy_id"]]
    assert (shown["title"], shown["salary_min"]) == (sample["title"], sample["salary_min"])

    changes = eco.publish("feed", new=5, updates=10, withdrawals=7)
    eco.pulled_up_to("feed", "c272")
    listed = eco.listed("feed")
    assert not set(changes["withdrawn"]) & set(listed)
    assert set(changes["new"]) <= set(listed)
    assert len(listed) == 250 + 5 - 7
    portal_now = {
        v["vacancy_id"]: v
        for v in eco.http.get(f"{eco.portals['feed']}/_sim/vacancies").json()["vacancies"]
    }
    for vacancy_id in changes["updated"]:
        ours, theirs = listed[vacancy_id], portal_now[vacancy_id]
        assert (ours["salary_max"], ours["expires_at"][:10]) == (
            theirs["salary_max"],
            theirs["expires_at"][:10],
        )


def test_a_portal_that_is_down_is_retried_and_blocks_nobody(eco: Ecosystem) -> None:
    code = eco.creds["down"].client_code

    def retried() -> OutboxJob | None:
        with eco.server.runtime.sessions() as session:
            portal_id = session.scalar(select(Partner.id).where(Partner.client_code == code))
            job = session.scalars(
                select(OutboxJob).where(
                    OutboxJob.kind == PULL_JOB, OutboxJob.ref.startswith(f"{portal_id}:")
                )
            ).first()
        return job if job is not None and job.attempts >= 3 else None

    job = wait_for("the down portal's pull to be retried", retried)
    assert job.status != "done" and "connection failed" in (job.last_error or "")
    state = eco.feed_state("down")
    assert (
        state is not None and state.pulls == 0 and "connection failed" in (state.last_error or "")
    )
    with eco.server.runtime.sessions() as session:  # one pull of it pending, never a pile
        pending = session.scalars(
            select(OutboxJob.ref).where(OutboxJob.kind == PULL_JOB, OutboxJob.status != "done")
        ).all()
    assert sum(ref.startswith(f"{job.ref.split(':')[0]}:") for ref in pending) == 1
    # Meanwhile the healthy feed keeps being read.
    before = eco.feed_state("feed")
    made = eco.publish("feed", new=3)["new"]
    assert before is not None and before.cursor is not None
    last = int(before.cursor[1:]) + 3
    eco.pulled_up_to("feed", f"c{last}")
    assert set(made) <= set(eco.listed("feed"))


def test_a_pushing_portal_reaches_search_through_pushes_alone(eco: Ecosystem) -> None:
    made = eco.publish("push", new=30)["new"]
    done = eco.flush("push")
    assert (done["batches"], done["failures"], done["queued"]) == (1, 0, 0)
    assert sorted(eco.listed("push")) == sorted(made)
    changes = eco.publish("push", updates=4, withdrawals=3)
    eco.flush("push")
    push = eco.stats("push")["push"]
    assert (push["accepted"], push["updated"], push["rejected"], push["withdrawn"]) == (30, 4, 0, 3)
    assert len(eco.listed("push")) == 27
    assert eco.feed_state("push") is None  # no base URL: never pulled
    assert not set(changes["withdrawn"]) & set(eco.listed("push"))


def test_a_feed_that_repeats_items_is_harmless(eco: Ecosystem) -> None:
    made = eco.publish("repeats", new=450)["new"]
    state = wait_for(
        "the repeating feed to be read to its end",
        lambda: (
            (s := eco.feed_state("repeats")) is not None and s.pulls >= 1 and s.taken >= 450 and s
        ),
    )
    assert (state.taken, state.rejected) == (450, 0)  # the repeats were unchanged, not new
    assert sorted(eco.listed("repeats")) == sorted(made)


def test_inverted_salaries_are_rejected_from_a_feed_and_from_a_push(eco: Ecosystem) -> None:
    eco.publish("inverted-feed", new=12)
    state = eco.pulled_up_to("inverted-feed", "c12")
    assert (state.taken, state.rejected) == (0, 12)
    assert eco.listed("inverted-feed") == {}
    eco.publish("inverted-push", new=8)
    eco.flush("inverted-push")
    push = eco.stats("inverted-push")["push"]
    assert (push["accepted"], push["rejected"]) == (0, 8)
    assert push["rejected_codes"] == {err.SALARY_RANGE_INVALID.code: 8}
    assert eco.listed("inverted-push") == {}


def test_unsigned_pushes_are_refused_and_stay_queued(eco: Ecosystem) -> None:
    eco.publish("unsigned", new=5)
    done = eco.flush("unsigned")
    assert (done["batches"], done["failures"], done["queued"]) == (0, 1, 5)
    assert done["last_error"] == f"push: HTTP 401 {err.MISSING_HEADERS.code}"
    journal = eco.http.get(f"{eco.portals['unsigned']}/_sim/journal", params={"direction": "out"})
    (call,) = journal.json()["entries"]
    assert call["status"] == 401 and err.MISSING_HEADERS.code in call["response_body"]
    assert eco.listed("unsigned") == {}
