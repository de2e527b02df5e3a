"""The job-portal feed suite against the job-portal simulator: a correct portal passes every
requirement of its feed; each feed mutant fails the requirement it names. No sandbox is involved
(the harness calls the feed as Prakerja does), so this runs in the SQLite pass only."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from conformance.evidence import Redactor
from conformance.runner import Runner
from conformance.server_mode import Credentials, ServerContext
from conformance.suites.jp import feed_suite
from contract.certification import Outcome, RunReport
from contract.endpoints import Role
from contract.requirements import REQUIREMENTS, Mode
from simulators.framework.behaviour import Profile
from simulators.jobportal.kinds import JOB_PORTAL
from simulators.jobportal.launch import portal_config, running_portals

PORTAL = "lokerkita"


@contextmanager
def _portal(mutant: str | None) -> Iterator[ServerContext]:
    creds = Credentials(
        f"jp-{secrets.token_hex(6)}", secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    )
    config = portal_config(
        PORTAL, webhook_key=creds.webhook_key, client_code=creds.client_code, mutant=mutant,
        initial=40, push=False, profile=Profile(),  # a quiet profile: the feed is what is judged
    )  # fmt: skip
    with running_portals([config]) as urls:
        context = ServerContext(
            role=Role.JP,
            base_url=urls[PORTAL],
            credentials=creds,
            capabilities=frozenset({"feed"}),
            redactor=Redactor([creds.webhook_key]),
        )
        try:
            yield context
        finally:
            context.close()


def _not_passed(report: RunReport) -> dict[str, str]:
    return {r.requirement_id: r.message for r in report.results if r.outcome is not Outcome.PASSED}


def test_a_correct_portal_feed_passes_every_requirement() -> None:
    with _portal(None) as context:
        report = Runner(feed_suite, context).run()
    assert _not_passed(report) == {}
    assert report.summary.passed_run and report.summary.checks == len(feed_suite.checks)


FEED_MUTANTS = [
    (m.name, m.requirement)
    for m in JOB_PORTAL.mutants
    if m.requirement and REQUIREMENTS[m.requirement].mode is Mode.SERVER
]


def _judged(mutant: str, requirement: str) -> str | None:
    with _portal(mutant) as context:
        report = Runner(feed_suite, context, only=frozenset({requirement})).run()
    failed = {r.requirement_id for r in report.results if r.outcome is Outcome.FAILED}
    return (
        None
        if requirement in failed
        else f"{mutant}: {requirement} {_not_passed(report) or 'passed'}"
    )


def test_every_feed_mutant_fails_the_requirement_it_names() -> None:
    assert len(FEED_MUTANTS) >= 7
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda row: _judged(*row), FEED_MUTANTS))
    assert [o for o in outcomes if o] == []
