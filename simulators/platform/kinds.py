"""The digital platform as a simulator kind (role ``dp``), with its mutants.

A platform instance needs the sandbox's URL and its credentials there (``SimConfig``:
``sandbox_url``, ``client_code``, ``sign_key``). ``options``: ``name`` (shown to buyers),
``providers`` (the provider simulators it carries: their URLs, or a callable giving them),
``public_url`` (its address as browsers reach it, for invoice URLs; default the address a request
came to).

Each mutant is wrong in exactly one way and names the conformance requirement it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulators.framework.registry import Mutant, SimConfig, SimulatorKind, register
from simulators.outbound import CLIENT_DIRECTIVES, Flaws
from simulators.platform.checkout import Behaviour

if TYPE_CHECKING:
    from fastapi import FastAPI

NAME = "digital-platform"
ROLE = "dp"


@dataclass(frozen=True)
class Fault:
    """A mutant and what it changes: in its calls, or in its checkout."""

    mutant: Mutant
    flaws: Flaws = Flaws()
    behaviour: Behaviour = Behaviour()


def _m(name: str, requirement: str, summary: str) -> Mutant:
    return Mutant(name=name, summary=summary, requirement=requirement)


FAULTS: tuple[Fault, ...] = (
    Fault(
        _m("unsigned", "DP-SIGN-001", "Sends its calls without the signature header."),
        flaws=Flaws(unsigned=True),
    ),
    Fault(
        _m(
            "wrong-signature",
            "DP-SIGN-002",
            "Signs client_code + timestamp + METHOD + body, leaving the path out of the raw string.",
        ),
        flaws=Flaws(wrong_signature=True),
    ),
    Fault(
        _m("stale-clock", "DP-SIGN-003", "Stamps its calls with a clock ten minutes slow."),
        flaws=Flaws(stale_clock=True),
    ),
    Fault(
        _m(
            "replays-signature",
            "DP-SIGN-004",
            "Sends a call it made before again with the first call's timestamp and signature "
            "instead of signing it anew (a second look at an invoice, a second buyer's quota).",
        ),
        flaws=Flaws(replays_signature=True),
    ),
    Fault(
        _m(
            "amount-as-text",
            "DP-BODY-001",
            'Sends the amount of send-otp as a string ("500000"), not an integer (ERRGEN40001).',
        ),
        behaviour=Behaviour(amount_as_text=True),
    ),
    Fault(
        _m(
            "wrong-amount",
            "DP-PAY-002",
            "Charges its own 10% discount: the amount of send-otp is not the course price "
            "(ERRPLT40010).",
        ),
        behaviour=Behaviour(wrong_amount=True),
    ),
    Fault(
        _m(
            "skips-quota-check",
            "DP-PAY-003",
            "Starts a purchase with send-otp without checking the seats with quota-schedule.",
        ),
        behaviour=Behaviour(skips_quota_check=True),
    ),
    Fault(
        _m(
            "reuses-payment-token",
            "DP-PAY-004",
            "Authorizes every purchase with the payment token of its previous checkout "
            "(ERRPLT40016 once that one was used).",
        ),
        behaviour=Behaviour(reuses_payment_token=True),
    ),
    Fault(
        _m(
            "reuses-invoice-code",
            "DP-PAY-005",
            "Gives every purchase the same invoice_code (ERRPLT40017 from the second on).",
        ),
        behaviour=Behaviour(reuses_invoice_code=True),
    ),
    Fault(
        _m(
            "blind-retry-refused-payment",
            "DP-ERR-001",
            "Sends a refused send-otp (a catalogued 4xx) once more, unchanged.",
        ),
        behaviour=Behaviour(blind_retry_refused_payment=True),
    ),
    Fault(
        _m(
            "ignores-send-otp-refusal",
            "DP-ERR-002",
            "Treats a refused send-otp as sent: asks the buyer for an OTP and calls authorize "
            "with no payment token ('Payment undefined').",
        ),
        behaviour=Behaviour(ignores_send_otp_refusal=True),
    ),
    Fault(
        _m(
            "skips-status-after-timeout",
            "DP-ERR-003",
            "When authorize gets no usable answer, calls authorize again at once instead of "
            "asking payment/status first.",
        ),
        behaviour=Behaviour(skips_status_after_timeout=True),
    ),
    Fault(
        _m(
            "ignores-otp-lock",
            "DP-OTP-001",
            "Keeps sending the buyer's OTPs to authorize with a payment token three wrong OTPs "
            "killed (ERRPLT40014).",
        ),
        behaviour=Behaviour(ignores_otp_lock=True),
    ),
    Fault(
        _m(
            "voids-twice",
            "DP-VOID-001",
            "Sends every void twice, to be sure (ERRPLT40028 the second time).",
        ),
        behaviour=Behaviour(voids_twice=True),
    ),
    Fault(
        _m(
            "ignores-retry-after",
            "DP-RETRY-001",
            "Retries a call Prakerja answered busy (429 or 503 with Retry-After) after its own "
            "short backoff, not after Retry-After.",
        ),
        flaws=Flaws(ignores_retry_after=True),
    ),
    Fault(
        _m(
            "retry-storm",
            "DP-RETRY-002",
            "Retries at once, up to 12 times, every call that did not succeed: refused, busy or "
            "unanswered (a refused payment excepted).",
        ),
        flaws=Flaws(retry_storm=True),
    ),
)
BY_MUTANT = {fault.mutant.name: fault for fault in FAULTS}


def _factory(config: SimConfig) -> FastAPI:
    from simulators.platform.app import create_app

    if config.mutant is None:
        return create_app(DIGITAL_PLATFORM, config, Behaviour(), Flaws())
    DIGITAL_PLATFORM.mutant(config.mutant)  # KeyError naming the valid mutants
    fault = BY_MUTANT[config.mutant]
    return create_app(DIGITAL_PLATFORM, config, fault.behaviour, fault.flaws)


DIGITAL_PLATFORM = register(
    SimulatorKind(
        name=NAME,
        role=ROLE,
        summary="A digital platform (DP): a storefront from the catalogue, its providers' courses "
        "submitted for curation, a checkout through quota-schedule, send-otp and authorize, "
        "invoices with redeem codes, payment/status and void.",
        factory=_factory,
        directives=CLIENT_DIRECTIVES,
        mutants=tuple(fault.mutant for fault in FAULTS),
    )
)
