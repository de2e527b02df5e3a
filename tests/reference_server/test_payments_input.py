"""Bad input on the DP payment surface is a 400 in the envelope, never a 500, and writes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from contract.client import compact, signed_headers
from contract.endpoints import AUTHORIZE, PAYMENT_STATUS, QUOTA_SCHEDULE, SEND_OTP, VOID
from contract.errors import CATALOGUE
from reference_server.runtime import Runtime
from tests.factories import Partner, Partners, beneficiary, card_money

HUGE = "X" * 10_000
GOOD_ORDER = {
    "user_platform_id": "u-1",
    "course_code": "SBX-MANDIRI",
    "schedule_code": "SBX-MANDIRI-OPEN",
    "amount": 500_000,
}
GOOD_PAY = {"otp": "123456", "invoice_url": "https://dp.example/i/1", "invoice_code": "INV-1"}


def raw_post(dp: Partner, path: str, text: str, authorization: str | None = None) -> httpx.Response:
    """POST these exact bytes, correctly signed."""
    headers = signed_headers(
        dp.creds.client_code, dp.creds.sign_key, path, text, authorization=authorization
    )
    return dp.client.http.post(path, content=text.encode(), headers=headers)


def assert_refused(response: httpx.Response, code: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["success"] is False
    assert body["code"] == code
    assert body["code"] in CATALOGUE
    assert set(body) == {"success", "code", "message"}


SEND_OTP_BAD: dict[str, dict[str, Any]] = {
    "float amount": {"amount": 100.5},
    "whole float amount": {"amount": 500000.0},
    "string amount": {"amount": "500000"},
    "bool amount": {"amount": True},
    "null amount": {"amount": None},
    "zero amount": {"amount": 0},
    "negative amount": {"amount": -500_000},
    "astronomical amount": {"amount": 10**30},
    "list amount": {"amount": [500_000]},
    "int prakerja_id": {"prakerja_id": 1234},
    "object prakerja_id": {"prakerja_id": {"a": 1}},
    "empty prakerja_id": {"prakerja_id": ""},
    "huge prakerja_id": {"prakerja_id": HUGE},
    "huge course_code": {"course_code": HUGE},
    "NUL in user_platform_id": {"user_platform_id": "u\x00"},
    "NUL in course_code": {"course_code": "SBX-MANDIRI\x00"},
    "missing amount": {"amount": ...},
    "missing user_platform_id": {"user_platform_id": ...},
}


@pytest.mark.parametrize("change", SEND_OTP_BAD.values(), ids=SEND_OTP_BAD.keys())
def test_send_otp_bad_input(partners: Partners, change: dict[str, Any]) -> None:
    dp = partners.dp()
    body = {"prakerja_id": beneficiary(dp, "normal-1")["prakerja_id"]} | GOOD_ORDER | change
    body = {k: v for k, v in body.items() if v is not ...}
    assert_refused(dp.post(SEND_OTP.path, body), "ERRGEN40001")


AUTHORIZE_BAD: dict[str, dict[str, Any]] = {
    "int otp": {"otp": 123456},
    "empty otp": {"otp": ""},
    "huge otp": {"otp": HUGE},
    "not a url": {"invoice_url": "dp.example/i/1"},
    "url with spaces": {"invoice_url": "https://dp.example/a b"},
    "bool invoice_code": {"invoice_code": True},
    "float invoice_code": {"invoice_code": 1.5},
    "list invoice_code": {"invoice_code": ["INV"]},
    "huge invoice_code": {"invoice_code": HUGE},
    "NUL in invoice_code": {"invoice_code": "INV\x00"},
    "missing invoice_code": {"invoice_code": ...},
}


@pytest.mark.parametrize("change", AUTHORIZE_BAD.values(), ids=AUTHORIZE_BAD.keys())
def test_authorize_bad_input(partners: Partners, change: dict[str, Any]) -> None:
    dp = partners.dp()
    body = {k: v for k, v in (GOOD_PAY | change).items() if v is not ...}
    response = dp.post(AUTHORIZE.path, body, authorization="Payment " + "t" * 43)
    assert_refused(response, "ERRGEN40001")


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        (PAYMENT_STATUS.path, {"invoice_code": None}, "ERRGEN40001"),
        (PAYMENT_STATUS.path, {"invoice_code": HUGE}, "ERRGEN40001"),
        (PAYMENT_STATUS.path, {"invoice_code": "A\x00"}, "ERRGEN40001"),
        (PAYMENT_STATUS.path, {}, "ERRGEN40001"),
        (VOID.path, {"invoice_code": "INV-1"}, "ERRGEN40001"),
        (VOID.path, {"invoice_code": "INV-1", "transaction_code": 12}, "ERRGEN40001"),
        (VOID.path, {"invoice_code": "INV-1", "transaction_code": HUGE}, "ERRGEN40001"),
        (QUOTA_SCHEDULE.path, {"course_code": ["A"], "schedule_code": "B"}, "ERRPLT40036"),
        (QUOTA_SCHEDULE.path, {"course_code": HUGE, "schedule_code": "B"}, "ERRPLT40036"),
        (QUOTA_SCHEDULE.path, {"course_code": "A\x00", "schedule_code": "B"}, "ERRPLT40036"),
    ],
)
def test_other_endpoints_bad_input(
    partners: Partners, path: str, body: dict[str, Any], code: str
) -> None:
    assert_refused(partners.dp().post(path, body), code)


@pytest.mark.parametrize("text", ["not json", "{", "", "[]", '"text"', "123", "null", '{"a":'])
@pytest.mark.parametrize(
    ("path", "code"),
    [
        (SEND_OTP.path, "ERRGEN40001"),
        (AUTHORIZE.path, "ERRGEN40001"),
        (PAYMENT_STATUS.path, "ERRGEN40001"),
        (VOID.path, "ERRGEN40001"),
        (QUOTA_SCHEDULE.path, "ERRPLT40036"),
    ],
)
def test_non_json_or_non_object_bodies(partners: Partners, path: str, code: str, text: str) -> None:
    auth = "Payment " + "t" * 43 if path == AUTHORIZE.path else None
    assert_refused(raw_post(partners.dp(), path, text, authorization=auth), code)


def test_spaced_json_signed_as_sent_is_accepted(partners: Partners) -> None:
    dp = partners.dp()
    text = json.dumps({"course_code": "SBX-MANDIRI", "schedule_code": "SBX-MANDIRI-OPEN"})
    assert " " in text and text != compact(json.loads(text))
    assert raw_post(dp, QUOTA_SCHEDULE.path, text).status_code == 200


def test_refused_input_writes_nothing(partners: Partners, runtime: Runtime) -> None:
    dp = partners.dp()
    card = beneficiary(dp, "normal-1")["prakerja_id"]
    body = {"prakerja_id": card} | GOOD_ORDER | {"amount": 100.5}
    assert_refused(dp.post(SEND_OTP.path, body), "ERRGEN40001")
    assert card_money(runtime, card) == (3_500_000, 3_500_000)


def test_an_oversized_body_is_refused_in_the_envelope(partners: Partners) -> None:
    dp = partners.dp()
    response = dp.post(PAYMENT_STATUS.path, {"invoice_code": "X" * 70_000})
    assert response.status_code == 413
    assert response.json()["code"] == "ERRGEN41301"


def test_a_lone_surrogate_is_refused(partners: Partners) -> None:
    dp = partners.dp()
    text = '{"invoice_code":"INV\\ud800"}'
    assert_refused(raw_post(dp, PAYMENT_STATUS.path, text), "ERRGEN40001")
