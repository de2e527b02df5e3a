"""TPM/UK assignment rules, without a server."""

from __future__ import annotations

import pytest

from contract.assignments import AssignmentStatus, FeedbackStatus, Scope
from contract.errors import ApiError
from reference_server.domain import assignments as rules


@pytest.mark.parametrize(
    ("scope", "sequence", "ok"),
    [
        (Scope.TPM, 1, True),
        (Scope.TPM, 998, True),
        (Scope.TPM, 999, False),
        (Scope.UK, 999, True),
        (Scope.UK, 1, False),
        (Scope.UK, 998, False),
        (Scope.TPM, 0, False),
    ],
)
def test_scope_and_sequence(scope: Scope, sequence: int, ok: bool) -> None:
    if ok:
        rules.check_scope_sequence(scope, sequence)
    else:
        with pytest.raises(ApiError) as info:
            rules.check_scope_sequence(scope, sequence)
        assert info.value.error.code == "ERRTPM40001"


@pytest.mark.parametrize(
    ("voided", "redeemed", "feedback_given", "code"),
    [
        (False, True, False, None),
        (True, False, False, "ERRRDM40008"),
        (False, False, False, "ERRTPM40003"),
        (False, True, True, "ERRTPM40004"),
    ],
)
def test_when_work_may_be_sent(
    voided: bool, redeemed: bool, feedback_given: bool, code: str | None
) -> None:
    if code is None:
        rules.check_can_submit(voided=voided, redeemed=redeemed, feedback_given=feedback_given)
        return
    with pytest.raises(ApiError) as info:
        rules.check_can_submit(voided=voided, redeemed=redeemed, feedback_given=feedback_given)
    assert info.value.error.code == code


def test_feedback_once_on_existing_work() -> None:
    rules.check_can_give_feedback(submitted=True, feedback_given=False)
    with pytest.raises(ApiError) as missing:
        rules.check_can_give_feedback(submitted=False, feedback_given=False)
    assert missing.value.error.code == "ERRTPM40002"
    with pytest.raises(ApiError) as twice:
        rules.check_can_give_feedback(submitted=True, feedback_given=True)
    assert twice.value.error.code == "ERRTPM40004"


def test_statuses() -> None:
    status = rules.assignment_status
    assert status(submitted=False, feedback_given=False) is AssignmentStatus.NOT_SUBMITTED
    assert status(submitted=True, feedback_given=False) is AssignmentStatus.SUBMITTED
    assert status(submitted=True, feedback_given=True) is AssignmentStatus.REVIEWED
    assert rules.feedback_status(feedback_given=False) is FeedbackStatus.NONE
    assert rules.feedback_status(feedback_given=True) is FeedbackStatus.GIVEN
