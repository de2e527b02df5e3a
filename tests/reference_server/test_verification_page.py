"""The Prakerja-hosted verification page: what it shows, where it sends the browser, when it refuses."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import delete, func, select, update

from contract.endpoints import REDEEM_STATUS, URL_GENERATE
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Attendance,
    Beneficiary,
    Card,
    RedeemCode,
    Transaction,
    VerificationLink,
    utcnow,
)
from tests.factories import (
    REDIRECT_URI,
    Partner,
    answer_verification,
    assert_api_error,
    redeem_code,
    success_data,
    verification_url,
)


def _status(lp: Partner, code: str, sequence: int = 1) -> Any:
    return success_data(lp.post(REDEEM_STATUS.path, {"redeem_code": code, "sequence": sequence}))


def _query(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)


def _assert_refused_page(response: httpx.Response, code: str = "ERRRDM40010") -> None:
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert code in response.text


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_page_shows_who_and_what_escaped(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC2-999-200")
    with transaction(runtime.sessions) as session:
        card_id = session.scalar(
            select(Transaction.card_id)
            .join(RedeemCode, RedeemCode.transaction_id == Transaction.id)
            .where(RedeemCode.code == code)
        )
        beneficiary_id = select(Card.beneficiary_id).where(Card.id == card_id).scalar_subquery()
        session.execute(
            update(Beneficiary)
            .where(Beneficiary.id == beneficiary_id)
            .values(name='Siti <script>alert("x")</script> & Co')
        )
    page = httpx.get(verification_url(lp, code, 999, email="siti@example.com"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text
    assert "Siti &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page.text
    assert "Dasar Akuntansi (webinar)" in page.text
    assert "Post-test" in page.text
    assert lp.creds.name in page.text
    assert 'value="approve">Verifikasi</button>' in page.text
    assert 'value="reject">Batal</button>' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"


def test_approve_returns_to_the_lp_with_the_outcome_and_works_once(lp: Partner) -> None:
    code = redeem_code(lp, "TC1-001-200")
    url = verification_url(lp, code, 1, email="a@example.com")
    response = answer_verification(url)
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert _query(response) == {"redeem_code": [code], "sequence": ["1"], "status": ["success"]}
    _assert_refused_page(answer_verification(url))
    _assert_refused_page(answer_verification(url, "reject"))
    _assert_refused_page(httpx.get(url))
    assert _status(lp, code)["status"] == 1


def test_reject_changes_nothing_but_the_link(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-001-200")
    before = _status(lp, code)
    url = verification_url(lp, code, 1, email="a@example.com")
    assert _query(answer_verification(url, "reject"))["status"] == ["failed"]
    assert _status(lp, code) == before
    with runtime.sessions() as session:
        link = session.scalars(
            select(VerificationLink).where(VerificationLink.token == _token(url))
        ).one()
        assert (link.outcome, link.used_at is not None) == ("failed", True)
    _assert_refused_page(answer_verification(url))
    # The participant can try again with a new link.
    assert _query(answer_verification(verification_url(lp, code, 1, email="a@example.com")))[
        "status"
    ] == ["success"]


def test_the_lps_own_query_is_kept(new_lp: Callable[..., Partner]) -> None:
    uri = "https://lp.example/kelas/callback?course=abc&lang=id"
    lp = new_lp(redirect_uris=(uri,))
    code = redeem_code(lp, "TC1-001-200")
    url = verification_url(lp, code, 1, email="a@example.com", redirect_uri=uri)
    response = answer_verification(url)
    assert response.headers["location"].startswith("https://lp.example/kelas/callback?")
    assert _query(response) == {
        "course": ["abc"],
        "lang": ["id"],
        "redeem_code": [code],
        "sequence": ["1"],
        "status": ["success"],
    }


def test_an_expired_link_is_refused(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-001-200")
    url = verification_url(lp, code, 1, email="a@example.com")
    with transaction(runtime.sessions) as session:
        session.execute(
            update(VerificationLink)
            .where(VerificationLink.token == _token(url))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    _assert_refused_page(httpx.get(url))
    _assert_refused_page(answer_verification(url))
    assert _status(lp, code)["attendance_status"] == 0


@pytest.mark.parametrize(
    "token", ["nope", "x" * 300, "%3Cscript%3E", "a%00b", "%FF%FE", "%F0%9F%98%80"]
)
def test_an_unknown_link_is_refused(server_url: str, token: str) -> None:
    _assert_refused_page(httpx.get(f"{server_url}/verifikasi/{token}"))
    response = httpx.post(f"{server_url}/verifikasi/{token}", data={"action": "approve"})
    _assert_refused_page(response)
    assert "<script>" not in response.text


@pytest.mark.parametrize(
    "content",
    [b"", b"action=maybe", b"action=", b'{"action": "approve"}', b"\xff\xfe", b"a=1&" * 50],
)
def test_an_unreadable_answer_is_a_bad_request_and_keeps_the_link(
    lp: Partner, content: bytes
) -> None:
    code = redeem_code(lp, "TC1-001-200")
    url = verification_url(lp, code, 1, email="a@example.com")
    response = httpx.post(
        url, content=content, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    _assert_refused_page(response, "ERRGEN40001")
    assert _query(answer_verification(url))["status"] == ["success"]


def test_approval_rechecks_the_purchase(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-001-200")
    url = verification_url(lp, code, 1, email="a@example.com")
    with transaction(runtime.sessions) as session:
        txn_id = select(RedeemCode.transaction_id).where(RedeemCode.code == code).scalar_subquery()
        session.execute(update(Transaction).where(Transaction.id == txn_id).values(status="VOIDED"))
    assert _query(answer_verification(url))["status"] == ["failed"]
    assert _status(lp, code)["status"] == 3


def test_approval_rechecks_the_order(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-999-200")
    url = verification_url(lp, code, 999, email="a@example.com")
    with transaction(runtime.sessions) as session:
        code_id = select(RedeemCode.id).where(RedeemCode.code == code).scalar_subquery()
        session.execute(
            delete(Attendance).where(Attendance.redeem_code_id == code_id, Attendance.sequence == 1)
        )
    assert _query(answer_verification(url))["status"] == ["failed"]
    assert _status(lp, code, 999)["attendance_status"] == 0


def test_two_links_for_one_stage_verify_it_once(lp: Partner, runtime: Runtime) -> None:
    code = redeem_code(lp, "TC1-001-200")
    first = verification_url(lp, code, 1, email="a@example.com")
    second = verification_url(lp, code, 1, email="a@example.com")
    assert first != second
    assert _query(answer_verification(second))["status"] == ["success"]
    assert _query(answer_verification(first))["status"] == ["success"]
    with runtime.sessions() as session:
        rows = session.scalar(
            select(func.count())
            .select_from(Attendance)
            .join(RedeemCode, RedeemCode.id == Attendance.redeem_code_id)
            .where(RedeemCode.code == code)
        )
    assert rows == 1


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls on threads released together."""
    gate = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        gate.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_concurrent_clicks_on_one_link_count_once(lp: Partner) -> None:
    code = redeem_code(lp, "TC1-001-200")
    url = verification_url(lp, code, 1, email="a@example.com")
    responses = _at_once([lambda: answer_verification(url) for _ in range(6)])
    assert sorted(r.status_code for r in responses) == [303, 400, 400, 400, 400, 400]
    assert _status(lp, code)["status"] == 1


def test_concurrent_binding_of_one_email_in_one_course_lets_one_win(lp: Partner) -> None:
    codes = [redeem_code(lp, "TC1-001-200"), redeem_code(lp, "TC1-999-200")]
    sequences = {codes[0]: 1, codes[1]: 999}

    def bind(code: str) -> Callable[[], httpx.Response]:
        body = {
            "redeem_code": code,
            "redirect_uri": REDIRECT_URI,
            "email": "sama@example.com",
            "sequence": sequences[code],
        }
        return lambda: lp.post(URL_GENERATE.path, body)

    responses = _at_once([bind(code) for code in codes])
    assert sorted(r.status_code for r in responses) == [200, 400]
    loser = next(r for r in responses if r.status_code == 400)
    assert_api_error(loser, "ERRRDM40005")
