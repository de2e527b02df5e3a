"""The verification pipeline: one outbox job ``verify`` per applicant, run by the worker.

The steps and their order are in ``domain.eligibility``. The calls to the sources happen outside
any transaction, and each answer that lets the pipeline go on is stored on the applicant at once
(``registry_kk``/``registry_occupation`` after Dukcapil, ``face_id`` after biometrics, ``dtks``
after DTKS), so a retry after an outage or a crash resumes where it stopped instead of asking
again. Every verdict is written by one transaction that locks the applicant, checks it is still
VERIFYING, and takes the claims (NIK, face, family-card slot) as inserts that a primary key
arbitrates: two workers verifying two accounts of one person cannot both win, and a job run twice
(lease lost, crash after commit) concludes once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from contract.government import NikVerifyRequest
from contract.population import Case
from contract.registration import Stage
from reference_server import audit
from reference_server.domain import eligibility, schemes, stages
from reference_server.domain.schemes import Scheme
from reference_server.outbox import Job
from reference_server.runtime import Runtime
from reference_server.services.registration import facts_of, open_wave
from reference_server.sources import Sources
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Applicant,
    Beneficiary,
    Card,
    FaceClaim,
    KkSlot,
    NikClaim,
    Wave,
    utcnow,
)

log = logging.getLogger("prakerja.verification")
ACTOR = "verification"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the pipeline needs of an applicant between its calls (read without a lock)."""

    id: int
    stage: str
    nik: str
    kk: str
    name: str
    birth_date: Any
    selfie: str
    registry_kk: str | None
    face_id: str | None
    dtks: bool | None


class _NeedDtks(Exception):
    """Step 8 reached without the DTKS answer: roll back the claims, ask DTKS, conclude again."""


def _changed(session: Session, statement: Executable) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def _insert(session: Session) -> Any:
    postgres = session.get_bind().dialect.name == "postgresql"
    return postgresql.insert if postgres else sqlite.insert


class Pipeline:
    """Runs ``verify`` jobs: sources over HTTP, then the concluding transaction."""

    def __init__(self, runtime: Runtime, sources: Sources) -> None:
        self.runtime = runtime
        self.sources = sources

    def run(self, job: Job) -> None:
        """Verify applicant ``job.ref`` from wherever an earlier attempt stopped; a source
        failure propagates (the worker retries the job)."""
        applicant = self._snapshot(int(job.ref))
        if applicant is None or applicant.stage != Stage.VERIFYING:
            return  # concluded already (a re-run after a lost lease or a crash)
        if applicant.registry_kk is None:
            answer = self.sources.verify_nik(
                NikVerifyRequest(
                    nik=applicant.nik,
                    kk=applicant.kk,
                    name=applicant.name,
                    birth_date=applicant.birth_date,
                )
            )
            reason = eligibility.dukcapil_reason(answer)
            if reason is not None:
                self._conclude_early(applicant.id, reason)
                return
            self._store(
                applicant.id,
                registry_kk=answer.kk or applicant.kk,
                registry_occupation=(answer.occupation or None),
            )
        if applicant.face_id is None:
            if not self.sources.liveness(applicant.selfie).live:
                self._conclude_early(applicant.id, Case.LIVENESS_FAILED)
                return
            match = self.sources.face_match(applicant.nik, applicant.selfie)
            if not match.match or not match.face_id:
                self._conclude_early(applicant.id, Case.FACE_MISMATCH)
                return
            self._store(applicant.id, face_id=match.face_id)
        try:
            self._conclude(applicant.id)
        except _NeedDtks:
            self._store(applicant.id, dtks=self.sources.dtks(applicant.nik).recipient)
            self._conclude(applicant.id)

    # --- reads and writes ---------------------------------------------------------------------

    def _snapshot(self, applicant_id: int) -> Snapshot | None:
        with self.runtime.sessions() as session:
            row = session.get(Applicant, applicant_id)
            if row is None:
                return None
            if row.stage != Stage.VERIFYING:
                return Snapshot(row.id, row.stage, "", "", "", None, "", None, None, None)
            assert row.nik and row.kk and row.name and row.birth_date and row.selfie_token
            return Snapshot(
                row.id,
                row.stage,
                row.nik,
                row.kk,
                row.name,
                row.birth_date,
                row.selfie_token,
                row.registry_kk,
                row.face_id,
                row.dtks,
            )

    def _store(self, applicant_id: int, **answers: Any) -> None:
        """Keep a source's answer on the applicant while it is still being verified."""
        with transaction(self.runtime.sessions) as session:
            _changed(
                session,
                update(Applicant)
                .where(Applicant.id == applicant_id, Applicant.stage == Stage.VERIFYING)
                .values(**answers),
            )

    def _locked(self, session: Session, applicant_id: int) -> Applicant | None:
        applicant = session.execute(
            select(Applicant).where(Applicant.id == applicant_id).with_for_update()
        ).scalar_one_or_none()
        if applicant is None or applicant.stage != Stage.VERIFYING:
            return None
        return applicant

    def _conclude_early(self, applicant_id: int, reason: Case) -> None:
        """A verdict from steps 1-3: no claim is taken."""
        with transaction(self.runtime.sessions) as session:
            applicant = self._locked(session, applicant_id)
            if applicant is not None:
                _verdict(session, applicant, reason, None, utcnow())

    def _conclude(self, applicant_id: int) -> None:
        """Steps 4-9 in one transaction: the claims are inserts that commit with the verdict."""
        now = utcnow()
        with transaction(self.runtime.sessions) as session:
            applicant = self._locked(session, applicant_id)
            if applicant is None:
                return
            scheme = _scheme(session, applicant, now)
            reason = _claims_and_rules(session, applicant, scheme, now)
            _verdict(session, applicant, reason, scheme, now)


def _claim(session: Session, table: Any, values: dict[str, Any], owner: Any) -> bool:
    """Insert a claim row unless its key is taken; True when the applicant holds it now."""
    key = next(iter(table.__table__.primary_key.columns))
    statement = _insert(session)(table).values(**values).on_conflict_do_nothing().returning(key)
    if session.execute(statement).scalar_one_or_none() is not None:
        return True
    return bool(session.scalar(owner) == values["applicant_id"])


def _claims_and_rules(
    session: Session, applicant: Applicant, scheme: Scheme, now: datetime
) -> Case | None:
    assert applicant.nik and applicant.face_id and applicant.registry_kk
    today = eligibility.programme_day(now)
    nik, me = applicant.nik, applicant.id
    # 4. one applicant per NIK
    nik_owner = select(NikClaim.applicant_id).where(NikClaim.nik == nik)
    if not _claim(session, NikClaim, {"nik": nik, "applicant_id": me}, nik_owner):
        return Case.DUPLICATE_NIK
    # 5. one applicant per face
    face = applicant.face_id
    face_owner = select(FaceClaim.applicant_id).where(FaceClaim.face_id == face)
    if not _claim(session, FaceClaim, {"face_id": face, "applicant_id": me}, face_owner):
        return Case.DUPLICATE_FACE
    # 6. history: any card the NIK ever held
    statuses = session.scalars(
        select(Card.status)
        .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
        .where(Beneficiary.nik == nik)
    ).all()
    reason = eligibility.history_reason(list(statuses))
    if reason is not None:
        return reason
    # 7-8. the rules on the registry's data, DTKS asked once step 7 passed
    facts = facts_of(applicant)
    if eligibility.needs_dtks(facts, today):
        raise _NeedDtks
    reason = eligibility.rules_reason(facts, scheme, today)
    if reason is not None:
        return reason
    # 9. two slots per family card (as the registry has it)
    kk = applicant.registry_kk
    for slot in eligibility.KK_SLOTS:
        slot_owner = select(KkSlot.applicant_id).where(KkSlot.kk == kk, KkSlot.slot == slot)
        if _claim(session, KkSlot, {"kk": kk, "slot": slot, "applicant_id": me}, slot_owner):
            return None
    return Case.KK_LIMIT


def _scheme(session: Session, applicant: Applicant, now: datetime) -> Scheme:
    wave_scheme = (
        session.scalar(select(Wave.scheme).where(Wave.id == applicant.wave_id))
        if applicant.wave_id is not None
        else None
    )
    opened = open_wave(session, now)
    year = eligibility.programme_day(now).year
    return eligibility.scheme_for(
        wave_scheme, opened.scheme if opened else None, schemes.load_schemes(), year
    )


def _verdict(
    session: Session,
    applicant: Applicant,
    reason: Case | None,
    scheme: Scheme | None,
    now: datetime,
) -> None:
    target = Stage.ELIGIBLE if reason is None else Stage.INELIGIBLE
    before = applicant.stage
    applicant.stage = stages.move(before, target)
    applicant.reason = reason.value if reason else None
    applicant.scheme = scheme.name if scheme else None
    applicant.verified_at = applicant.updated_at = now
    audit.record(
        session,
        "applicant",
        applicant.id,
        "verified",
        ACTOR,
        before=before,
        after=target,
        reason=reason,
        scheme=applicant.scheme,
    )
    log.info("applicant %s verified: %s", applicant.id, reason or "eligible")
