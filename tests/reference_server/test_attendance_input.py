"""Bad input on the LP surface: always a 400 in the envelope, never a 500, nothing written."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from contract.client import signed_headers
from contract.endpoints import (
    REDEEM_COMMIT,
    REDEEM_RESET,
    REDEEM_STATUS,
    TPM_FEEDBACK,
    TPM_STATUS,
    TPM_SUBMISSION,
    URL_GENERATE,
    Endpoint,
)
from reference_server.runtime import Runtime
from reference_server.storage.tables import RedeemCode
from tests.factories import (
    REDIRECT_URI,
    Partner,
    assert_api_error,
    redeem_code,
    success_data,
)

CODE = "<code>"  # replaced by the test's own TC1-999-200 code
URL_OK = {"redeem_code": CODE, "redirect_uri": REDIRECT_URI, "email": "a@example.com"}
TPM_OK = {"redeem_code": CODE, "scope": "tpm", "sequence": 1}

BAD_BODIES: list[tuple[Endpoint, Any]] = [
    *[
        (REDEEM_STATUS, {"redeem_code": CODE, "sequence": bad})
        for bad in (0, 1000, -1, "1", 1.5, 1.0, True, None, [1], {"n": 1}, 10**30)
    ],
    (REDEEM_STATUS, {"sequence": 1}),
    (REDEEM_STATUS, {"redeem_code": 12345}),
    (REDEEM_STATUS, {"redeem_code": ""}),
    (REDEEM_STATUS, {"redeem_code": "X" * 65}),
    (REDEEM_STATUS, [CODE]),
    (REDEEM_STATUS, CODE),
    (REDEEM_STATUS, None),
    (REDEEM_COMMIT, {}),
    (REDEEM_COMMIT, {"redeem_code": None, "code": None}),
    (REDEEM_COMMIT, {"redeem_code": ["x"]}),
    (REDEEM_RESET, {}),
    (REDEEM_RESET, {"redeem_code": 1}),
    *[(URL_GENERATE, {**URL_OK, "sequence": bad}) for bad in (0, 1000, "1", 1.5, False)],
    *[(URL_GENERATE, {k: v for k, v in URL_OK.items() if k != key}) for key in URL_OK],
    (URL_GENERATE, {**URL_OK, "email": "not-an-email"}),
    (URL_GENERATE, {**URL_OK, "email": "a b@example.com"}),
    (URL_GENERATE, {**URL_OK, "redirect_uri": "javascript:alert(1)"}),
    (URL_GENERATE, {**URL_OK, "redirect_uri": ""}),
    *[(TPM_STATUS, {**TPM_OK, "sequence": bad}) for bad in (0, 1000, "1", 1.5)],
    (TPM_STATUS, {**TPM_OK, "scope": "TPM"}),
    (TPM_STATUS, {**TPM_OK, "scope": "ujian"}),
    (TPM_STATUS, {"redeem_code": CODE, "scope": "tpm"}),
    (TPM_SUBMISSION, TPM_OK),
    (TPM_SUBMISSION, {**TPM_OK, "url_file": "ftp://lp.example/a.md"}),
    (TPM_SUBMISSION, {**TPM_OK, "url_file": "https://lp.example/a.md", "notes": "x" * 5001}),
    (TPM_FEEDBACK, {**TPM_OK, "notes": ""}),
    (TPM_FEEDBACK, TPM_OK),
    (TPM_FEEDBACK, {**TPM_OK, "notes": "ok", "url_file": 7}),
    # Text PostgreSQL cannot store is refused before it reaches the database.
    (REDEEM_STATUS, {"redeem_code": "PRAT-\x00"}),
    (REDEEM_COMMIT, {"code": "\x00"}),
    (REDEEM_RESET, {"redeem_code": CODE + "\x00"}),
    (URL_GENERATE, {**URL_OK, "email": "a\x00@example.com"}),
    (URL_GENERATE, {**URL_OK, "redeem_code": "\x00"}),
    (TPM_SUBMISSION, {**TPM_OK, "url_file": "https://lp.example/\x00.md"}),
    (TPM_SUBMISSION, {**TPM_OK, "url_file": "https://lp.example/a.md", "notes": "\x00"}),
    (TPM_FEEDBACK, {**TPM_OK, "notes": "bagus\x00"}),
    (TPM_STATUS, {**TPM_OK, "redeem_code": "\x00"}),
]


def _with_code(body: Any, code: str) -> Any:
    if body == CODE:
        return code
    if isinstance(body, dict):
        return {k: _with_code(v, code) for k, v in body.items()}
    if isinstance(body, list):
        return [_with_code(v, code) for v in body]
    return body


def _email(runtime: Runtime, code: str) -> str | None:
    with runtime.sessions() as session:
        return session.scalar(select(RedeemCode.email).where(RedeemCode.code == code))


@pytest.mark.parametrize(
    ("endpoint", "body"), BAD_BODIES, ids=[f"{e.name}-{i}" for i, (e, _) in enumerate(BAD_BODIES)]
)
def test_bad_json_is_a_400(lp: Partner, runtime: Runtime, endpoint: Endpoint, body: Any) -> None:
    code = redeem_code(lp, "TC1-999-200")
    before = success_data(lp.post(REDEEM_STATUS.path, {"redeem_code": code, "sequence": 999}))
    assert_api_error(lp.post(endpoint.path, _with_code(body, code)), "ERRGEN40001")
    after = success_data(lp.post(REDEEM_STATUS.path, {"redeem_code": code, "sequence": 999}))
    assert after == before
    assert _email(runtime, code) is None


@pytest.mark.parametrize(
    "text",
    ["", "redeem_code=PRAT-X", "{", '{"redeem_code": "PRAT-X",}', "null", "\ufeff{}", "[" * 5000],
)
@pytest.mark.parametrize("endpoint", [REDEEM_STATUS, URL_GENERATE, TPM_SUBMISSION])
def test_a_body_that_is_not_json_is_a_400(lp: Partner, endpoint: Endpoint, text: str) -> None:
    headers = signed_headers(
        lp.creds.client_code, lp.creds.sign_key, endpoint.path, text, timestamp=int(time.time())
    )
    response = lp.client.http.post(endpoint.path, content=text.encode(), headers=headers)
    assert_api_error(response, "ERRGEN40001")
