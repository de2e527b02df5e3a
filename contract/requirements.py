"""The requirement catalogue: what a partner of each role must (or should) do to be certified.

Every requirement has a stable ID (``PP-DISB-003``: role, area, serial), a level (MUST fails the
run, SHOULD is reported), the mode it is judged in (``server``: the harness calls the partner's
own API; ``client``: the sandbox records the calls the partner makes and judges them), the clause
of the contract it tests and a one-line statement. A requirement may apply only to partners that
declare a capability (a DP that never voids is not judged on void). The catalogue is data: the
checks that judge it live in ``conformance/`` and name the requirement they test; simulators'
mutants name the requirement they break. IDs are never reused for another meaning: a changed
requirement keeps its ID and bumps ``CATALOGUE_REVISION``; a dropped one is retired, not renamed.

Published as ``openapi/requirements.json`` (``prakerja openapi``), versioned with the contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from contract import VERSION
from contract.roles import Role

CATALOGUE_REVISION = 1
CATALOGUE_VERSION = f"{VERSION}+r{CATALOGUE_REVISION}"
"""The catalogue's version: the contract version it is written against, and its own revision."""

ID_PATTERN = re.compile(r"^(DP|LP|PP|JP|WH)-[A-Z]+-\d{3}$")
CERTIFIED_ROLES = (Role.DP, Role.LP, Role.PP, Role.JP)


class Level(StrEnum):
    """How much a requirement weighs: a MUST failure fails the run, a SHOULD failure is reported."""

    MUST = "MUST"
    SHOULD = "SHOULD"


class Mode(StrEnum):
    """Who calls whom while a requirement is judged."""

    SERVER = "server"  # the harness calls the partner's API (PP, JP, webhook receivers)
    CLIENT = "client"  # the partner calls the sandbox, which records the calls (DP, LP, JP push)


@dataclass(frozen=True)
class Requirement:
    """One requirement of the catalogue."""

    id: str
    roles: tuple[Role, ...]
    level: Level
    mode: Mode
    clause: str  # where the contract says it: a published document and the part of it
    statement: str  # one line, in the imperative of the partner
    capability: str | None = None  # judged only for partners declaring it; None: always

    def applies_to(self, role: Role, mode: Mode, capabilities: frozenset[str]) -> bool:
        """True when a partner of ``role`` with ``capabilities`` is judged on this in ``mode``."""
        return (
            role in self.roles
            and mode is self.mode
            and (self.capability is None or self.capability in capabilities)
        )


# What a partner may declare it implements, per role; anything else in a capabilities file is
# refused, so a typo cannot silently skip checks.
CAPABILITIES: dict[Role, dict[str, str]] = {
    Role.DP: {
        "quota_check": "calls payment/quota-schedule before selling a seat",
        "void": "cancels purchases with payment/void",
        "webhooks": "hosts a webhook receiver for Prakerja's events (purchase voided, card revoked)",
    },
    Role.LP: {
        "url_generate": "redeems and records attendance through the Prakerja verification page",
        "legacy_commit": "redeems with the legacy payment/redeem-code/commit",
        "assignments": "sends TPM/UK submissions and feedback",
        "results": "reports participants' scores and certificates to Prakerja",
        "webhooks": "hosts a webhook receiver for Prakerja's events",
    },
    Role.PP: {
        "bank": "bank accounts (account number)",
        "ewallet": "e-wallets (the holder's phone number)",
        "reconciliation": "serves the daily reconciliation statement",
        "webhooks": "hosts a webhook receiver for Prakerja's events",
    },
    Role.JP: {
        "feed": "serves the partner-hosted vacancy feed",
        "push": "pushes vacancies to Prakerja",
    },
}

REQUIREMENTS: dict[str, Requirement] = {}

_WH = (Role.DP, Role.LP, Role.PP)  # the roles Prakerja sends webhook events to
_SIGNATURE = "decisions.md#transport-and-security"
_INTEGRATION = "integration.openapi.json"
_PP = "payment-partner.openapi.json"
_JP = "job-portal.openapi.json"
_CERT = "certification.openapi.json"


def _r(
    id: str,
    roles: Role | tuple[Role, ...],
    level: Level,
    mode: Mode,
    clause: str,
    statement: str,
    capability: str | None = None,
) -> Requirement:
    if not ID_PATTERN.match(id):
        raise ValueError(f"requirement id {id!r} is not ROLE-AREA-NNN")
    if id in REQUIREMENTS:
        raise ValueError(f"duplicate requirement id {id}")
    roles = roles if isinstance(roles, tuple) else (roles,)
    for role in roles:
        if capability is not None and capability not in CAPABILITIES[role]:
            raise ValueError(f"{id}: {role.value} has no capability {capability!r}")
    requirement = Requirement(id, roles, level, mode, clause, statement, capability)
    REQUIREMENTS[id] = requirement
    return requirement


MUST, SHOULD = Level.MUST, Level.SHOULD
SERVER, CLIENT = Mode.SERVER, Mode.CLIENT
DP, LP, PP, JP = Role.DP, Role.LP, Role.PP, Role.JP

# One requirement a line, as a table: easier to read and to review than wrapped calls.
# fmt: off
# --- digital platforms, judged on the calls they make (client mode) --------------------------
_r("DP-SIGN-001", DP, MUST, CLIENT, _SIGNATURE, "Send client_code, timestamp and signature on every call.")
_r("DP-SIGN-002", DP, MUST, CLIENT, _SIGNATURE, "Sign every call right: HMAC-SHA1 over client_code + timestamp + METHOD + path + body.")
_r("DP-SIGN-003", DP, MUST, CLIENT, _SIGNATURE, "Stamp every call with the current Unix time (within ±300 s).")
_r("DP-SIGN-004", DP, MUST, CLIENT, _SIGNATURE, "Never send the same signature twice (a repeat is a replay).")
_r("DP-BODY-001", DP, MUST, CLIENT, _INTEGRATION, "Send bodies that match the documented request schema (no ERRGEN40001).")
_r("DP-PAY-001", DP, MUST, CLIENT, f"{_INTEGRATION} payment/send-otp, payment/authorize", "Complete a purchase: send-otp for the order, then authorize with the buyer's OTP and `Authorization: Payment <payment_token>`.")
_r("DP-PAY-002", DP, MUST, CLIENT, f"{_INTEGRATION} payment/send-otp", "Send the course price as the amount, in integer rupiah.")
_r("DP-PAY-003", DP, SHOULD, CLIENT, f"{_INTEGRATION} payment/quota-schedule", "Check the seats with quota-schedule before starting a purchase.", "quota_check")
_r("DP-PAY-004", DP, MUST, CLIENT, f"{_INTEGRATION} payment/authorize", "Use each payment token only for the order it was issued for, and only until it is used.")
_r("DP-PAY-005", DP, MUST, CLIENT, f"{_INTEGRATION} payment/authorize", "Give every purchase an invoice_code of its own (no ERRPLT40017).")
_r("DP-ERR-001", DP, MUST, CLIENT, f"{_INTEGRATION} payment/send-otp errors", "Do not repeat a refused send-otp unchanged (no blind retry of a refused payment).")
_r("DP-ERR-002", DP, MUST, CLIENT, f"{_INTEGRATION} payment/send-otp errors", "After a refused send-otp, do not call authorize for that order.")
_r("DP-ERR-003", DP, MUST, CLIENT, f"{_INTEGRATION} payment/status", "When an authorize gets no usable answer, ask payment/status before paying again.")
_r("DP-OTP-001", DP, MUST, CLIENT, "decisions.md#payments-dp", "After three wrong OTPs (ERRPLT40014), stop using that payment token.")
_r("DP-VOID-001", DP, MUST, CLIENT, f"{_INTEGRATION} payment/void", "Void a purchase by its own invoice and transaction codes, once.", "void")
_r("DP-RETRY-001", DP, MUST, CLIENT, f"{_CERT} sessions", "Wait at least Retry-After seconds before calling again after a 429 or 503.")
_r("DP-RETRY-002", DP, MUST, CLIENT, f"{_CERT} sessions", "Back off when refused or unanswered: never a failed call sent again more than 5 times in 2 seconds (no retry storm).")

# --- training providers, judged on the calls they make (client mode) -------------------------
_r("LP-SIGN-001", LP, MUST, CLIENT, _SIGNATURE, "Send client_code, timestamp and signature on every call.")
_r("LP-SIGN-002", LP, MUST, CLIENT, _SIGNATURE, "Sign every call right: HMAC-SHA1 over client_code + timestamp + METHOD + path + body.")
_r("LP-SIGN-003", LP, MUST, CLIENT, _SIGNATURE, "Stamp every call with the current Unix time (within ±300 s).")
_r("LP-SIGN-004", LP, MUST, CLIENT, _SIGNATURE, "Never send the same signature twice (a repeat is a replay).")
_r("LP-BODY-001", LP, MUST, CLIENT, _INTEGRATION, "Send bodies that match the documented request schema (no ERRGEN40001).")
_r("LP-RDM-001", LP, MUST, CLIENT, f"{_INTEGRATION} payment/redeem-code/status", "Check a redeem code with redeem-code/status before redeeming it.")
_r("LP-RDM-002", LP, MUST, CLIENT, f"{_INTEGRATION} oauth/url-generate", "Redeem through the verification page: url-generate for sequence 1, then read the status.", "url_generate")
_r("LP-RDM-003", LP, MUST, CLIENT, f"{_INTEGRATION} payment/redeem-code/commit", "Redeem with redeem-code/commit only a code whose status is not redeemed.", "legacy_commit")
_r("LP-RDM-004", LP, MUST, CLIENT, f"{_INTEGRATION} oauth/url-generate", "Send url-generate the e-mail the participant gave, for that participant only (one e-mail per course).", "url_generate")
_r("LP-ATT-001", LP, MUST, CLIENT, "decisions.md#redeem-codes-and-attendance-lp", "Ask for attendance stages in order: never a stage before the earlier ones are verified (no ERRRDM40003).")
_r("LP-ATT-002", LP, MUST, CLIENT, f"{_INTEGRATION} oauth/url-generate", "Send only a registered redirect_uri (no ERRRDM40007).", "url_generate")
_r("LP-ATT-003", LP, MUST, CLIENT, f"{_INTEGRATION} payment/redeem-code/status", "Report a stage as attended only after redeem-code/status says it is verified.")
_r("LP-ERR-001", LP, MUST, CLIENT, f"{_INTEGRATION} errors", "Do not repeat a refused call unchanged (voided code, stage out of order).")
_r("LP-TPM-001", LP, MUST, CLIENT, "decisions.md#tpm--uk", "Send feedback only on a submission that was recorded (no ERRTPM40002).", "assignments")
_r("LP-TPM-002", LP, MUST, CLIENT, "decisions.md#tpm--uk", "Use scope tpm with sequences 1-998 and uk with 999 (no ERRTPM40001).", "assignments")
_r("LP-RES-001", LP, MUST, CLIENT, f"{_INTEGRATION} catalogue/results", "Report scores and the certificate only after the post-test is verified (no ERRCAT40906).", "results")
_r("LP-RETRY-001", LP, MUST, CLIENT, f"{_CERT} sessions", "Wait at least Retry-After seconds before calling again after a 429 or 503.")
_r("LP-RETRY-002", LP, MUST, CLIENT, f"{_CERT} sessions", "Back off when refused or unanswered: never a failed call sent again more than 5 times in 2 seconds (no retry storm).")

# --- payment partners, judged by calling their API (server mode) -----------------------------
_r("PP-SIGN-001", PP, MUST, SERVER, f"{_PP} security", "Refuse a call from Prakerja without client_code, timestamp or signature (401 in the envelope).")
_r("PP-SIGN-002", PP, MUST, SERVER, f"{_PP} security", "Refuse a call whose signature is not Prakerja's (401 in the envelope).")
_r("PP-SIGN-003", PP, MUST, SERVER, f"{_PP} security", "Refuse a call whose timestamp is outside ±300 s (401 in the envelope).")
_r("PP-SIGN-004", PP, MUST, SERVER, f"{_PP} security", "Refuse a replayed signature (401 in the envelope).")
_r("PP-SCHEMA-001", PP, MUST, SERVER, _PP, "Answer every documented operation as documented: status code, content type and body schema, never a 5xx.")
_r("PP-SCHEMA-002", PP, MUST, SERVER, _PP, "Refuse malformed, wrongly typed and oversize bodies with a 4xx in the envelope.")
_r("PP-LINK-001", PP, MUST, SERVER, f"{_PP} account inquiry", "Answer an account inquiry with the KYC level, the holder's name and whether the NIK matches.")
_r("PP-LINK-002", PP, MUST, SERVER, f"{_PP} account inquiry", "Refuse an inquiry for an unknown account with a catalogued 4xx.")
_r("PP-LINK-003", PP, MUST, SERVER, f"{_PP} account inquiry", "Never return the NIK.")
_r("PP-DISB-001", PP, MUST, SERVER, f"{_PP} disbursement", "Pay a disbursement to a known account, in integer rupiah, and report its final status.")
_r("PP-DISB-002", PP, MUST, SERVER, f"{_PP} disbursement idempotency", "Answer a repeated disbursement (same key, same body) with the first result, and pay once.")
_r("PP-DISB-003", PP, MUST, SERVER, f"{_PP} disbursement idempotency", "Refuse a disbursement that reuses a key with a different body, with a catalogued 4xx.")
_r("PP-DISB-004", PP, MUST, SERVER, f"{_PP} disbursement status", "Report a disbursement's status by its id; refuse an unknown id with a catalogued 4xx.")
_r("PP-DISB-005", PP, MUST, SERVER, f"{_PP} reconciliation", "Report success only for money actually paid: what the status says settled is in the statement.", "reconciliation")
_r("PP-DISB-006", PP, MUST, SERVER, f"{_PP} disbursement", "Refuse a disbursement to an unknown account without paying.")
_r("PP-CB-001", PP, MUST, SERVER, f"{_PP} callbacks", "Send a callback for every disbursement that settles or fails, within the agreed time.")
_r("PP-CB-002", PP, MUST, SERVER, f"{_PP} callbacks", "Sign every callback with the partner's sign_key.")
_r("PP-CB-003", PP, MUST, SERVER, f"{_PP} callbacks", "Send a disbursement's callbacks in a legal order (no state after a final one).")
_r("PP-CB-004", PP, MUST, SERVER, f"{_PP} callbacks", "Make duplicate callbacks harmless: a repeat carries the same outcome.")
_r("PP-REC-001", PP, MUST, SERVER, f"{_PP} reconciliation", "List every settled disbursement of the day in the statement, with its amount, and nothing else.", "reconciliation")

# --- job portals: the feed they serve (server mode) and the vacancies they push (client) -------
_r("JP-SIGN-001", JP, MUST, SERVER, f"{_JP} security", "Refuse a feed call from Prakerja without client_code, timestamp or signature.", "feed")
_r("JP-SIGN-002", JP, MUST, SERVER, f"{_JP} security", "Refuse a feed call whose signature is not Prakerja's.", "feed")
_r("JP-SIGN-003", JP, MUST, SERVER, f"{_JP} security", "Refuse a feed call whose timestamp is outside ±300 s.", "feed")
_r("JP-SIGN-004", JP, MUST, SERVER, f"{_JP} security", "Refuse a replayed signature.", "feed")
_r("JP-SCHEMA-001", JP, MUST, SERVER, _JP, "Answer every documented feed operation as documented, never a 5xx.", "feed")
_r("JP-SCHEMA-002", JP, MUST, SERVER, _JP, "Refuse malformed and oversize requests with a 4xx in the envelope.", "feed")
_r("JP-FEED-001", JP, MUST, SERVER, f"{_JP} feed paging", "Page the feed with a cursor that never repeats or skips a vacancy.", "feed")
_r("JP-FEED-002", JP, MUST, SERVER, f"{_JP} vacancy", "Serve only valid vacancies: salary_min ≤ salary_max, a known region, an expiry after posting.", "feed")
_r("JP-FEED-003", JP, MUST, SERVER, f"{_JP} feed paging", "Refuse an unknown or malformed cursor with a catalogued 4xx.", "feed")
_r("JP-PUSH-001", JP, MUST, CLIENT, _SIGNATURE, "Sign every push right, with a current timestamp and a fresh signature.", "push")
_r("JP-PUSH-002", JP, MUST, CLIENT, "jobs push", "Push only vacancies the server accepts (no item rejected for a schema or range error).", "push")

# --- any partner's webhook receiver (server mode) --------------------------------------------
_r("WH-SIGN-001", _WH, MUST, SERVER, "webhooks security", "Refuse a webhook whose signature is not Prakerja's (non-2xx).", "webhooks")
_r("WH-SIGN-002", _WH, MUST, SERVER, "webhooks security", "Refuse a webhook whose timestamp is outside ±300 s (non-2xx).", "webhooks")
_r("WH-SIGN-003", _WH, MUST, SERVER, "webhooks security", "Refuse a replayed webhook signature (non-2xx).", "webhooks")
_r("WH-ACK-001", _WH, MUST, SERVER, "webhooks delivery", "Acknowledge a correctly signed webhook with a 2xx within 10 seconds.", "webhooks")
_r("WH-DUP-001", _WH, MUST, SERVER, "webhooks delivery", "Acknowledge a duplicate delivery of an event (same event id) with a 2xx, harmlessly.", "webhooks")
# fmt: on


def for_partner(
    role: Role, mode: Mode, capabilities: frozenset[str] = frozenset()
) -> list[Requirement]:
    """The requirements a partner of ``role`` declaring ``capabilities`` is judged on in ``mode``."""
    return [r for r in REQUIREMENTS.values() if r.applies_to(role, mode, capabilities)]


def modes_of(role: Role) -> tuple[Mode, ...]:
    """The modes a role is certified in (JP has both: its feed and its pushes)."""
    return tuple(
        m for m in Mode if any(role in r.roles and r.mode is m for r in REQUIREMENTS.values())
    )


def catalogue_document() -> dict[str, object]:
    """The catalogue as published data (``openapi/requirements.json``)."""
    return {
        "catalogue_version": CATALOGUE_VERSION,
        "contract_version": VERSION,
        "capabilities": {
            role.value: dict(sorted(caps.items())) for role, caps in CAPABILITIES.items()
        },
        "requirements": [
            {
                "id": r.id,
                "roles": [role.value for role in r.roles],
                "level": r.level.value,
                "mode": r.mode.value,
                "clause": r.clause,
                "statement": r.statement,
                "capability": r.capability,
            }
            for r in REQUIREMENTS.values()
        ],
    }
