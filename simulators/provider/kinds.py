"""The training provider as a simulator kind (role ``lp``), with its mutants.

A provider instance needs the sandbox's URL and its credentials there (``SimConfig``:
``sandbox_url``, ``client_code``, ``sign_key``); its registered ``redirect_uri`` must be its own
``/callback`` (``prakerja partners add --role lp --redirect-uri http://HOST:PORT/callback``).
``options``: ``name`` (shown to participants), ``seed`` (courses and scores), ``courses`` (how
many it publishes, default 3), ``public_url`` (its address as browsers reach it; default the
address a request came to).

Each mutant is wrong in exactly one way and names the conformance requirement it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulators.framework.registry import Mutant, SimConfig, SimulatorKind, register
from simulators.outbound import CLIENT_DIRECTIVES, Flaws
from simulators.provider.classroom import Behaviour

if TYPE_CHECKING:
    from fastapi import FastAPI

NAME = "training-provider"
ROLE = "lp"


@dataclass(frozen=True)
class Fault:
    """A mutant and what it changes: in its calls, or in its teaching."""

    mutant: Mutant
    flaws: Flaws = Flaws()
    behaviour: Behaviour = Behaviour()


def _m(name: str, requirement: str, summary: str) -> Mutant:
    return Mutant(name=name, summary=summary, requirement=requirement)


FAULTS: tuple[Fault, ...] = (
    Fault(
        _m("unsigned", "LP-SIGN-001", "Sends its calls without the signature header."),
        flaws=Flaws(unsigned=True),
    ),
    Fault(
        _m(
            "wrong-signature",
            "LP-SIGN-002",
            "Signs client_code + timestamp + METHOD + body, leaving the path out of the raw string.",
        ),
        flaws=Flaws(wrong_signature=True),
    ),
    Fault(
        _m("stale-clock", "LP-SIGN-003", "Stamps its calls with a clock ten minutes slow."),
        flaws=Flaws(stale_clock=True),
    ),
    Fault(
        _m(
            "replays-signature",
            "LP-SIGN-004",
            "Sends a call it made before again with the first call's timestamp and signature "
            "instead of signing it anew (redeem-code/status of the same stage twice).",
        ),
        flaws=Flaws(replays_signature=True),
    ),
    Fault(
        _m(
            "skips-status-check",
            "LP-RDM-001",
            "Redeems with oauth/url-generate before checking the code with redeem-code/status.",
        ),
        behaviour=Behaviour(skips_status_check=True),
    ),
    Fault(
        _m(
            "reuses-email",
            "LP-RDM-004",
            "Sends every participant of a course to url-generate with the first participant's "
            "e-mail (one e-mail per course: ERRRDM40005).",
        ),
        behaviour=Behaviour(reuses_email=True),
    ),
    Fault(
        _m(
            "attendance-before-redeem",
            "LP-ATT-001",
            "Asks for the next stage's verification URL before the earlier stage (the redeem) "
            "is verified (ERRRDM40003).",
        ),
        behaviour=Behaviour(attendance_before_redeem=True),
    ),
    Fault(
        _m(
            "wrong-redirect-uri",
            "LP-ATT-002",
            "Sends /oauth/callback as redirect_uri, which it never registered (ERRRDM40007).",
        ),
        behaviour=Behaviour(wrong_redirect_uri=True),
    ),
    Fault(
        _m(
            "trusts-callback",
            "LP-ATT-003",
            "Records a stage as attended because the callback's query says status=success, "
            "without asking redeem-code/status.",
        ),
        behaviour=Behaviour(trusts_callback=True),
    ),
    Fault(
        _m(
            "blind-retry-refused",
            "LP-ERR-001",
            "Sends a call Prakerja refused (a catalogued 4xx) once more, unchanged.",
        ),
        behaviour=Behaviour(blind_retry_refused=True),
    ),
    Fault(
        _m(
            "feedback-before-submission",
            "LP-TPM-001",
            "Sends its feedback on an assignment before the participant's submission is "
            "recorded (ERRTPM40002).",
        ),
        behaviour=Behaviour(feedback_before_submission=True),
    ),
    Fault(
        _m(
            "wrong-scope",
            "LP-TPM-002",
            "Sends the skills demonstration (UK, sequence 999) with scope tpm (ERRTPM40001).",
        ),
        behaviour=Behaviour(wrong_scope=True),
    ),
    Fault(
        _m(
            "ignores-retry-after",
            "LP-RETRY-001",
            "Retries a call Prakerja answered busy (429 or 503 with Retry-After) after its own "
            "short backoff, not after Retry-After.",
        ),
        flaws=Flaws(ignores_retry_after=True),
    ),
    Fault(
        _m(
            "retry-storm",
            "LP-RETRY-002",
            "Retries at once, up to 12 times, every call that did not succeed: refused, busy or "
            "unanswered (a refused payment excepted).",
        ),
        flaws=Flaws(retry_storm=True),
    ),
    Fault(
        _m(
            "certificate-before-post-test",
            "LP-RES-001",
            "Reports the scores and certificate when the participant takes the post-test, "
            "before Prakerja has verified it (ERRCAT40906).",
        ),
        behaviour=Behaviour(certificate_before_post_test=True),
    ),
)
BY_MUTANT = {fault.mutant.name: fault for fault in FAULTS}


def _factory(config: SimConfig) -> FastAPI:
    from simulators.provider.app import create_app

    if config.mutant is None:
        return create_app(TRAINING_PROVIDER, config, Behaviour(), Flaws())
    TRAINING_PROVIDER.mutant(config.mutant)  # KeyError naming the valid mutants
    fault = BY_MUTANT[config.mutant]
    return create_app(TRAINING_PROVIDER, config, fault.behaviour, fault.flaws)


TRAINING_PROVIDER = register(
    SimulatorKind(
        name=NAME,
        role=ROLE,
        summary="A training provider (LP): courses with self-paced and webinar schedules, redeem "
        "and attendance through Prakerja's verification page, TPM/UK with feedback, post-test "
        "scores and certificates.",
        factory=_factory,
        directives=CLIENT_DIRECTIVES,
        mutants=tuple(fault.mutant for fault in FAULTS),
    )
)
