"""LP online course verification: status, commit, url-generate, ownership and the test fixtures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from contract.endpoints import (
    REDEEM_COMMIT,
    REDEEM_RESET,
    REDEEM_STATUS,
    TPM_STATUS,
    TPM_SUBMISSION,
    URL_GENERATE,
)
from contract.signature import sign
from reference_server.runtime import Runtime
from reference_server.storage.tables import Attendance, AuditEvent, RedeemCode
from tests.factories import (
    REDIRECT_URI,
    Partner,
    assert_api_error,
    redeem_code,
    success_data,
    verification_url,
)


def _status(lp: Partner, code: str, sequence: int = 1) -> Any:
    return success_data(lp.post(REDEEM_STATUS.path, {"redeem_code": code, "sequence": sequence}))


def _url_body(code: str, email: str, sequence: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "redeem_code": code,
        "redirect_uri": REDIRECT_URI,
        "email": email,
        "sequence": sequence,
        **extra,
    }


@pytest.mark.parametrize(
    ("endpoint", "extra"), [(REDEEM_STATUS, {"sequence": 1}), (REDEEM_COMMIT, {})]
)
def test_official_example_script_signs_compact_json_but_sends_spaces(
    lp: Partner, server_url: str, endpoint: Any, extra: dict[str, Any]
) -> None:
    """The published samples sign {"a":"b"} and send json.dumps(body), i.e. {"a": "b"}."""
    body = {"redeem_code": redeem_code(lp, "TC1-001-200"), **extra}
    timestamp = str(int(time.time()))
    compact = json.dumps(body, separators=(",", ":"))
    signature = sign(
        lp.creds.sign_key, lp.creds.client_code, timestamp, "POST", endpoint.path, compact
    )
    sent = json.dumps(body)
    assert sent != compact
    response = httpx.post(
        server_url + endpoint.path,
        content=sent,
        headers={
            "Content-Type": "application/json",
            "client_code": lp.creds.client_code,
            "signature": signature,
            "timestamp": timestamp,
        },
    )
    assert success_data(response)["redeem_code"] == body["redeem_code"]


def test_status_of_a_fresh_self_paced_code(lp: Partner) -> None:
    code = redeem_code(lp, "TC1-001-200")
    data = _status(lp, code)
    assert data["redeem_code"] == code
    assert data["course_code"] == f"{lp.creds.client_code}-MANDIRI".upper()
    assert data["invoice_code"] == f"FIXTURE-{code}"
    assert data["schedule_code"] == f"{data['course_code']}-RUNNING"
    assert (data["status"], data["attendance_status"], data["redeem_at"]) == (0, 0, None)
    assert data["dp_platform"] == "Sandbox Marketplace"
    start, end = data["schedule_start_end"].split(" - ")
    assert start.endswith("Z") and end.endswith("Z") and start < end
    assert data["course_type"] == 1
    assert data["course_type_label"] == "Pembelajaran Mandiri"
    assert data["course_learning_method"] == "online"
    assert data["is_online_attendance"] is False
    assert data["sequence"] == 1


def test_status_of_a_webinar_code_and_the_default_sequence(lp: Partner) -> None:
    code = redeem_code(lp, "TC2-999-200")
    data = success_data(lp.post(REDEEM_STATUS.path, {"redeem_code": code}))
    assert data["sequence"] == 1
    assert (data["status"], data["attendance_status"]) == (1, 1)
    assert data["redeem_at"].endswith("Z")
    assert (data["course_type"], data["course_type_label"]) == (2, "Webinar")
    assert data["is_online_attendance"] is True
    assert _status(lp, code, 4)["attendance_status"] == 1
    assert _status(lp, code, 999)["attendance_status"] == 0


def test_status_records_nothing(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-001-200")

    def counts() -> tuple[int, int]:
        with runtime.sessions() as session:
            audits = session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_id == code)
            )
            rows = session.scalar(
                select(func.count())
                .select_from(Attendance)
                .join(RedeemCode, RedeemCode.id == Attendance.redeem_code_id)
                .where(RedeemCode.code == code)
            )
            return int(audits or 0), int(rows or 0)

    before = counts()
    for sequence in (1, 999, 1):
        _status(lp, code, sequence)
    assert counts() == before


def test_status_refuses_a_sequence_the_course_does_not_have(lp: Partner) -> None:
    mandiri, webinar = redeem_code(lp, "TC1-001-200"), redeem_code(lp, "TC2-001-200")
    for code, sequence in ((mandiri, 2), (mandiri, 10), (webinar, 5), (webinar, 998)):
        response = lp.post(REDEEM_STATUS.path, {"redeem_code": code, "sequence": sequence})
        assert_api_error(response, "ERRRDM40002")


def test_unknown_code(lp: Partner) -> None:
    assert_api_error(lp.post(REDEEM_STATUS.path, {"redeem_code": "PRAT-NOPE00"}), "ERRRDM40001")


def test_commit_redeems_once_and_is_idempotent(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-001-200")
    first = success_data(lp.post(REDEEM_COMMIT.path, {"redeem_code": code}))
    assert (first["status"], first["attendance_status"], first["sequence"]) == (1, 1, 1)
    assert first["redeem_at"].endswith("Z")
    again = success_data(lp.post(REDEEM_COMMIT.path, {"code": code}))
    assert again == first
    assert _status(lp, code) == first
    with runtime.sessions() as session:
        row = session.scalars(select(RedeemCode).where(RedeemCode.code == code)).one()
        assert (row.status, row.redeemed_at is not None) == (1, True)
        vias = session.scalars(
            select(Attendance.via).where(Attendance.redeem_code_id == row.id)
        ).all()
        committed = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_id == code, AuditEvent.action == "committed")
        )
    assert vias == ["commit"]
    assert committed == 1


def test_commit_of_a_voided_purchase_is_refused(lp: Partner) -> None:
    code = redeem_code(lp, "TC3-001-400")
    assert_api_error(lp.post(REDEEM_COMMIT.path, {"redeem_code": code}), "ERRRDM40008")
    assert _status(lp, code)["status"] == 3


def test_negative_fixtures_behave_as_their_expect_says(lp: Partner) -> None:
    expects = {r["test_case"]: r["expect"] for r in lp.fixtures["redeem_codes"]}
    email = "peserta@example.com"
    # TC1-002-400: sequence 2 on a self-paced course.
    assert "ERRRDM40002" in expects["TC1-002-400"]
    tc1 = redeem_code(lp, "TC1-002-400")
    assert_api_error(lp.post(URL_GENERATE.path, _url_body(tc1, email, 2)), "ERRRDM40002")
    assert_api_error(
        lp.post(REDEEM_STATUS.path, {"redeem_code": tc1, "sequence": 2}), "ERRRDM40002"
    )
    # TC2-999-400: post-test before sessions 2-4.
    assert "ERRRDM40003" in expects["TC2-999-400"]
    tc2 = redeem_code(lp, "TC2-999-400")
    assert_api_error(lp.post(URL_GENERATE.path, _url_body(tc2, email, 999)), "ERRRDM40003")
    # TC3-001-400: the purchase was voided.
    assert "ERRRDM40008" in expects["TC3-001-400"]
    tc3 = redeem_code(lp, "TC3-001-400")
    assert_api_error(lp.post(URL_GENERATE.path, _url_body(tc3, "other@example.com")), "ERRRDM40008")
    assert _status(lp, tc3)["status"] == 3


def test_another_lps_code_is_as_unknown(new_lp: Callable[..., Partner]) -> None:
    owner, other = new_lp(), new_lp()
    code = redeem_code(owner, "TC1-999-200")
    calls = [
        (REDEEM_STATUS, {"redeem_code": code, "sequence": 1}),
        (REDEEM_COMMIT, {"redeem_code": code}),
        (REDEEM_RESET, {"redeem_code": code}),
        (URL_GENERATE, _url_body(code, "x@example.com", 999)),
        (TPM_STATUS, {"redeem_code": code, "scope": "tpm", "sequence": 1}),
        (
            TPM_SUBMISSION,
            {"redeem_code": code, "scope": "tpm", "sequence": 1, "url_file": "https://f.example/a"},
        ),
    ]
    for endpoint, body in calls:
        assert_api_error(other.post(endpoint.path, body), "ERRRDM40001")
    # ...and nothing of it reached the owner's code.
    assert _status(owner, code, 999)["attendance_status"] == 0


def test_url_generate_points_at_this_server(lp: Partner, server_url: str) -> None:
    code = redeem_code(lp, "TC1-001-200")
    data = success_data(lp.post(URL_GENERATE.path, _url_body(code, "a@example.com")))
    assert data["url"].startswith(f"{server_url}/verifikasi/")
    assert data["expired_at"].endswith("Z")
    # The page itself answers.
    assert httpx.get(data["url"]).status_code == 200


def test_redirect_uri_must_be_registered_exactly(new_lp: Callable[..., Partner]) -> None:
    lp = new_lp(redirect_uris=("https://lp.example/callback", REDIRECT_URI))
    code = redeem_code(lp, "TC1-001-200")
    for uri in (
        "https://lp.example/callback/",
        "https://LP.example/callback",
        "https://lp.example/callback?x=1",
        "https://evil.example/callback",
    ):
        response = lp.post(URL_GENERATE.path, _url_body(code, "a@example.com", redirect_uri=uri))
        assert_api_error(response, "ERRRDM40007")
    good = _url_body(code, "a@example.com", redirect_uri="https://lp.example/callback")
    success_data(lp.post(URL_GENERATE.path, good))


def test_one_email_per_course_and_one_per_code(lp: Partner) -> None:
    first, second = redeem_code(lp, "TC1-001-200"), redeem_code(lp, "TC1-999-200")
    webinar = redeem_code(lp, "TC2-001-200")
    success_data(lp.post(URL_GENERATE.path, _url_body(first, "Budi@Example.com")))
    # Bound lower-cased: the same address in other case is the same email.
    success_data(lp.post(URL_GENERATE.path, _url_body(first, "budi@example.COM")))
    assert_api_error(
        lp.post(URL_GENERATE.path, _url_body(second, "budi@example.com", 999)), "ERRRDM40005"
    )
    assert_api_error(
        lp.post(URL_GENERATE.path, _url_body(first, "siti@example.com")), "ERRRDM40006"
    )
    # The same person may use the address for a different course.
    success_data(lp.post(URL_GENERATE.path, _url_body(webinar, "budi@example.com")))


def test_a_verified_stage_needs_no_new_link(lp: Partner) -> None:
    code = redeem_code(lp, "TC1-999-200")
    assert_api_error(lp.post(URL_GENERATE.path, _url_body(code, "a@example.com")), "ERRRDM40009")
    # The refused call bound nothing: another email still works for the open stage.
    assert verification_url(lp, code, 999, email="b@example.com")
