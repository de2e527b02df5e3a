"""The job portal as a simulator kind (role ``jp``) and its mutants.

An instance is one portal of ``portals.PORTALS`` (``SimConfig.instance``: ``lokerkita``,
``kerjanusa``, ``infoloker-daerah``). It pushes to ``sandbox_url`` signed with ``sign_key`` as
``client_code`` and verifies Prakerja's feed calls with ``webhook_key``. Options:
``time_scale`` (simulated seconds per real second, default 1), ``per_day`` (override the
portal's rate), ``push`` (override whether it pushes), ``initial`` (vacancies published at start),
``seed``.

Every mutant is wrong in exactly the one way its name says, and names the conformance
requirement that must catch it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulators.framework.registry import Mutant, SimConfig, SimulatorKind, register

if TYPE_CHECKING:
    from fastapi import FastAPI

ROLE = "jp"

ACCEPTS_UNSIGNED = "accepts-unsigned"
IGNORES_SIGNATURE = "ignores-signature"
IGNORES_TIMESTAMP = "ignores-timestamp"
ACCEPTS_REPLAY = "accepts-replay"
CRASHES_ON_BAD_BODY = "crashes-on-bad-body"
CURSOR_REPEATS_ITEMS = "cursor-repeats-items"
SALARY_MIN_ABOVE_MAX = "salary-min-above-max"
ACCEPTS_BAD_CURSOR = "accepts-bad-cursor"
PUSHES_UNSIGNED = "pushes-unsigned"

MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        name=ACCEPTS_UNSIGNED,
        summary="Serves its feed to a call without client_code, timestamp or signature headers.",
        requirement="JP-SIGN-001",
    ),
    Mutant(
        name=IGNORES_SIGNATURE,
        summary="Serves its feed whatever the signature (headers and the timestamp window are "
        "still checked).",
        requirement="JP-SIGN-002",
    ),
    Mutant(
        name=IGNORES_TIMESTAMP,
        summary="Serves its feed to a correctly signed call whose timestamp is outside ±300 s.",
        requirement="JP-SIGN-003",
    ),
    Mutant(
        name=ACCEPTS_REPLAY,
        summary="Serves its feed again to a signature it has already accepted (a replay).",
        requirement="JP-SIGN-004",
    ),
    Mutant(
        name=CRASHES_ON_BAD_BODY,
        summary="A malformed or wrongly typed feed request gets HTTP 500 instead of ERRGEN40001.",
        requirement="JP-SCHEMA-002",
    ),
    Mutant(
        name=CURSOR_REPEATS_ITEMS,
        summary="Each feed page's next_cursor points one vacancy back, so the next page repeats "
        "the last vacancy of the page before.",
        requirement="JP-FEED-001",
    ),
    Mutant(
        name=SALARY_MIN_ABOVE_MAX,
        summary="Publishes (pushes and serves) vacancies whose salary_min is above salary_max.",
        requirement="JP-FEED-002",
    ),
    Mutant(
        name=ACCEPTS_BAD_CURSOR,
        summary="An unknown or malformed cursor is read as the start of the feed instead of "
        "being refused with ERRJOB40010.",
        requirement="JP-FEED-003",
    ),
    Mutant(
        name=PUSHES_UNSIGNED,
        summary="Pushes its batches without the signature header.",
        requirement="JP-PUSH-001",
    ),
)


def _job_portal(config: SimConfig) -> FastAPI:
    from simulators.jobportal import app

    return app.create_app(config)


JOB_PORTAL = register(
    SimulatorKind(
        name="job-portal",
        role=ROLE,
        summary="A job portal (LokerKita, KerjaNusa, InfoLoker Daerah): publishes realistic "
        "vacancies, pushes them in signed batches and serves the signed feed Prakerja pulls.",
        factory=_job_portal,
        mutants=MUTANTS,
    )
)
KINDS = {JOB_PORTAL.name: JOB_PORTAL}
