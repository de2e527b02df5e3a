"""Who may call what: headers, timestamp window, signature, replay, roles, secrets at rest and in logs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from contract.client import compact, signed_headers
from reference_server.runtime import Runtime
from reference_server.storage.tables import Partner as PartnerRow
from tests.factories import Partner, redeem_code, verification_url

QUOTA = "/api/v1/integration/payment/quota-schedule"
REDEEM_STATUS = "/api/v1/integration/payment/redeem-code/status"
QUOTA_BODY = {"course_code": "SBX-MANDIRI", "schedule_code": "SBX-MANDIRI-OPEN"}


def _send(base: str, path: str, body_text: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(base + path, content=body_text.encode(), headers=headers)


def _assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["success"] is False
    assert payload["code"] == code
    assert payload["message"]


def test_a_signed_call_succeeds(dp: Partner) -> None:
    response = dp.post(QUOTA, QUOTA_BODY)
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True


@pytest.mark.parametrize("missing", ["client_code", "signature", "timestamp"])
def test_missing_header(server_url: str, dp: Partner, missing: str) -> None:
    text = compact(QUOTA_BODY)
    headers = signed_headers(dp.creds.client_code, dp.creds.sign_key, QUOTA, text)
    del headers[missing]
    _assert_error(_send(server_url, QUOTA, text, headers), 401, "ERRAUT40101")


def test_unknown_client_code(server_url: str) -> None:
    text = compact(QUOTA_BODY)
    headers = signed_headers("dp-nobody", "whatever", QUOTA, text)
    _assert_error(_send(server_url, QUOTA, text, headers), 401, "ERRAUT40102")


def test_bad_signature(server_url: str, dp: Partner) -> None:
    text = compact(QUOTA_BODY)
    wrong_key = signed_headers(dp.creds.client_code, dp.creds.sign_key + "x", QUOTA, text)
    _assert_error(_send(server_url, QUOTA, text, wrong_key), 401, "ERRAUT40103")
    # A body changed after signing.
    headers = signed_headers(dp.creds.client_code, dp.creds.sign_key, QUOTA, text)
    tampered = compact({**QUOTA_BODY, "schedule_code": "SBX-MANDIRI-FULL"})
    _assert_error(_send(server_url, QUOTA, tampered, headers), 401, "ERRAUT40103")
    # Signed for another path.
    other = signed_headers(
        dp.creds.client_code, dp.creds.sign_key, "/api/v1/integration/payment/status", text
    )
    _assert_error(_send(server_url, QUOTA, text, other), 401, "ERRAUT40103")


@pytest.mark.parametrize("offset", [-310, 310, -86400])  # 10 s clear of the edge: a slow
# machine takes a while between stamping and the server reading its clock
def test_timestamp_outside_the_window(server_url: str, dp: Partner, offset: int) -> None:
    text = compact(QUOTA_BODY)
    headers = signed_headers(
        dp.creds.client_code, dp.creds.sign_key, QUOTA, text, timestamp=int(time.time()) + offset
    )
    _assert_error(_send(server_url, QUOTA, text, headers), 401, "ERRAUT40104")


@pytest.mark.parametrize("timestamp", ["abc", "1.5", "-5", "1698289216000"])
def test_timestamp_not_seconds(server_url: str, dp: Partner, timestamp: str) -> None:
    text = compact(QUOTA_BODY)
    headers = signed_headers(dp.creds.client_code, dp.creds.sign_key, QUOTA, text)
    headers["timestamp"] = timestamp
    _assert_error(_send(server_url, QUOTA, text, headers), 401, "ERRAUT40104")


def test_a_replayed_signature_is_refused(server_url: str, dp: Partner) -> None:
    text = compact(QUOTA_BODY)
    headers = signed_headers(dp.creds.client_code, dp.creds.sign_key, QUOTA, text)
    assert _send(server_url, QUOTA, text, headers).status_code == 200
    _assert_error(_send(server_url, QUOTA, text, headers), 401, "ERRAUT40105")
    # The same body re-sent with the spaced serialisation is the same signature: still a replay.
    spaced = json.dumps(QUOTA_BODY)
    _assert_error(_send(server_url, QUOTA, spaced, headers), 401, "ERRAUT40105")


def test_a_refused_call_does_not_burn_the_signature_of_a_valid_one(
    server_url: str, dp: Partner
) -> None:
    text = compact(QUOTA_BODY)
    headers = signed_headers(dp.creds.client_code, dp.creds.sign_key, QUOTA, text)
    bad = dict(headers, signature="0" * 40)
    _assert_error(_send(server_url, QUOTA, text, bad), 401, "ERRAUT40103")
    assert _send(server_url, QUOTA, text, headers).status_code == 200


def test_dp_credentials_cannot_call_lp_endpoints(dp: Partner) -> None:
    _assert_error(
        dp.post(REDEEM_STATUS, {"redeem_code": "PRAT-XXXXXX", "sequence": 1}), 403, "ERRAUT40301"
    )


def test_lp_credentials_cannot_call_dp_endpoints(lp: Partner) -> None:
    _assert_error(lp.post(QUOTA, QUOTA_BODY), 403, "ERRAUT40301")


def test_authentication_comes_before_body_validation(server_url: str) -> None:
    response = httpx.post(server_url + QUOTA, content=b"not json")
    _assert_error(response, 401, "ERRAUT40101")


def test_sign_keys_are_encrypted_at_rest(runtime: Runtime, dp: Partner) -> None:
    with runtime.sessions() as session:
        stored = session.scalars(
            select(PartnerRow.sign_key_enc).where(PartnerRow.client_code == dp.creds.client_code)
        ).one()
    assert dp.creds.sign_key not in stored
    assert runtime.keys.open(stored) == dp.creds.sign_key


def test_no_secret_signature_or_body_in_the_server_log(
    server_url: str, server_log: Path, dp: Partner, lp: Partner
) -> None:
    text = compact(QUOTA_BODY)
    headers = signed_headers(dp.creds.client_code, dp.creds.sign_key, QUOTA, text)
    assert _send(server_url, QUOTA, text, headers).status_code == 200
    _send(server_url, QUOTA, text, headers)  # replay, logged as a refusal
    lp.post(REDEEM_STATUS, {"redeem_code": "PRAT-NOSUCH", "sequence": 1})
    page = verification_url(lp, redeem_code(lp, "TC1-001-200"), 1, email="log@example.com")
    assert httpx.get(page).status_code == 200
    token = page.rsplit("/", 1)[1]
    log = server_log.read_text()
    assert "/verifikasi/{token}" in log
    assert QUOTA in log  # the request was logged at all
    for secret in (
        dp.creds.sign_key,
        lp.creds.sign_key,
        headers["signature"],
        "SBX-MANDIRI-OPEN",
        "PRAT-NOSUCH",
        token,
        "log@example.com",
    ):
        assert secret not in log
