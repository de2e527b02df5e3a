"""The payment-partner suite against the payment-partner simulators: a correct bank and e-wallet
pass every requirement; each mutant of each kind fails the requirement it names (the matrix).

No sandbox is involved (the harness plays Prakerja and its own callback receiver), so these run
in the SQLite pass only.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from conformance.evidence import Redactor
from conformance.files import Declaration
from conformance.runner import Runner
from conformance.server_mode import Credentials, Receiver, ServerContext
from conformance.suites.pp import suite
from contract.certification import Outcome, RunReport
from contract.endpoints import Role
from simulators.payment import kinds
from simulators.payment.app import WEBHOOK_PATH
from simulators.payment.launch import running_payment_partners
from simulators.payment.partners import BY_INSTANCE, ZERO_LATENCY, adjust

QUICK = {"callback_within_seconds": 4, "answer_within_seconds": 5}
KINDS = {"bni": kinds.BANK, "dana": kinds.EWALLET}  # a bank that settles later, an e-wallet


@contextmanager
def _partner(instance: str, mutant: str | None, *, quick: bool = True) -> Iterator[ServerContext]:
    """One simulator (a mutant, or correct) and a context to certify it, its receiver first."""
    creds = Credentials(
        f"pp-{secrets.token_hex(6)}", secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    )
    receiver = Receiver(client_code=creds.client_code, sign_key=creds.sign_key)
    spec = BY_INSTANCE[instance]
    specs = (
        adjust([spec], every={**ZERO_LATENCY, "settle_ms": spec.settle_ms}) if quick else (spec,)
    )
    keys = {instance: {"client_code": creds.client_code, "sign_key": creds.sign_key,
                       "webhook_key": creds.webhook_key}}  # fmt: skip
    mutants = {instance: mutant} if mutant else None
    with running_payment_partners(None, receiver.url, keys, specs=specs, mutants=mutants) as urls:
        context = ServerContext(
            role=Role.PP,
            base_url=urls[instance],
            credentials=creds,
            capabilities=Declaration.everything(Role.PP).capabilities,
            redactor=Redactor([creds.sign_key, creds.webhook_key]),
            settings=QUICK if quick else None,
            webhook_url=urls[instance] + WEBHOOK_PATH,
            receiver=receiver,
        )
        try:
            yield context
        finally:
            context.close()


def _not_passed(report: RunReport) -> dict[str, str]:
    return {r.requirement_id: r.message for r in report.results if r.outcome is not Outcome.PASSED}


def test_a_correct_bank_passes_every_requirement() -> None:
    with _partner("bni", None) as context:  # quiet, but settling later: PENDING, then callbacks
        report = Runner(suite, context).run()
    assert _not_passed(report) == {}
    assert report.summary.passed_run and report.summary.checks == len(suite.checks)


MATRIX = [
    (instance, m.name, m.requirement) for instance, kind in KINDS.items() for m in kind.mutants
]


def _judged(instance: str, mutant: str, requirement: str) -> str | None:
    """None when the mutant fails its requirement; else what happened instead."""
    with _partner(instance, mutant) as context:
        report = Runner(suite, context, only=frozenset({requirement})).run()
    failed = {r.requirement_id for r in report.results if r.outcome is Outcome.FAILED}
    if requirement in failed:
        return None
    return f"{instance}/{mutant} did not fail {requirement}: {_not_passed(report) or 'passed'}"


def test_every_mutant_fails_the_requirement_it_names() -> None:
    """The matrix, run side by side (each run mostly waits for its partner's callbacks)."""
    assert all(requirement for _, _, requirement in MATRIX)
    for instance in KINDS:  # each kind's app built once first: pydantic's first build of a
        with _partner(instance, None):  # model's schema is not safe from two threads at once
            pass
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda row: _judged(*row), MATRIX))  # type: ignore[arg-type]
    assert [o for o in outcomes if o] == []
    assert len(outcomes) == sum(len(kind.mutants) for kind in KINDS.values()) >= 30
