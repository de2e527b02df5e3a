"""Certification (sandbox-defined surface): run reports, certificates, client-mode sessions.

A certification run is what ``prakerja certify`` produces: one result per check of the role's
requirements (``contract.requirements``), each with its evidence (the exchanges, secrets and NIKs
redacted). The partner submits the report to the sandbox, signed with its own key; the sandbox
checks that it is whole and unaltered (the digest), stores it, and — when no MUST requirement
failed — issues a certificate signed with the programme office's Ed25519 key, which anyone holding
the office's public key can verify offline. The office accepts or rejects each run with a comment.

Client mode (DP, LP, JP pushes): the partner opens a session; while it is open the sandbox records
every call the partner makes, under the scenario the harness started, and injects the scenario's
faults (a busy server with ``Retry-After``, an answer lost after the payment went through). The
harness reads the recorded calls back and judges them.

The digest and the certificate's signed bytes are canonical JSON (sorted keys, no spaces, UTF-8),
computed here, once, for the harness and the sandbox alike.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contract.requirements import Level, Mode
from contract.roles import Role
from contract.types import Storable

MAX_RESULTS = 2_000
MAX_EXCHANGES = 20  # evidence kept per check: the first exchanges and the failing one
MAX_TEXT = 4_096  # characters of a body or message kept in evidence
CERTIFICATE_FORMAT: Literal["prakerja-certificate/1"] = "prakerja-certificate/1"
ALGORITHM: Literal["Ed25519"] = "Ed25519"

Text = Annotated[str, StringConstraints(max_length=MAX_TEXT), Storable]
ShortText = Annotated[str, StringConstraints(max_length=200), Storable]
RunId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
RequirementId = Annotated[str, StringConstraints(pattern=r"^(DP|LP|PP|JP|WH)-[A-Z]+-\d{3}$")]
Timestamp = Annotated[str, StringConstraints(min_length=10, max_length=40), Storable]
Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the report -------------------------------------------------------------------------------


class Outcome(StrEnum):
    """What one check concluded."""

    PASSED = "passed"
    FAILED = "failed"  # the partner broke the requirement
    ERRORED = "errored"  # the harness could not judge (its own error, or a setup that failed)
    WAIVED = "waived"  # failed, under a waiver that has not expired
    STALE_WAIVER = "stale_waiver"  # passed although waived: remove the waiver


BLOCKING = frozenset({Outcome.FAILED, Outcome.ERRORED, Outcome.STALE_WAIVER})
"""Outcomes that fail a run when the requirement is a MUST."""


class Exchange(BaseModel):
    """One request and its response, as evidence (already redacted)."""

    model_config = ConfigDict(extra="forbid")

    direction: Literal["to_partner", "from_partner"] = Field(
        description="to_partner: the harness called the partner; from_partner: the partner "
        "called the sandbox or the harness's receiver."
    )
    method: Annotated[str, StringConstraints(max_length=10)]
    url: Text
    request_headers: dict[ShortText, Text] = Field(default_factory=dict)
    request_body: Text | None = None
    status: int | None = Field(default=None, description="None: no answer (timeout, refused).")
    response_headers: dict[ShortText, Text] = Field(default_factory=dict)
    response_body: Text | None = None
    elapsed_ms: int | None = None
    at: Timestamp
    note: Text | None = None


class Waiver(BaseModel):
    """The waiver a result was judged under."""

    model_config = ConfigDict(extra="forbid")

    reason: Text
    expires: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class CheckResult(BaseModel):
    """One check of one requirement (a check may run in several variants)."""

    model_config = ConfigDict(extra="forbid")

    requirement_id: RequirementId
    level: Level
    check: ShortText = Field(description="The check's name in the harness.")
    variant: ShortText | None = Field(default=None, description="e.g. the operation checked.")
    outcome: Outcome
    message: Text = ""
    received: Text | None = None
    expected: Text | None = None
    evidence: list[Exchange] = Field(default_factory=list, max_length=MAX_EXCHANGES)
    duration_ms: int = Field(ge=0)
    waiver: Waiver | None = None


class Summary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checks: int
    passed: int
    failed: int
    errored: int
    waived: int
    stale_waivers: int
    must_failures: int = Field(description="MUST results that fail the run.")
    should_failures: int
    passed_run: bool = Field(description="True when no MUST result fails the run.")


class RunReport(BaseModel):
    """Everything one certification run found; what ``report.json`` holds and the sandbox stores."""

    model_config = ConfigDict(extra="forbid")

    run_id: RunId
    partner: Annotated[str, StringConstraints(min_length=1, max_length=64), Storable]
    role: Role
    mode: Mode
    target: Text = Field(description="The base URL called (server mode) or the sandbox (client).")
    capabilities: list[ShortText] = Field(max_length=50)
    contract_version: ShortText
    catalogue_version: ShortText
    harness_version: ShortText
    started_at: Timestamp
    finished_at: Timestamp
    results: list[CheckResult] = Field(max_length=MAX_RESULTS)
    summary: Summary
    digest: Digest = Field(description="SHA-256 of the canonical report without this field.")


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8 (what digests and signatures cover)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def report_digest(report: RunReport) -> str:
    """The SHA-256 hex of the canonical report, its own ``digest`` left out."""
    return hashlib.sha256(canonical(report.model_dump(mode="json", exclude={"digest"}))).hexdigest()


def summarize(results: list[CheckResult]) -> Summary:
    """Counts of the results and whether the run passes (no MUST result in a blocking outcome)."""

    def count(outcome: Outcome) -> int:
        return sum(1 for r in results if r.outcome is outcome)

    must = sum(1 for r in results if r.level is Level.MUST and r.outcome in BLOCKING)
    should = sum(1 for r in results if r.level is Level.SHOULD and r.outcome in BLOCKING)
    return Summary(
        checks=len(results),
        passed=count(Outcome.PASSED),
        failed=count(Outcome.FAILED),
        errored=count(Outcome.ERRORED),
        waived=count(Outcome.WAIVED),
        stale_waivers=count(Outcome.STALE_WAIVER),
        must_failures=must,
        should_failures=should,
        passed_run=must == 0,
    )


# --- the certificate --------------------------------------------------------------------------


class CertificateBody(BaseModel):
    """What the programme office signs."""

    model_config = ConfigDict(extra="forbid")

    certificate_id: str
    issuer: str
    partner: str = Field(description="The partner's client_code.")
    partner_name: str
    role: Role
    mode: Mode
    contract_version: str
    catalogue_version: str
    capabilities: list[str]
    run_id: str
    results_digest: str = Field(description="The digest of the run's report.json.")
    waived: list[str] = Field(description="Requirements failed under a waiver in this run.")
    issued_at: str
    expires_at: str
    key_id: str = Field(description="First 16 hex digits of SHA-256 of the public key.")


class Certificate(BaseModel):
    """A signed certificate: ``certificate.json``."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["prakerja-certificate/1"] = CERTIFICATE_FORMAT
    certificate: CertificateBody
    algorithm: Literal["Ed25519"] = ALGORITHM
    public_key: str = Field(description="The signer's Ed25519 public key, base64 of 32 bytes.")
    signature: str = Field(description="Base64 Ed25519 signature of the canonical `certificate`.")


def key_id(public_key_b64: str) -> str:
    """The short fingerprint of a public key (base64 text as published)."""
    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:16]


def signed_bytes(body: CertificateBody) -> bytes:
    """The exact bytes a certificate's signature covers."""
    return canonical(body.model_dump(mode="json"))


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying a certificate offline."""

    problems: tuple[str, ...]

    @property
    def valid(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def verify_certificate(
    certificate: Certificate,
    trusted_public_key: str,
    now: datetime,
    report_digest_value: str | None = None,
) -> Verdict:
    """Check a certificate against the office's public key (base64), a time, and optionally the
    digest of the report it claims to certify. Every problem found is listed."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    problems: list[str] = []
    body = certificate.certificate
    try:
        trusted = base64.b64decode(trusted_public_key.strip(), validate=True)
        given = base64.b64decode(certificate.public_key, validate=True)
    except ValueError:
        return Verdict(("a public key is not valid base64",))
    if given != trusted:
        problems.append(
            f"signed by key {key_id(certificate.public_key)}, not by the trusted key "
            f"{key_id(trusted_public_key)}"
        )
    elif body.key_id != key_id(certificate.public_key):
        problems.append("key_id does not name the signing key")
    try:
        signature = base64.b64decode(certificate.signature, validate=True)
        Ed25519PublicKey.from_public_bytes(trusted).verify(signature, signed_bytes(body))
    except (ValueError, InvalidSignature):
        problems.append("the signature does not match the certificate (altered or forged)")
    try:
        issued = datetime.fromisoformat(body.issued_at)
        expires = datetime.fromisoformat(body.expires_at)
    except ValueError:
        problems.append("issued_at or expires_at is not an ISO-8601 time")
    else:
        if now < issued:
            problems.append(f"not valid before {body.issued_at}")
        if now >= expires:
            problems.append(f"expired at {body.expires_at}")
    if report_digest_value is not None and report_digest_value != body.results_digest:
        problems.append("the report given is not the one this certificate certifies (digest)")
    return Verdict(tuple(problems))


# --- the runs API -----------------------------------------------------------------------------


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RunsRequest(Request):
    client_code: Annotated[str, StringConstraints(min_length=1, max_length=64), Storable] | None = (
        Field(
            default=None,
            description="Programme office only: the partner whose runs to list (default all).",
        )
    )
    limit: int = Field(default=50, ge=1, le=500, strict=True)


class RunRequest(Request):
    run_id: RunId


class DecideRequest(Request):
    run_id: RunId
    decision: Decision
    comment: Annotated[str, StringConstraints(min_length=1, max_length=2_000), Storable]


class RunData(BaseModel):
    """A stored run, as listed."""

    run_id: str
    partner: str
    role: Role
    mode: Mode
    contract_version: str
    catalogue_version: str
    passed: bool
    must_failures: int
    should_failures: int
    digest: str
    submitted_at: str
    decision: Decision | None
    comment: str | None
    decided_at: str | None
    decided_by: str | None
    certificate: Certificate | None = Field(description="Issued when the run passed.")


class RunsData(BaseModel):
    runs: list[RunData] = Field(description="Newest first.")


class RunDetailData(BaseModel):
    run: RunData
    report: RunReport


class PublicKeyData(BaseModel):
    algorithm: Literal["Ed25519"] = ALGORITHM
    public_key: str = Field(description="Base64 of the raw 32-byte Ed25519 public key.")
    key_id: str


# --- client mode: scenarios the partner drives, and the calls it made --------------------------


class FaultKind(StrEnum):
    BUSY = "busy"  # answered at once, without processing: 503 with Retry-After
    LOST_ANSWER = "lost_answer"  # processed, then answered 504 as if the answer was lost


@dataclass(frozen=True)
class Fault:
    """A fault the sandbox injects into a partner's calls during a scenario."""

    kind: FaultKind
    path: str  # the operation whose calls are hit
    calls: int  # how many of them
    retry_after: int | None = None  # seconds, for BUSY


@dataclass(frozen=True)
class Scenario:
    """One thing the partner is asked to do, with the fixtures it must use."""

    name: str
    role: Role
    instruction: str  # a template over the fixture names below
    fixtures: tuple[tuple[str, str], ...]  # (name, fixture reference) the sandbox resolves
    fault: Fault | None = None
    capability: str | None = None


_PAY = "/api/v1/integration/payment"
BUSY_CALLS = 6  # enough that a client retrying at once makes a storm, few for one that waits
_BUY = (
    "Sell {course_code} (schedule {schedule_code}, Rp{amount}) to card {prakerja_id} "
    "(user_platform_id {user_platform_id})"
)
SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "happy-path",
        Role.DP,
        _BUY + ": the buyer reads the OTP from the SMS inbox and types it right. Then confirm "
        "the purchase with payment/status.",
        (("prakerja_id", "card:normal-1"), ("course", "SBX-MANDIRI-OPEN")),
    ),
    Scenario(
        "insufficient-balance",
        Role.DP,
        _BUY + ". The card's balance is too low: handle the refusal.",
        (("prakerja_id", "card:low-balance"), ("course", "SBX-MANDIRI-OPEN")),
    ),
    Scenario(
        "quota-gone",
        Role.DP,
        _BUY + ". The schedule has no seats left: handle the refusal.",
        (("prakerja_id", "card:normal-2"), ("course", "SBX-MANDIRI-FULL")),
    ),
    Scenario(
        "training-started",
        Role.DP,
        _BUY + ". The training has already started: handle the refusal.",
        (("prakerja_id", "card:normal-2"), ("course", "SBX-MANDIRI-STARTED")),
    ),
    Scenario(
        "otp-wrong-three-times",
        Role.DP,
        _BUY + ": the buyer types a wrong OTP three times (never the one in the inbox).",
        (("prakerja_id", "card:normal-2"), ("course", "SBX-WEBINAR-OPEN")),
    ),
    Scenario(
        "void",
        Role.DP,
        _BUY + ", then cancel the purchase with payment/void and confirm with payment/status.",
        (("prakerja_id", "card:semi-bansos"), ("course", "SBX-MANDIRI-OPEN")),
        capability="void",
    ),
    Scenario(
        "busy",
        Role.DP,
        _BUY + ". The sandbox is busy for the first calls of send-otp (503 with Retry-After).",
        (("prakerja_id", "card:normal-2"), ("course", "SBX-MANDIRI-OPEN")),
        Fault(FaultKind.BUSY, f"{_PAY}/send-otp", calls=BUSY_CALLS, retry_after=1),
    ),
    Scenario(
        "lost-answer",
        Role.DP,
        _BUY + ". The answer to authorize is lost on the way (504) although the payment went "
        "through: find out what happened before paying again.",
        (("prakerja_id", "card:normal-1"), ("course", "SBX-WEBINAR-OPEN")),
        Fault(FaultKind.LOST_ANSWER, f"{_PAY}/authorize", calls=1),
    ),
    # Training providers: a participant presents a PRAT- code of the LP's own fixtures (the
    # harness acts as the participant, on the LP's site and on Prakerja's verification page).
    Scenario(
        "self-paced",
        Role.LP,
        "A participant redeems {redeem_code} (a self-paced course) with the e-mail {email} and "
        "takes it to the end: the redeem, then the post-test, each verified on Prakerja's page.",
        (("redeem_code", "code:TC1-001-200"), ("email", "email:first")),
    ),
    Scenario(
        "webinar",
        Role.LP,
        "A participant redeems {redeem_code} (a webinar of four sessions) with the e-mail "
        "{email}, attends every session, hands in the assignments and takes the post-test.",
        (("redeem_code", "code:TC2-001-200"), ("email", "email:webinar")),
    ),
    Scenario(
        "another-participant",
        Role.LP,
        "A second participant of the self-paced course, redeemed already ({redeem_code}), takes "
        "the post-test with their own e-mail {email}.",
        (("redeem_code", "code:TC1-999-200"), ("email", "email:second")),
    ),
    Scenario(
        "email-taken",
        Role.LP,
        "A participant presents {redeem_code} (the self-paced course) with {email}, the e-mail "
        "of the first participant of that course: Prakerja refuses it; tell the participant.",
        (("redeem_code", "code:TC1-002-400"), ("email", "email:first")),
    ),
    Scenario(
        "voided-code",
        Role.LP,
        "A participant presents {redeem_code} (with {email}), whose purchase was voided: it "
        "cannot be redeemed; handle it.",
        (("redeem_code", "code:TC3-001-400"), ("email", "email:voided")),
    ),
    Scenario(
        "push",
        Role.JP,
        "Publish a few new vacancies and withdraw one of your earlier ones: your portal pushes "
        "them (and the withdrawal) to Prakerja as it does in production.",
        (),
    ),
    Scenario(
        "busy",
        Role.LP,
        "A participant presents {redeem_code} (with {email}) while the sandbox is busy for the "
        "first calls of redeem-code/status (503 with Retry-After).",
        (("redeem_code", "code:TC2-999-200"), ("email", "email:busy")),
        Fault(FaultKind.BUSY, f"{_PAY}/redeem-code/status", calls=BUSY_CALLS, retry_after=1),
    ),
)
SCENARIOS_BY_NAME: dict[tuple[Role, str], Scenario] = {(s.role, s.name): s for s in SCENARIOS}
"""The scenarios by (role, name): names are unique within a role."""
if len(SCENARIOS_BY_NAME) != len(SCENARIOS):
    raise ValueError("two scenarios of one role share a name")


class OpenSessionRequest(Request):
    scenarios: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] | None = Field(
        default=None, description="The scenarios to run (default: every one of the role)."
    )


class ScenarioData(BaseModel):
    name: str
    instruction: str = Field(description="What to do, with the fixtures filled in.")
    fixtures: dict[str, str | int]
    fault: str | None = Field(description="The fault the sandbox injects, in words.")


class CertSessionData(BaseModel):
    session_id: str
    role: Role
    scenarios: list[ScenarioData]
    current: str | None = Field(description="The scenario being recorded now.")
    opened_at: str
    closed_at: str | None


class SessionRequest(Request):
    session_id: RunId


class StartScenarioRequest(Request):
    session_id: RunId
    scenario: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CallsRequest(Request):
    session_id: RunId
    scenario: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class RecordedCall(BaseModel):
    """One call the partner made while its session was open (secrets as fingerprints)."""

    seq: int = Field(description="Order of arrival in the session.")
    scenario: str | None
    received_at: str
    method: str
    path: str
    timestamp: str | None = Field(description="The call's timestamp header, as sent.")
    signature_fingerprint: str | None = Field(
        description="A fingerprint of the signature header: equal fingerprints, equal signatures."
    )
    authorization_fingerprint: str | None
    request_body: str | None
    status: int
    code: str | None = Field(description="The catalogued error code answered, if any.")
    response_body: str | None
    retry_after: int | None
    injected: str | None = Field(description="The fault the sandbox injected into this call.")
    elapsed_ms: int


class CallsData(BaseModel):
    calls: list[RecordedCall] = Field(description="In order of arrival.")
