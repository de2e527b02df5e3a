"""Whole LP journeys: redeem, attendance, TPM/UK and post-test, through the verification page."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from contract.endpoints import (
    REDEEM_COMMIT,
    REDEEM_STATUS,
    TPM_FEEDBACK,
    TPM_STATUS,
    TPM_SUBMISSION,
    URL_GENERATE,
)
from reference_server.runtime import Runtime
from reference_server.storage.tables import AuditEvent, RedeemCode
from tests.factories import (
    REDIRECT_URI,
    Partner,
    answer_verification,
    assert_api_error,
    redeem_code,
    success_data,
    verification_url,
    verify_stage,
)


def _status(lp: Partner, code: str, sequence: int) -> Any:
    return success_data(lp.post(REDEEM_STATUS.path, {"redeem_code": code, "sequence": sequence}))


def _returned(response: httpx.Response) -> dict[str, list[str]]:
    """Where the page sent the browser: the registered redirect_uri and the outcome."""
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return parse_qs(location.query)


def _assignment(lp: Partner, code: str, scope: str, sequence: int) -> None:
    """The participant hands in work, the LP reviews it, the status says so."""
    key = {"redeem_code": code, "scope": scope, "sequence": sequence}
    submitted = success_data(
        lp.post(
            TPM_SUBMISSION.path, {**key, "url_file": f"https://lp.example/{scope}{sequence}.md"}
        )
    )
    assert (submitted["assignment"]["status"], submitted["feedback"]["status"]) == (1, 0)
    reviewed = success_data(lp.post(TPM_FEEDBACK.path, {**key, "notes": "Bagus, lanjutkan."}))
    assert (reviewed["assignment"]["status"], reviewed["feedback"]["status"]) == (2, 1)
    assert success_data(lp.post(TPM_STATUS.path, key)) == reviewed
    assert reviewed["assignment"] == {**key, "status": 2}


def test_self_paced_course_from_redeem_to_post_test(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-001-200")
    email = "peserta.mandiri@example.com"
    before = _status(lp, code, 1)
    assert (before["status"], before["attendance_status"], before["redeem_at"]) == (0, 0, None)

    url = verification_url(lp, code, 1, email=email)
    page = httpx.get(url)
    assert page.status_code == 200
    assert "Verifikasi" in page.text and "Batal" in page.text
    assert _returned(answer_verification(url)) == {
        "redeem_code": [code],
        "sequence": ["1"],
        "status": ["success"],
    }

    redeemed = _status(lp, code, 1)
    assert (redeemed["status"], redeemed["attendance_status"]) == (1, 1)
    assert redeemed["redeem_at"].endswith("Z")

    _assignment(lp, code, "tpm", 1)
    _assignment(lp, code, "tpm", 2)
    _assignment(lp, code, "uk", 999)

    assert _status(lp, code, 999)["attendance_status"] == 0
    assert _returned(verify_stage(lp, code, 999, email=email))["status"] == ["success"]
    done = _status(lp, code, 999)
    assert (done["status"], done["attendance_status"], done["sequence"]) == (2, 1, 999)
    assert done["redeem_at"] == redeemed["redeem_at"]

    with runtime.sessions() as session:
        row = session.scalars(select(RedeemCode).where(RedeemCode.code == code)).one()
        actors = {
            (e.action, e.actor)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.entity_id == code))
        }
    assert (row.status, row.email) == (2, email)
    assert ("attendance_verified", "participant") in actors
    assert ("link_issued", lp.creds.client_code) in actors
    assert ("assignment_reviewed", lp.creds.client_code) in actors


def test_webinar_sessions_in_order_then_post_test(lp: Partner) -> None:
    code = redeem_code(lp, "TC2-001-200")
    email = "peserta.webinar@example.com"
    body = {"redeem_code": code, "redirect_uri": REDIRECT_URI, "email": email}
    assert_api_error(lp.post(URL_GENERATE.path, {**body, "sequence": 2}), "ERRRDM40003")
    for sequence in (1, 2, 3, 4):
        # Skipping ahead is refused until the stage before is verified.
        if sequence < 4:
            skip = lp.post(URL_GENERATE.path, {**body, "sequence": sequence + 1})
            assert_api_error(skip, "ERRRDM40003")
        assert _returned(verify_stage(lp, code, sequence, email=email))["sequence"] == [
            str(sequence)
        ]
        status = _status(lp, code, sequence)
        assert (status["status"], status["attendance_status"]) == (1, 1)
    assert_api_error(lp.post(URL_GENERATE.path, {**body, "sequence": 5}), "ERRRDM40002")
    assert_api_error(lp.post(URL_GENERATE.path, {**body, "sequence": 3}), "ERRRDM40009")
    assert _returned(verify_stage(lp, code, 999, email=email))["status"] == ["success"]
    done = _status(lp, code, 999)
    assert (done["status"], done["attendance_status"], done["is_online_attendance"]) == (
        2,
        1,
        True,
    )


def test_legacy_commit_then_the_page_for_the_rest(lp: Partner) -> None:
    code = redeem_code(lp, "TC2-001-200")
    success_data(lp.post(REDEEM_COMMIT.path, {"redeem_code": code}))
    assert _returned(verify_stage(lp, code, 2, email="a@example.com"))["status"] == ["success"]
    assert _status(lp, code, 2)["attendance_status"] == 1
