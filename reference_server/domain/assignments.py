"""TPM/UK assignment rules: which sequences a scope has, and when work and feedback may be sent.

TPM (Tugas Praktik Mandiri) are sequences 1..998 and the UK (Unjuk Keterampilan) is 999. The
participant's work can be sent once the code is redeemed, and sent again until the LP has given
its feedback; the LP gives feedback once, on work that exists.
"""

from __future__ import annotations

from contract import errors as err
from contract.assignments import UK_SEQUENCE, AssignmentStatus, FeedbackStatus, Scope
from contract.errors import ApiError


def check_scope_sequence(scope: Scope, sequence: int) -> None:
    """tpm takes 1..998 and uk takes 999 (ERRTPM40001)."""
    is_uk = sequence == UK_SEQUENCE
    if (scope is Scope.UK) != is_uk or not 1 <= sequence <= UK_SEQUENCE:
        raise ApiError(err.SCOPE_SEQUENCE_MISMATCH)


def check_can_submit(*, voided: bool, redeemed: bool, feedback_given: bool) -> None:
    """Work may be (re)sent for a redeemed, live code until feedback is given."""
    if voided:
        raise ApiError(err.REDEEM_VOIDED)
    if not redeemed:
        raise ApiError(err.NOT_REDEEMED)
    if feedback_given:
        raise ApiError(err.FEEDBACK_EXISTS)


def check_can_give_feedback(*, submitted: bool, feedback_given: bool) -> None:
    """Feedback is given once, on work that was submitted."""
    if not submitted:
        raise ApiError(err.SUBMISSION_NOT_FOUND)
    if feedback_given:
        raise ApiError(err.FEEDBACK_EXISTS)


def assignment_status(*, submitted: bool, feedback_given: bool) -> AssignmentStatus:
    """``assignment.status``: reviewed once the LP's feedback is in."""
    if not submitted:
        return AssignmentStatus.NOT_SUBMITTED
    return AssignmentStatus.REVIEWED if feedback_given else AssignmentStatus.SUBMITTED


def feedback_status(*, feedback_given: bool) -> FeedbackStatus:
    """``feedback.status``."""
    return FeedbackStatus.GIVEN if feedback_given else FeedbackStatus.NONE
