"""TPM/UK assignments: the participant's submission, the LP's feedback, and their status.

Each function works inside the caller's unit of work; writers lock the redeem code's row first,
as the attendance writers do, so that concurrent calls on one code take turns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.assignments import (
    FeedbackRequest,
    Scope,
    StatusItem,
    SubmissionRequest,
    SubmissionStatusData,
)
from contract.attendance import REDEEM_SEQUENCE
from reference_server import audit
from reference_server.domain import assignments as rules
from reference_server.runtime import PartnerIdentity
from reference_server.services.attendance import find_code, verified_stages
from reference_server.storage.tables import Assignment


def _find(session: Session, redeem_code_id: int, scope: Scope, sequence: int) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(
            Assignment.redeem_code_id == redeem_code_id,
            Assignment.scope == scope.value,
            Assignment.sequence == sequence,
        )
    )


def _data(code: str, scope: Scope, sequence: int, work: Assignment | None) -> SubmissionStatusData:
    submitted = work is not None
    reviewed = work is not None and work.feedback_at is not None
    return SubmissionStatusData(
        assignment=StatusItem(
            redeem_code=code,
            scope=scope,
            sequence=sequence,
            status=rules.assignment_status(submitted=submitted, feedback_given=reviewed),
        ),
        feedback=StatusItem(
            redeem_code=code,
            scope=scope,
            sequence=sequence,
            status=rules.feedback_status(feedback_given=reviewed),
        ),
    )


def status(
    session: Session, lp: PartnerIdentity, code: str, scope: Scope, sequence: int
) -> SubmissionStatusData:
    """Whether the work and the LP's feedback were recorded; records nothing."""
    owned = find_code(session, lp.id, code)
    rules.check_scope_sequence(scope, sequence)
    return _data(owned.code.code, scope, sequence, _find(session, owned.code.id, scope, sequence))


def submit(
    session: Session, lp: PartnerIdentity, ask: SubmissionRequest, now: datetime
) -> SubmissionStatusData:
    """Record (or replace, until reviewed) the participant's work."""
    owned = find_code(session, lp.id, ask.redeem_code, lock=True)
    rules.check_scope_sequence(ask.scope, ask.sequence)
    work = _find(session, owned.code.id, ask.scope, ask.sequence)
    rules.check_can_submit(
        voided=owned.voided,
        redeemed=REDEEM_SEQUENCE in verified_stages(session, owned.code.id),
        feedback_given=work is not None and work.feedback_at is not None,
    )
    action = "assignment_resubmitted" if work else "assignment_submitted"
    if work is None:
        work = Assignment(
            redeem_code_id=owned.code.id, scope=ask.scope.value, sequence=ask.sequence, url_file=""
        )
        session.add(work)
    work.url_file, work.notes, work.submitted_at = ask.url_file, ask.notes, now
    audit.record(
        session,
        "redeem_code",
        owned.code.code,
        action,
        lp.client_code,
        scope=ask.scope.value,
        sequence=ask.sequence,
    )
    return _data(owned.code.code, ask.scope, ask.sequence, work)


def give_feedback(
    session: Session, lp: PartnerIdentity, ask: FeedbackRequest, now: datetime
) -> SubmissionStatusData:
    """Record the LP's one assessment of submitted work."""
    owned = find_code(session, lp.id, ask.redeem_code, lock=True)
    rules.check_scope_sequence(ask.scope, ask.sequence)
    work = _find(session, owned.code.id, ask.scope, ask.sequence)
    rules.check_can_give_feedback(
        submitted=work is not None, feedback_given=work is not None and work.feedback_at is not None
    )
    assert work is not None  # check_can_give_feedback refused a missing submission
    work.feedback_notes, work.feedback_url_file, work.feedback_at = ask.notes, ask.url_file, now
    audit.record(
        session,
        "redeem_code",
        owned.code.code,
        "assignment_reviewed",
        lp.client_code,
        scope=ask.scope.value,
        sequence=ask.sequence,
    )
    return _data(owned.code.code, ask.scope, ask.sequence, work)
