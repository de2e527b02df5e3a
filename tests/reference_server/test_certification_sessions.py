"""Client-mode sessions over HTTP: fixtures reset, every call of the partner recorded under its
scenario (refused ones too), secrets kept as fingerprints, and the scenario's faults injected."""

from __future__ import annotations

from typing import Any

import httpx

from contract import errors as err
from contract.certification import BUSY_CALLS, CallsData, CertSessionData
from contract.endpoints import (
    AUTHORIZE,
    CLOSE_SESSION,
    OPEN_SESSION,
    PAYMENT_STATUS,
    QUOTA_SCHEDULE,
    SEND_OTP,
    SESSION_CALLS,
    START_SCENARIO,
)
from tests.factories import Partner, Partners, latest_otp

ORDER = {"course_code": "SBX-MANDIRI", "schedule_code": "SBX-MANDIRI-OPEN"}


def _data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _open(partner: Partner, *scenarios: str) -> CertSessionData:
    body = {"scenarios": list(scenarios)} if scenarios else {}
    return CertSessionData.model_validate(_data(partner.post(OPEN_SESSION.path, body)))


def _start(partner: Partner, session: CertSessionData, scenario: str) -> None:
    _data(
        partner.post(START_SCENARIO.path, {"session_id": session.session_id, "scenario": scenario})
    )


def _calls(partner: Partner, session: CertSessionData) -> CallsData:
    return CallsData.model_validate(
        _data(partner.post(SESSION_CALLS.path, {"session_id": session.session_id}))
    )


def _buy(
    partner: Partner, fixtures: dict[str, Any], server_url: str, invoice: str
) -> httpx.Response:
    order = {k: fixtures[k] for k in ("course_code", "schedule_code")}
    sent = partner.post(
        SEND_OTP.path,
        {
            **order,
            "prakerja_id": fixtures["prakerja_id"],
            "user_platform_id": "u",
            "amount": fixtures["amount"],
        },
    )
    token = _data(sent)["payment_token"]
    otp = latest_otp(server_url, str(fixtures["prakerja_id"]))
    body = {"otp": otp, "invoice_url": "https://dp.example/i", "invoice_code": invoice}
    return partner.post(AUTHORIZE.path, body, authorization=f"Payment {token}")


def test_a_session_resets_the_fixtures_and_names_them_per_scenario(
    partners: Partners, server_url: str
) -> None:
    dp = partners.dp()
    session = _open(dp, "happy-path")
    happy = session.scenarios[0]
    assert (happy.name, happy.fixtures["amount"], happy.fixtures["schedule_code"]) == (
        "happy-path", 500_000, "SBX-MANDIRI-OPEN",
    )  # fmt: skip
    assert str(happy.fixtures["prakerja_id"]) in happy.instruction
    _start(dp, session, "happy-path")
    assert _buy(dp, happy.fixtures, server_url, "INV-S1").status_code == 200
    again = _open(dp, "happy-path")  # a new session resets: the same card buys the course again
    _start(dp, again, "happy-path")
    assert _buy(dp, again.scenarios[0].fixtures, server_url, "INV-S2").status_code == 200
    old = {"session_id": session.session_id, "scenario": "happy-path"}
    assert dp.post(START_SCENARIO.path, old).json()["code"] == err.CERT_SESSION_CLOSED.code, (
        "opening a new session closed the earlier one"
    )


def test_every_call_is_recorded_in_order_with_secrets_as_fingerprints(
    partners: Partners, server_url: str
) -> None:
    dp, other = partners.dp(), partners.dp()
    session = _open(dp, "happy-path")
    fixtures = session.scenarios[0].fixtures
    dp.post(QUOTA_SCHEDULE.path, ORDER, timestamp=1_516_239_022)  # stale: refused, recorded
    _start(dp, session, "happy-path")
    paid = _buy(dp, fixtures, server_url, "INV-R1")
    other.post(QUOTA_SCHEDULE.path, ORDER)  # another partner: not in this session
    _data(dp.post(CLOSE_SESSION.path, {"session_id": session.session_id}))
    dp.post(PAYMENT_STATUS.path, {"invoice_code": "INV-R1"})  # after closing: not recorded
    calls = _calls(dp, session).calls
    assert [(c.seq, c.scenario, c.path.rsplit("/", 1)[-1], c.status, c.code) for c in calls] == [
        (1, None, "quota-schedule", 401, err.BAD_TIMESTAMP.code),
        (2, "happy-path", "send-otp", 200, None),
        (3, "happy-path", "authorize", 200, None),
    ]
    otp = latest_otp(server_url, str(fixtures["prakerja_id"]))
    text = " ".join(f"{c.request_body} {c.response_body}" for c in calls)
    assert otp not in text and '"otp": "fp:' in text
    token_fp = f"fp:{calls[2].authorization_fingerprint}"
    assert token_fp in (calls[1].response_body or ""), "the token's fingerprint links the calls"
    assert all(c.signature_fingerprint and len(c.signature_fingerprint) == 12 for c in calls)
    assert paid.json()["data"]["transaction_code"] in (calls[2].response_body or "")


def test_a_busy_scenario_refuses_its_first_calls_with_retry_after(partners: Partners) -> None:
    dp = partners.dp()
    session = _open(dp, "busy")
    fixtures = session.scenarios[0].fixtures
    assert session.scenarios[0].fault and "503" in session.scenarios[0].fault
    _start(dp, session, "busy")
    order = {
        "course_code": fixtures["course_code"], "schedule_code": fixtures["schedule_code"],
        "prakerja_id": fixtures["prakerja_id"], "user_platform_id": "u", "amount": fixtures["amount"],
    }  # fmt: skip
    answers = [dp.post(SEND_OTP.path, order) for _ in range(BUSY_CALLS + 1)]
    assert [a.status_code for a in answers] == [503] * BUSY_CALLS + [200]
    assert answers[0].headers["Retry-After"] == "1"
    assert answers[0].json()["code"] == err.CERT_BUSY.code
    _start(dp, session, "busy")  # starting again arms the fault again
    assert dp.post(SEND_OTP.path, order).status_code == 503
    calls = _calls(dp, session).calls
    assert [c.injected for c in calls] == ["busy"] * BUSY_CALLS + [None, "busy"]
    assert [c.retry_after for c in calls] == [1] * BUSY_CALLS + [None, 1]


def test_a_lost_answer_is_a_504_after_the_purchase_went_through(
    partners: Partners, server_url: str
) -> None:
    dp = partners.dp()
    session = _open(dp, "lost-answer")
    _start(dp, session, "lost-answer")
    lost = _buy(dp, session.scenarios[0].fixtures, server_url, "INV-L1")
    assert (lost.status_code, lost.json()["code"]) == (504, err.CERT_LOST_ANSWER.code)
    status = _data(dp.post(PAYMENT_STATUS.path, {"invoice_code": "INV-L1"}))
    assert status["status"] == "SUCCESS", "the payment was made although its answer was lost"
    assert [c.injected for c in _calls(dp, session).calls] == [None, "lost_answer", None]


def test_sessions_are_their_partners_own_and_scenarios_must_exist(partners: Partners) -> None:
    dp, other, lp = partners.dp(), partners.dp(), partners.lp()
    refused = dp.post(OPEN_SESSION.path, {"scenarios": ["teleport"]})
    assert refused.json()["code"] == err.CERT_UNKNOWN_SCENARIO.code
    session = _open(dp, "void")
    ask = {"session_id": session.session_id, "scenario": "void"}
    assert other.post(START_SCENARIO.path, ask).json()["code"] == err.CERT_NOT_YOURS.code
    assert other.post(SESSION_CALLS.path, {"session_id": session.session_id}).json()["code"] == (
        err.CERT_NOT_YOURS.code
    )
    wrong = {**ask, "scenario": "happy-path"}  # a scenario not opened in this session
    assert dp.post(START_SCENARIO.path, wrong).json()["code"] == err.CERT_UNKNOWN_SCENARIO.code
    _data(dp.post(CLOSE_SESSION.path, {"session_id": session.session_id}))
    assert dp.post(START_SCENARIO.path, ask).json()["code"] == err.CERT_SESSION_CLOSED.code
    missing = {"session_id": "0" * 32, "scenario": "void"}
    assert dp.post(START_SCENARIO.path, missing).json()["code"] == err.CERT_SESSION_NOT_FOUND.code
    assert lp.post(OPEN_SESSION.path, {"scenarios": ["void"]}).json()["code"] == (
        err.CERT_UNKNOWN_SCENARIO.code
    )  # a DP scenario is not an LP's
