"""The client-mode suites against the bundled simulators, driven as their buyers, participants
and editors would: a careful platform, provider and job portal pass every requirement; each of
their mutants fails the requirement it names (the matrix)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from conformance.buyers import Participant, PlatformBuyer, Publisher
from conformance.client_mode import ClientContext, Driver
from conformance.events import Event, Progress
from conformance.evidence import Redactor
from conformance.runner import Runner
from conformance.sandbox import Sandbox
from conformance.suite import Suite
from conformance.suites import dp, jp, lp
from contract.certification import Outcome, RunReport
from contract.endpoints import Role
from reference_server.partners import add_redirect_uri
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from simulators.framework.behaviour import Profile
from simulators.framework.registry import SimConfig
from simulators.jobportal.launch import portal_config, running_portals
from simulators.platform.kinds import DIGITAL_PLATFORM
from simulators.platform.launch import running_platforms
from simulators.provider.classroom import CALLBACK_PATH
from simulators.provider.kinds import TRAINING_PROVIDER
from simulators.provider.launch import running_providers
from tests.factories import Partner, Partners

CAREFUL = "careful"
DP_CAPABILITIES = frozenset({"quota_check", "void"})
LP_CAPABILITIES = frozenset({"url_generate", "assignments", "results"})


NOTES: dict[str, list[str]] = {}  # what each run said as it went, for failure messages


@dataclass
class Notes:
    """Keeps a run's progress lines."""

    lines: list[str]

    def handle(self, event: Event) -> None:
        """Keep progress."""
        if isinstance(event, Progress):
            self.lines.append(event.text)


@dataclass
class Simulated:
    """One running simulator and the partner it is at the sandbox."""

    url: str
    partner: Partner


def _config(name: str, partner: Partner, server_url: str) -> SimConfig:
    return SimConfig(
        instance=name,
        sandbox_url=server_url,
        client_code=partner.creds.client_code,
        sign_key=partner.creds.sign_key,
        mutant=None if name == CAREFUL else name,
    )


@pytest.fixture(scope="module")
def platforms(partners: Partners, server_url: str) -> Iterator[dict[str, Simulated]]:
    """A careful platform and one of each mutant, each its own DP."""
    names = [CAREFUL, *(m.name for m in DIGITAL_PLATFORM.mutants)]
    dps = {name: partners.dp() for name in names}
    configs = [_config(name, dps[name], server_url) for name in names]
    with running_platforms(configs) as urls:
        yield {name: Simulated(urls[name], dps[name]) for name in names}


@pytest.fixture(scope="module")
def providers(
    partners: Partners, runtime: Runtime, server_url: str
) -> Iterator[dict[str, Simulated]]:
    """A careful provider and one of each mutant, each its own LP with its /callback registered."""
    names = [CAREFUL, *(m.name for m in TRAINING_PROVIDER.mutants)]
    lps = {name: partners.lp(redirect_uris=()) for name in names}
    configs = [_config(name, lps[name], server_url) for name in names]
    with running_providers(configs) as urls:
        with transaction(runtime.sessions) as session:
            for name in names:
                add_redirect_uri(session, lps[name].creds.client_code, urls[name] + CALLBACK_PATH)
        for name in names:
            runtime.forget_partner(lps[name].creds.client_code)
        yield {name: Simulated(urls[name], lps[name]) for name in names}


def _certify(
    role: Role,
    suite: Suite[ClientContext],
    simulated: Simulated,
    driver: Driver,
    capabilities: frozenset[str],
    server_url: str,
    only: frozenset[str] | None = None,
) -> RunReport:
    creds = simulated.partner.creds
    context = ClientContext(
        role=role,
        partner=creds.client_code,
        sandbox=Sandbox(server_url, creds.client_code, creds.sign_key),
        driver=driver,
        capabilities=capabilities,
        redactor=Redactor([creds.sign_key]),
    )
    notes = NOTES.setdefault(creds.client_code, [])
    try:
        return Runner(suite, context, handlers=[Notes(notes)], only=only).run()
    finally:
        context.close()


def _dp(simulated: Simulated, server_url: str, only: frozenset[str] | None = None) -> RunReport:
    buyer = PlatformBuyer(simulated.url)
    try:
        return _certify(Role.DP, dp.suite, simulated, buyer, DP_CAPABILITIES, server_url, only)
    finally:
        buyer.close()


def _lp(simulated: Simulated, server_url: str, only: frozenset[str] | None = None) -> RunReport:
    participant = Participant(simulated.url)
    try:
        return _certify(
            Role.LP, lp.suite, simulated, participant, LP_CAPABILITIES, server_url, only
        )
    finally:
        participant.close()


def _not_passed(report: RunReport) -> dict[str, str]:
    return {
        f"{r.requirement_id} {r.variant or ''}".strip(): f"{r.message} {r.received or ''}".strip()
        for r in report.results
        if r.outcome is not Outcome.PASSED
    }


def test_a_careful_platform_passes_every_requirement(
    platforms: dict[str, Simulated], server_url: str
) -> None:
    report = _dp(platforms[CAREFUL], server_url)
    assert _not_passed(report) == {}, NOTES[report.partner]
    assert report.summary.passed_run


def test_a_careful_provider_passes_every_requirement(
    providers: dict[str, Simulated], server_url: str
) -> None:
    report = _lp(providers[CAREFUL], server_url)
    assert _not_passed(report) == {}, NOTES[report.partner]
    assert report.summary.passed_run


def _matrix(kind_mutants: list[tuple[str, str | None]], run: object) -> list[str]:
    def judged(row: tuple[str, str | None]) -> str | None:
        name, requirement = row
        assert requirement is not None
        report = run(name, frozenset({requirement}))  # type: ignore[operator]
        failed = {r.requirement_id for r in report.results if r.outcome is Outcome.FAILED}
        return (
            None
            if requirement in failed
            else f"{name}: {requirement} {_not_passed(report) or 'passed'}"
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        return [o for o in pool.map(judged, kind_mutants) if o]


def test_every_platform_mutant_fails_the_requirement_it_names(
    platforms: dict[str, Simulated], server_url: str
) -> None:
    rows = [(m.name, m.requirement) for m in DIGITAL_PLATFORM.mutants]
    assert _matrix(rows, lambda name, only: _dp(platforms[name], server_url, only)) == []


def test_every_provider_mutant_fails_the_requirement_it_names(
    providers: dict[str, Simulated], server_url: str
) -> None:
    rows = [(m.name, m.requirement) for m in TRAINING_PROVIDER.mutants]
    assert _matrix(rows, lambda name, only: _lp(providers[name], server_url, only)) == []


@pytest.fixture(scope="module")
def portals(partners: Partners, server_url: str) -> Iterator[dict[str, Simulated]]:
    """A careful job portal that pushes, and its mutant that pushes unsigned."""
    jps = {name: partners.add(role=Role.JP) for name in (CAREFUL, "pushes-unsigned")}
    with ExitStack() as stack:  # one serving per portal: both are "lokerkita" (its spec)
        found = {}
        for name, jp_partner in jps.items():
            config = portal_config(
                "lokerkita", sandbox_url=server_url, client_code=jp_partner.creds.client_code,
                sign_key=jp_partner.creds.sign_key, mutant=None if name == CAREFUL else name,
                push=True, profile=Profile(),
            )  # fmt: skip
            urls = stack.enter_context(running_portals([config]))
            found[name] = Simulated(urls["lokerkita"], jp_partner)
        yield found


def _jp(simulated: Simulated, server_url: str) -> RunReport:
    publisher = Publisher(simulated.url)
    try:
        return _certify(
            Role.JP, jp.push_suite, simulated, publisher, frozenset({"push"}), server_url
        )
    finally:
        publisher.close()


def test_a_careful_portal_pushes_as_required_and_an_unsigned_one_fails(
    portals: dict[str, Simulated], server_url: str
) -> None:
    assert _not_passed(_jp(portals[CAREFUL], server_url)) == {}
    assert "JP-PUSH-001" in _not_passed(_jp(portals["pushes-unsigned"], server_url))
