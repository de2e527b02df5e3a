"""TPM/UK: the participant's submission, the LP's feedback and their status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from contract.endpoints import TPM_FEEDBACK, TPM_STATUS, TPM_SUBMISSION
from reference_server.runtime import Runtime
from reference_server.storage.tables import Assignment, AuditEvent, RedeemCode
from tests.factories import (
    Partner,
    assert_api_error,
    purchased_redeem_code,
    redeem_code,
    success_data,
)


def _key(code: str, scope: str = "tpm", sequence: int = 1) -> dict[str, Any]:
    return {"redeem_code": code, "scope": scope, "sequence": sequence}


def _submit(lp: Partner, code: str, scope: str = "tpm", sequence: int = 1, **extra: Any) -> Any:
    body = {**_key(code, scope, sequence), "url_file": "https://lp.example/tugas.md", **extra}
    return lp.post(TPM_SUBMISSION.path, body)


def _feedback(lp: Partner, code: str, scope: str = "tpm", sequence: int = 1, **extra: Any) -> Any:
    body = {**_key(code, scope, sequence), "notes": "Sudah sesuai.", **extra}
    return lp.post(TPM_FEEDBACK.path, body)


def _statuses(data: dict[str, Any]) -> tuple[int, int]:
    return data["assignment"]["status"], data["feedback"]["status"]


def test_status_before_anything(lp: Partner) -> None:
    code = redeem_code(lp, "TC1-999-200")
    data = success_data(lp.post(TPM_STATUS.path, _key(code, "uk", 999)))
    assert data == {
        "assignment": {**_key(code, "uk", 999), "status": 0},
        "feedback": {**_key(code, "uk", 999), "status": 0},
    }


def test_submission_resubmission_feedback(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC2-999-200")
    assert _statuses(success_data(_submit(lp, code, notes="versi 1"))) == (1, 0)
    again = success_data(_submit(lp, code, url_file="https://lp.example/v2.txt", notes=None))
    assert _statuses(again) == (1, 0)
    with runtime.sessions() as session:
        work = session.scalars(
            select(Assignment)
            .join(RedeemCode, RedeemCode.id == Assignment.redeem_code_id)
            .where(RedeemCode.code == code)
        ).all()
    assert [(w.url_file, w.notes) for w in work] == [("https://lp.example/v2.txt", None)]

    reviewed = success_data(_feedback(lp, code, url_file="https://lp.example/nilai.pdf"))
    assert _statuses(reviewed) == (2, 1)
    assert success_data(lp.post(TPM_STATUS.path, _key(code))) == reviewed
    # Strict: once reviewed, neither the work nor the feedback changes.
    assert_api_error(_submit(lp, code), "ERRTPM40004")
    assert_api_error(_feedback(lp, code), "ERRTPM40004")
    # Other sequences and the UK are separate pieces of work.
    assert _statuses(success_data(lp.post(TPM_STATUS.path, _key(code, "tpm", 2)))) == (0, 0)
    assert _statuses(success_data(_submit(lp, code, "uk", 999))) == (1, 0)
    assert _statuses(success_data(_feedback(lp, code, "uk", 999))) == (2, 1)

    with runtime.sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity_id == code, AuditEvent.actor == lp.creds.client_code
            )
        ).all()
    assert actions.count("assignment_submitted") == 2
    assert actions.count("assignment_resubmitted") == 1
    assert actions.count("assignment_reviewed") == 2


def test_feedback_needs_a_submission(lp: Partner) -> None:
    code = redeem_code(lp, "TC1-999-200")
    assert_api_error(_feedback(lp, code), "ERRTPM40002")
    assert _statuses(success_data(lp.post(TPM_STATUS.path, _key(code)))) == (0, 0)


def test_work_needs_a_redeemed_live_code(lp: Partner, runtime: Runtime) -> None:
    assert_api_error(_submit(lp, redeem_code(lp, "TC1-001-200")), "ERRTPM40003")
    assert_api_error(_submit(lp, purchased_redeem_code(runtime, lp)), "ERRTPM40003")
    assert_api_error(_submit(lp, redeem_code(lp, "TC3-001-400")), "ERRRDM40008")


@pytest.mark.parametrize(("scope", "sequence"), [("tpm", 999), ("uk", 1), ("uk", 998)])
def test_scope_and_sequence_must_match(lp: Partner, scope: str, sequence: int) -> None:
    code = redeem_code(lp, "TC1-999-200")
    assert_api_error(_submit(lp, code, scope, sequence), "ERRTPM40001")
    assert_api_error(_feedback(lp, code, scope, sequence), "ERRTPM40001")
    assert_api_error(lp.post(TPM_STATUS.path, _key(code, scope, sequence)), "ERRTPM40001")


def test_another_lps_code_is_as_unknown(new_lp: Callable[..., Partner]) -> None:
    owner, other = new_lp(), new_lp()
    code = redeem_code(owner, "TC1-999-200")
    success_data(_submit(owner, code))
    assert_api_error(_submit(other, code), "ERRRDM40001")
    assert_api_error(_feedback(other, code), "ERRRDM40001")
    assert_api_error(other.post(TPM_STATUS.path, _key(code)), "ERRRDM40001")
    assert _statuses(success_data(owner.post(TPM_STATUS.path, _key(code)))) == (1, 0)
