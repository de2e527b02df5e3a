"""Errors every endpoint shares: size limit, unknown paths and methods, in the caller's envelope."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from contract.client import compact, signed_headers
from tests.factories import Partners

QUOTA = "/api/v1/integration/payment/quota-schedule"


def _big_body() -> str:
    return compact({"course_code": "X" * 70_000, "schedule_code": "Y"})


def test_a_declared_oversize_body_is_refused(server_url: str, partners: Partners) -> None:
    dp = partners.dp()
    text = _big_body()
    headers = signed_headers(dp.creds.client_code, dp.creds.sign_key, QUOTA, text)
    response = httpx.post(server_url + QUOTA, content=text.encode(), headers=headers)
    assert response.status_code == 413, response.text
    assert response.json() == {
        "success": False,
        "code": "ERRGEN41301",
        "message": "Ukuran request terlalu besar.",
    }


def test_a_streamed_oversize_body_is_refused_too(server_url: str, partners: Partners) -> None:
    dp = partners.dp()
    text = _big_body()
    headers = signed_headers(dp.creds.client_code, dp.creds.sign_key, QUOTA, text)

    def chunks() -> Iterator[bytes]:  # no Content-Length: Transfer-Encoding chunked
        data = text.encode()
        for start in range(0, len(data), 8192):
            yield data[start : start + 8192]

    response = httpx.post(server_url + QUOTA, content=chunks(), headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "ERRGEN41301"


def test_wrong_method_is_enveloped(server_url: str) -> None:
    response = httpx.get(server_url + QUOTA)
    assert response.status_code == 405
    assert response.json() == {
        "success": False,
        "code": "ERRGEN40501",
        "message": "Metode tidak diizinkan.",
    }


def test_sso_paths_answer_in_the_sso_envelope(server_url: str) -> None:
    response = httpx.put(server_url + "/api/v1/oauth/token", json={})
    assert response.status_code == 405
    body = response.json()
    assert body["success"] is False
    assert body["code"] == body["errorCode"] == "ERRGEN40501"
