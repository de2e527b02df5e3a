"""The payment partners as simulator kinds (role ``pp``): ``bank`` and ``ewallet``, and their mutants.

An instance is one partner of ``partners.PARTNERS`` (``SimConfig.instance``: ``bni``, ``ovo``…;
or ``options["spec"]``, a ``PartnerSpec``); a kind's default instance is its first partner. Its
accounts come from ``options["book"]`` (an ``AccountBook``), or ``options["population"]`` (a
population CSV) with ``options["seed"]``, or, with neither, only the fixture accounts
(``GET /_sim/fixtures``). Callbacks go to ``sandbox_url`` signed with ``sign_key`` as
``client_code``; Prakerja's calls are verified with ``webhook_key``.

Every mutant is wrong in exactly the one way its name says, and names the conformance
requirement that must catch it (``contract.requirements`` of the harness, role PP).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contract import simulate
from simulators.framework.registry import Mutant, SimConfig, SimulatorKind, register

if TYPE_CHECKING:
    from fastapi import FastAPI

ROLE = "pp"

PAYS_TWICE_ON_RETRY = "pays-twice-on-retry"
IGNORES_SIGNATURE = "ignores-signature"
UNSIGNED_CALLBACKS = "unsigned-callbacks"
SUCCESS_WITHOUT_PAYING = "success-without-paying"
REORDERS_CALLBACKS = "reorders-callbacks"
IGNORES_TIMESTAMP = "ignores-timestamp"
ACCEPTS_REPLAY = "accepts-replay"
IGNORES_BODY_ON_RETRY = "ignores-body-on-retry"
MATCHES_ANY_NIK = "matches-any-nik"
RETURNS_NIK = "returns-nik"
PAYS_UNKNOWN_ACCOUNT = "pays-unknown-account"
NEVER_CALLS_BACK = "never-calls-back"
INVENTS_UNKNOWN_STATUS = "invents-unknown-status"
STATEMENT_PAGES_OVERLAP = "statement-pages-overlap"
CRASHES_ON_BAD_BODY = "crashes-on-bad-body"

MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        name=PAYS_TWICE_ON_RETRY,
        summary="A repeated disburse with the same disbursement_id and body answers the first "
        "result but credits the account again (the statement lists the id twice).",
        requirement="PP-DISB-002",
    ),
    Mutant(
        name=IGNORES_SIGNATURE,
        summary="Accepts Prakerja's calls whatever their signature (headers, timestamp window "
        "and replay of a valid signature are still checked).",
        requirement="PP-SIGN-002",
    ),
    Mutant(
        name=UNSIGNED_CALLBACKS,
        summary="Sends its callbacks without timestamp and signature headers.",
        requirement="PP-CB-002",
    ),
    Mutant(
        name=SUCCESS_WITHOUT_PAYING,
        summary="Answers and calls back SUCCESS without crediting the account: the statement, "
        "built from the money, does not list it.",
        requirement="PP-DISB-005",
    ),
    Mutant(
        name=REORDERS_CALLBACKS,
        summary="Delivers the PENDING notice of a disbursement after its final callback, so the "
        "receiver sees a state after a final one.",
        requirement="PP-CB-003",
    ),
    Mutant(
        name=IGNORES_TIMESTAMP,
        summary="Accepts Prakerja's calls with a timestamp outside ±300 s.",
        requirement="PP-SIGN-003",
    ),
    Mutant(
        name=ACCEPTS_REPLAY,
        summary="Accepts a signature it has already accepted (a replayed call).",
        requirement="PP-SIGN-004",
    ),
    Mutant(
        name=IGNORES_BODY_ON_RETRY,
        summary="A disbursement_id reused with another account or amount answers the first "
        "result (HTTP 200) instead of refusing it with ERRPPR40901.",
        requirement="PP-DISB-003",
    ),
    Mutant(
        name=MATCHES_ANY_NIK,
        summary="Account inquiry says nik_match true for any NIK asked about a verified account.",
        requirement="PP-LINK-001",
    ),
    Mutant(
        name=RETURNS_NIK,
        summary="Account inquiry returns the account holder's NIK in its data.",
        requirement="PP-LINK-003",
    ),
    Mutant(
        name=PAYS_UNKNOWN_ACCOUNT,
        summary="A disbursement to an account it does not hold succeeds (into a suspense "
        "account) instead of failing with ERRPPR40401.",
        requirement="PP-DISB-006",
    ),
    Mutant(
        name=NEVER_CALLS_BACK,
        summary="Sends no callback when a disbursement becomes final.",
        requirement="PP-CB-001",
    ),
    Mutant(
        name=INVENTS_UNKNOWN_STATUS,
        summary="Status of a disbursement_id it never recorded answers PENDING instead of "
        "ERRPPR40402 (so Prakerja would never send it).",
        requirement="PP-DISB-004",
    ),
    Mutant(
        name=STATEMENT_PAGES_OVERLAP,
        summary="Each statement page after the first repeats the last entry of the page before.",
        requirement="PP-REC-001",
    ),
    Mutant(
        name=CRASHES_ON_BAD_BODY,
        summary="A malformed or wrongly typed body gets HTTP 500 instead of ERRPPR40001.",
        requirement="PP-SCHEMA-002",
    ),
)

DIRECTIVES = frozenset(
    {
        simulate.TIMEOUT_AFTER_DEBIT,
        simulate.DUPLICATE_CALLBACK,
        simulate.LATE_CALLBACK,
        simulate.CALLBACK_BEFORE_RESPONSE,
        simulate.BAD_SIGNATURE,
    }
)


def _bank(config: SimConfig) -> FastAPI:
    from simulators.payment import app

    return app.create_app(config, "bank")


def _ewallet(config: SimConfig) -> FastAPI:
    from simulators.payment import app

    return app.create_app(config, "ewallet")


BANK = register(
    SimulatorKind(
        name="bank",
        role=ROLE,
        summary="A bank paying incentives into account numbers (BNI, BCA): inquiry with KYC, "
        "exactly-once disbursement, status, signed callbacks, the daily statement.",
        factory=_bank,
        directives=DIRECTIVES,
        mutants=MUTANTS,
    )
)
EWALLET = register(
    SimulatorKind(
        name="ewallet",
        role=ROLE,
        summary="An e-wallet paying incentives to the holder's phone (OVO, GoPay, LinkAja, "
        "DANA): as a bank, plus opening a wallet and its KYC upgrade in the holder's app.",
        factory=_ewallet,
        directives=DIRECTIVES,
        mutants=MUTANTS,
    )
)
KINDS = {kind.name: kind for kind in (BANK, EWALLET)}
