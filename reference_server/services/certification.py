"""Certification use cases: submitted runs and their certificates, the office's decisions, and
client-mode sessions (fixtures, scenarios, the recorded calls). One transaction each.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import errors as err
from contract.certification import (
    MAX_TEXT,
    SCENARIOS,
    SCENARIOS_BY_NAME,
    CallsData,
    CallsRequest,
    Certificate,
    CertSessionData,
    DecideRequest,
    Decision,
    Fault,
    OpenSessionRequest,
    PublicKeyData,
    RecordedCall,
    RunData,
    RunDetailData,
    RunReport,
    RunsData,
    RunsRequest,
    Scenario,
    ScenarioData,
)
from contract.certification import canonical as canonical_json
from contract.errors import ApiError
from contract.requirements import Mode
from contract.roles import Role
from reference_server import audit
from reference_server.domain import certification as rules
from reference_server.fixtures import describe, reset_partner_fixtures
from reference_server.runtime import PartnerIdentity, Runtime
from reference_server.services.payments import iso_utc
from reference_server.signing import office_key
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    CertificationCall,
    CertificationRun,
    CertificationSession,
    Partner,
    utcnow,
)

MAX_CALLS_LISTED = 5_000


def _actor(partner: PartnerIdentity) -> str:
    return f"{partner.role}:{partner.client_code}"


# --- runs -------------------------------------------------------------------------------------


def _run_data(run: CertificationRun, client_code: str) -> RunData:
    return RunData(
        run_id=run.run_id,
        partner=client_code,
        role=Role(run.role),
        mode=Mode(run.mode),
        contract_version=run.contract_version,
        catalogue_version=run.catalogue_version,
        passed=run.passed,
        must_failures=run.must_failures,
        should_failures=run.should_failures,
        digest=run.digest,
        submitted_at=iso_utc(run.submitted_at),
        decision=Decision(run.decision) if run.decision else None,
        comment=run.comment,
        decided_at=iso_utc(run.decided_at) if run.decided_at else None,
        decided_by=run.decided_by,
        certificate=Certificate.model_validate_json(run.certificate) if run.certificate else None,
    )


def _stored(session: Session, run_id: str) -> tuple[CertificationRun, str] | None:
    row = session.execute(
        select(CertificationRun, Partner.client_code)
        .join(Partner, Partner.id == CertificationRun.partner_id)
        .where(CertificationRun.run_id == run_id)
    ).first()
    return (row[0], row[1]) if row else None


def submit_run(runtime: Runtime, partner: PartnerIdentity, report: RunReport) -> RunData:
    """Check and store a run; a passed run gets its certificate. The same report twice: one run."""
    rules.check_report(report, client_code=partner.client_code, role=partner.role)
    with runtime.sessions() as session:
        found = _stored(session, report.run_id)
    if found is not None:
        return _same_run(found, partner, report)
    now = utcnow()
    certificate: Certificate | None = None
    if report.summary.passed_run:
        key = office_key(runtime.sessions, runtime.keys)
        body = rules.certificate_body(
            report,
            partner_name=partner.name,
            now=now,
            validity_days=runtime.settings.certificate_validity_days,
            key_id=key.key_id,
        )
        certificate = Certificate(
            certificate=body, public_key=key.public_key, signature=key.sign(body)
        )
    run = CertificationRun(
        run_id=report.run_id,
        partner_id=partner.id,
        role=report.role.value,
        mode=report.mode.value,
        contract_version=report.contract_version,
        catalogue_version=report.catalogue_version,
        passed=report.summary.passed_run,
        must_failures=report.summary.must_failures,
        should_failures=report.summary.should_failures,
        digest=report.digest,
        report=canonical_json(report.model_dump(mode="json")).decode(),
        certificate=certificate.model_dump_json() if certificate else None,
        submitted_at=now,
    )
    try:
        with transaction(runtime.sessions) as session:
            session.add(run)
            audit.record(
                session, "certification_run", report.run_id, "submitted", _actor(partner),
                passed=run.passed, must_failures=run.must_failures,
            )  # fmt: skip
    except IntegrityError:  # the same run_id submitted at the same moment
        with runtime.sessions() as session:
            again = _stored(session, report.run_id)
        if again is None:
            raise
        return _same_run(again, partner, report)
    return _run_data(run, partner.client_code)


def _same_run(
    found: tuple[CertificationRun, str], partner: PartnerIdentity, report: RunReport
) -> RunData:
    run, owner = found
    if owner != partner.client_code or run.digest != report.digest:
        raise ApiError(err.CERT_RUN_EXISTS)
    return _run_data(run, owner)


def list_runs(runtime: Runtime, reader: PartnerIdentity, request: RunsRequest) -> RunsData:
    """Runs newest first: a partner's own, or (the office) anyone's."""
    query = (
        select(CertificationRun, Partner.client_code)
        .join(Partner, Partner.id == CertificationRun.partner_id)
        .order_by(CertificationRun.submitted_at.desc(), CertificationRun.id.desc())
        .limit(request.limit)
    )
    if reader.role != Role.PMO.value:
        if request.client_code not in (None, reader.client_code):
            raise ApiError(err.CERT_NOT_YOURS)
        query = query.where(CertificationRun.partner_id == reader.id)
    elif request.client_code is not None:
        query = query.where(Partner.client_code == request.client_code)
    with runtime.sessions() as session:
        rows = session.execute(query).all()
    return RunsData(runs=[_run_data(run, code) for run, code in rows])


def get_run(runtime: Runtime, reader: PartnerIdentity, run_id: str) -> RunDetailData:
    """One run with its report; another partner's run is as unknown as a missing one."""
    with runtime.sessions() as session:
        found = _stored(session, run_id)
    if found is None or not rules.may_read(
        reader_role=reader.role, reader_code=reader.client_code, owner_code=found[1]
    ):
        raise ApiError(err.CERT_RUN_NOT_FOUND)
    run, owner = found
    return RunDetailData(
        run=_run_data(run, owner), report=RunReport.model_validate_json(run.report)
    )


def decide_run(runtime: Runtime, office: PartnerIdentity, request: DecideRequest) -> RunData:
    """The office accepts or rejects a run, once, with a comment."""
    with transaction(runtime.sessions) as session:
        row = session.execute(
            select(CertificationRun, Partner.client_code)
            .join(Partner, Partner.id == CertificationRun.partner_id)
            .where(CertificationRun.run_id == request.run_id)
            .with_for_update(of=CertificationRun)
        ).first()
        if row is None:
            raise ApiError(err.CERT_RUN_NOT_FOUND)
        run, owner = row
        rules.check_decision(passed=run.passed, current=run.decision, decision=request.decision)
        run.decision = request.decision.value
        run.comment = request.comment
        run.decided_at = utcnow()
        run.decided_by = office.client_code
        audit.record(
            session, "certification_run", run.run_id, request.decision.value, _actor(office)
        )
        return _run_data(run, owner)


def public_key(runtime: Runtime) -> PublicKeyData:
    """The office's certificate key, public half."""
    key = office_key(runtime.sessions, runtime.keys)
    return PublicKeyData(public_key=key.public_key, key_id=key.key_id)


# --- client-mode sessions ---------------------------------------------------------------------


def _fixtures_of(
    session: Session, partner: PartnerIdentity, scenario: Scenario, emails: dict[str, str]
) -> dict[str, Any]:
    """The scenario's fixture references resolved against the partner's own fixtures
    (``emails``: the participants' addresses of this session, one per name)."""
    described = describe(session, partner.client_code)
    mine = described["partners"][0] if described["partners"] else {}
    cards = {b["slot"]: b for b in mine.get("beneficiaries", [])}
    schedules = {
        s["schedule_code"]: (course, s)
        for course in described["catalogue"]
        for s in course["schedules"]
    }
    codes = {r["test_case"]: r for r in mine.get("redeem_codes", [])}
    values: dict[str, Any] = {}
    for name, reference in scenario.fixtures:
        kind, _, key = reference.partition(":")
        if kind == "card":
            values[name] = cards[key]["prakerja_id"]
        elif kind == "code":
            values[name] = codes[key]["redeem_code"]
        elif kind == "email":  # a participant's own address, new in every session
            values[name] = emails.setdefault(
                key, f"{key}.{secrets.token_hex(3)}@peserta.sandbox.prakerja.test"
            )
        else:  # a schedule of the shared catalogue: its course and price come with it
            course, schedule = schedules[reference]
            values.update(
                course_code=course["course_code"],
                schedule_code=schedule["schedule_code"],
                amount=course["price"],
            )
    if scenario.role is Role.DP:
        values.setdefault("user_platform_id", f"cert-{scenario.name}")
    return values


def _describe_fault(fault: Fault | None) -> str | None:
    if fault is None:
        return None
    operation = fault.path.rsplit("/api/v1/integration/", 1)[-1]
    if fault.kind.value == "busy":
        return f"the first {fault.calls} call(s) of {operation} answer 503, Retry-After {fault.retry_after} s"
    return f"the first {fault.calls} successful call(s) of {operation} answer 504 (processed)"


def _session_data(row: CertificationSession) -> CertSessionData:
    return CertSessionData(
        session_id=row.session_id,
        role=Role(row.role),
        scenarios=[ScenarioData.model_validate(s) for s in json.loads(row.scenarios)],
        current=row.scenario,
        opened_at=iso_utc(row.opened_at),
        closed_at=iso_utc(row.closed_at) if row.closed_at else None,
    )


def open_session(
    runtime: Runtime, partner: PartnerIdentity, request: OpenSessionRequest
) -> CertSessionData:
    """Reset the partner's fixtures and open a session (closing any earlier one)."""
    offered = [s for s in SCENARIOS if s.role.value == partner.role]
    names = request.scenarios if request.scenarios is not None else [s.name for s in offered]
    unknown = [n for n in names if n not in {s.name for s in offered}]
    if unknown:
        raise ApiError(err.CERT_UNKNOWN_SCENARIO, f"{', '.join(unknown[:5])}.")
    now = utcnow()
    with transaction(runtime.sessions) as session:
        session.execute(
            update(CertificationSession)
            .where(
                CertificationSession.partner_id == partner.id,
                CertificationSession.closed_at.is_(None),
            )
            .values(closed_at=now)
        )
        row_partner = session.get_one(Partner, partner.id)
        reset_partner_fixtures(session, row_partner, _actor(partner), now)
        session.flush()
        role = Role(partner.role)
        chosen = [SCENARIOS_BY_NAME[(role, n)] for n in dict.fromkeys(names)]
        scenarios = []
        emails: dict[str, str] = {}
        for scenario in chosen:
            fixtures = _fixtures_of(session, partner, scenario, emails)
            scenarios.append(
                ScenarioData(
                    name=scenario.name,
                    instruction=scenario.instruction.format(**fixtures),
                    fixtures=fixtures,
                    fault=_describe_fault(scenario.fault),
                ).model_dump(mode="json")
            )
        row = CertificationSession(
            session_id=secrets.token_hex(16),
            partner_id=partner.id,
            client_code=partner.client_code,
            role=partner.role,
            salt=secrets.token_hex(16),
            scenarios=json.dumps(scenarios, ensure_ascii=False),
            opened_at=now,
        )
        session.add(row)
        audit.record(session, "certification_session", row.session_id, "opened", _actor(partner))
        return _session_data(row)


def _own_session(
    session: Session, partner: PartnerIdentity, session_id: str, *, lock: bool = False
) -> CertificationSession:
    query = select(CertificationSession).where(CertificationSession.session_id == session_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).one_or_none()
    if row is None:
        raise ApiError(err.CERT_SESSION_NOT_FOUND)
    if row.partner_id != partner.id:
        raise ApiError(err.CERT_NOT_YOURS)
    return row


def start_scenario(
    runtime: Runtime, partner: PartnerIdentity, session_id: str, scenario: str
) -> CertSessionData:
    """Record the calls that follow under ``scenario``, with its fault armed afresh."""
    with transaction(runtime.sessions) as session:
        row = _own_session(session, partner, session_id, lock=True)
        if row.closed_at is not None:
            raise ApiError(err.CERT_SESSION_CLOSED)
        if scenario not in {s["name"] for s in json.loads(row.scenarios)}:
            raise ApiError(err.CERT_UNKNOWN_SCENARIO, f"{scenario} is not in this session.")
        row.scenario = scenario
        row.injected = 0
        return _session_data(row)


def close_session(runtime: Runtime, partner: PartnerIdentity, session_id: str) -> CertSessionData:
    """Stop recording (a closed session stays closed)."""
    with transaction(runtime.sessions) as session:
        row = _own_session(session, partner, session_id, lock=True)
        if row.closed_at is None:
            row.closed_at = utcnow()
            audit.record(session, "certification_session", session_id, "closed", _actor(partner))
        return _session_data(row)


def session_calls(runtime: Runtime, partner: PartnerIdentity, request: CallsRequest) -> CallsData:
    """The calls recorded in a session, in order of arrival."""
    with runtime.sessions() as session:
        row = _own_session(session, partner, request.session_id)
        query = (
            select(CertificationCall)
            .where(CertificationCall.session_id == row.id)
            .order_by(CertificationCall.seq)
            .limit(MAX_CALLS_LISTED)
        )
        if request.scenario is not None:
            query = query.where(CertificationCall.scenario == request.scenario)
        calls = session.scalars(query).all()
    return CallsData(
        calls=[
            RecordedCall(
                seq=c.seq,
                scenario=c.scenario,
                received_at=c.received_at.isoformat(timespec="milliseconds"),
                method=c.method,
                path=c.path,
                timestamp=c.timestamp,
                signature_fingerprint=c.signature_fingerprint,
                authorization_fingerprint=c.authorization_fingerprint,
                request_body=c.request_body,
                status=c.status,
                code=c.code,
                response_body=c.response_body,
                retry_after=c.retry_after,
                injected=c.injected,
                elapsed_ms=c.elapsed_ms,
            )
            for c in calls
        ]
    )


# --- recording (the recorder middleware's side) -----------------------------------------------


@dataclass(frozen=True)
class Recording:
    """An open session as the recorder needs it."""

    id: int
    role: str
    scenario: str | None
    salt: str

    @property
    def fault(self) -> Fault | None:
        """The fault armed in the current scenario."""
        found = SCENARIOS_BY_NAME.get((Role(self.role), self.scenario or ""))
        return found.fault if found else None


def recording_of(runtime: Runtime, client_code: str) -> Recording | None:
    """The open session of this client_code, if any (one indexed read per partner call)."""
    with runtime.sessions() as session:
        row = session.execute(
            select(
                CertificationSession.id,
                CertificationSession.role,
                CertificationSession.scenario,
                CertificationSession.salt,
            ).where(
                CertificationSession.client_code == client_code,
                CertificationSession.closed_at.is_(None),
            )
        ).first()
    return Recording(row[0], row[1], row[2], row[3]) if row else None


def take_fault(runtime: Runtime, recording: Recording, fault: Fault) -> bool:
    """Claim one injection of ``fault`` in the current scenario; False once they are used up."""
    with transaction(runtime.sessions) as session:
        result = cast(
            CursorResult[Any],
            session.execute(
                update(CertificationSession)
                .where(
                    CertificationSession.id == recording.id,
                    CertificationSession.scenario == recording.scenario,
                    CertificationSession.injected < fault.calls,
                )
                .values(injected=CertificationSession.injected + 1)
            ),
        )
        return result.rowcount == 1


@dataclass(frozen=True)
class Call:
    """What the recorder saw of one call (bodies as received and answered)."""

    received_at: Any
    method: str
    path: str
    timestamp: str | None
    signature: str | None
    authorization: str | None
    request_body: bytes
    status: int
    response_body: bytes
    retry_after: int | None
    injected: str | None
    elapsed_ms: int


def _code_of(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if isinstance(parsed, dict) and parsed.get("success") is False:
        code = parsed.get("code")
        return code[:20] if isinstance(code, str) else None
    return None


def record_call(runtime: Runtime, recording: Recording, call: Call) -> None:
    """Store one call under the session's current scenario, its secrets as fingerprints."""
    salt = recording.salt
    with transaction(runtime.sessions) as session:
        seq = session.scalar(
            update(CertificationSession)
            .where(CertificationSession.id == recording.id)
            .values(calls=CertificationSession.calls + 1)
            .returning(CertificationSession.calls)
        )
        session.add(
            CertificationCall(
                session_id=recording.id,
                seq=seq,
                scenario=recording.scenario,
                received_at=call.received_at,
                method=call.method,
                path=call.path[:2048],
                timestamp=call.timestamp[:40] if call.timestamp is not None else None,
                signature_fingerprint=rules.fingerprint(salt, call.signature.strip().lower())
                if call.signature
                else None,
                authorization_fingerprint=rules.fingerprint(
                    salt, rules.token_of(call.authorization)
                )
                if call.authorization
                else None,
                request_body=rules.mask_body(call.request_body, salt, MAX_TEXT),
                status=call.status,
                code=_code_of(call.response_body),
                response_body=rules.mask_body(call.response_body, salt, MAX_TEXT),
                retry_after=call.retry_after,
                injected=call.injected,
                elapsed_ms=call.elapsed_ms,
            )
        )
