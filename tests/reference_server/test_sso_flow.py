"""SSO over real HTTP: generate-url, consent page, code, tokens, profile, refresh rotation."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from reference_server.domain.sso import digest
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import AuditEvent, OAuthCode
from tests.factories import (
    SSO_SCOPE,
    Partner,
    Partners,
    beneficiary,
    sso_authorize,
    sso_code,
    sso_query,
)

CALLBACK = "https://lp.example/sso/callback"
LOGIN = "https://lp.example/login"


@pytest.fixture(scope="module")
def lp(partners: Partners) -> Partner:
    """One LP with a success and a failure callback registered."""
    return partners.lp(redirect_uris=(CALLBACK, LOGIN))


@pytest.fixture(scope="module")
def card_number(partners: Partners) -> str:
    """A participant to log in as: a test beneficiary of a DP of its own, who has bought nothing."""
    return str(beneficiary(partners.dp(), "normal-1")["prakerja_id"])


def login_query(lp: Partner, **overrides: str) -> str:
    """The generate-url query of ``lp`` with the standard values, some replaced."""
    params = {
        "state": "STATE-123456",
        "scope": SSO_SCOPE,
        "client_id": lp.creds.client_code,
        "redirect_uri": CALLBACK,
        "login_uri": LOGIN,
    } | overrides
    return sso_query(**params)


def token(
    server_url: str, lp: Partner, body: dict[str, Any], path: str = "/api/v1/oauth/token"
) -> httpx.Response:
    """POST to a token endpoint as ``lp``."""
    return httpx.post(
        f"{server_url}{path}", json=body, headers={"X-Client-Id": lp.creds.client_code}
    )


def profile(server_url: str, lp: Partner, authorization: str) -> httpx.Response:
    """GET the profile as ``lp`` with an Authorization header."""
    return httpx.get(
        f"{server_url}/api/v1/resource/user_profile",
        headers={"X-Client-Id": lp.creds.client_code, "Authorization": authorization},
    )


def assert_sso_error(response: httpx.Response, code: str) -> None:
    """The SSO error envelope, with ``code`` under both keys, HTTP 400."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body == {"success": False, "code": code, "errorCode": code, "message": body["message"]}
    assert body["message"] in ("Unauthorized", "Bad Request")


def test_full_flow_with_query_signed(server_url: str, lp: Partner, card_number: str) -> None:
    response = sso_authorize(
        server_url,
        client_code=lp.creds.client_code,
        sign_key=lp.creds.sign_key,
        query=login_query(lp),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"message", "success", "errorCode", "data"}
    assert (body["message"], body["success"], body["errorCode"]) == ("no error", True, "0")
    redirect_url = body["data"]["redirect_url"]
    assert redirect_url.startswith(f"{server_url}/consent-sso?")
    query = urlsplit(redirect_url).query
    # encodeURIComponent: spaces as %20 and ':' '/' encoded too
    assert "scope=name%20email%20prakerjaid%20notelp" in query
    assert f"redirect_uri={'https%3A%2F%2Flp.example%2Fsso%2Fcallback'}" in query
    params = {k: v[0] for k, v in parse_qs(query).items()}
    assert params == {
        "scope": SSO_SCOPE,
        "state": "STATE-123456",
        "redirect_uri": CALLBACK,
        "login_uri": LOGIN,
        "client_id": lp.creds.client_code,
        "client_name": lp.creds.name,
    }

    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(redirect_url)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["x-frame-options"] == "DENY"
        for text in (
            "Login Needed",
            "Consent Needed",
            "tidak ada kata sandi",
            "Nomor Kartu Prakerja",
            "Nama lengkap",
            "Alamat email",
            "Nomor telepon",
            "Izinkan",
            "Tolak",
            lp.creds.name,
        ):
            assert text in page.text
        allowed = browser.post(
            f"{server_url}/consent-sso",
            data=params | {"card_number": card_number, "action": "allow"},
        )
    assert allowed.status_code == 303
    location = urlsplit(allowed.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    back = parse_qs(location.query)
    assert back["state"] == ["STATE-123456"]
    code = back["code"][0]

    issued = token(server_url, lp, {"code": code})
    assert issued.status_code == 200, issued.text
    assert issued.headers["cache-control"] == "no-store"
    envelope = issued.json()
    assert (envelope["message"], envelope["success"], envelope["errorCode"]) == (
        "no error",
        True,
        "0",
    )
    tokens = envelope["data"]
    assert set(tokens) == {"access_token", "expires_in", "refresh_token", "scope", "token_type"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == SSO_SCOPE
    assert isinstance(tokens["expires_in"], str)
    assert abs(int(tokens["expires_in"]) - (time.time() + 3600)) < 60

    raw = profile(server_url, lp, tokens["access_token"])
    bearer = profile(server_url, lp, f"Bearer {tokens['access_token']}")
    assert raw.status_code == bearer.status_code == 200, raw.text
    assert raw.json() == bearer.json()
    data = raw.json()["data"]
    assert set(data) == {"dp_user_id", "email", "name", "no_prakerja", "phone_number", "user_id"}
    assert data["no_prakerja"] == card_number
    assert data["name"] == "user skema normal 1"
    assert data["email"] and data["phone_number"] and data["user_id"]
    assert data["dp_user_id"] == ""  # this fixture participant has bought nothing

    rotated = token(
        server_url, lp, {"token": tokens["refresh_token"]}, "/api/v1/oauth/token/refresh"
    )
    assert rotated.status_code == 200, rotated.text
    fresh = rotated.json()["data"]
    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["scope"] == SSO_SCOPE

    reused = token(
        server_url, lp, {"token": tokens["refresh_token"]}, "/api/v1/oauth/token/refresh"
    )
    assert_sso_error(reused, "ERROAUTH4033")
    assert profile(server_url, lp, fresh["access_token"]).json()["data"] == data
    assert_sso_error(profile(server_url, lp, tokens["access_token"]), "ERROAUTH4030")


def test_generate_url_signed_over_the_bare_path(server_url: str, lp: Partner) -> None:
    response = sso_authorize(
        server_url,
        client_code=lp.creds.client_code,
        sign_key=lp.creds.sign_key,
        query=login_query(lp, state="bare"),
        sign_query=False,
    )
    assert response.status_code == 200, response.text
    assert "state=bare" in response.json()["data"]["redirect_url"]


def test_client_id_query_is_optional(server_url: str, lp: Partner) -> None:
    query = sso_query(state="s", scope="name", redirect_uri=CALLBACK, login_uri=LOGIN)
    response = sso_authorize(
        server_url, client_code=lp.creds.client_code, sign_key=lp.creds.sign_key, query=query
    )
    assert response.status_code == 200, response.text


def test_refresh_posted_to_the_token_path(server_url: str, lp: Partner, card_number: str) -> None:
    code = sso_code(server_url, lp, card_number=card_number, redirect_uri=CALLBACK, login_uri=LOGIN)
    first = token(server_url, lp, {"code": code}).json()["data"]
    second = token(server_url, lp, {"token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    assert second.json()["data"]["refresh_token"] != first["refresh_token"]
    assert_sso_error(token(server_url, lp, {"token": first["refresh_token"]}), "ERROAUTH4033")


def test_token_body_without_json_content_type(
    server_url: str, lp: Partner, card_number: str
) -> None:
    code = sso_code(server_url, lp, card_number=card_number, redirect_uri=CALLBACK, login_uri=LOGIN)
    # what `curl --data '{"code":"..."}'` sends when no Content-Type header is given
    response = httpx.post(
        f"{server_url}/api/v1/oauth/token",
        content=f'{{"code":"{code}"}}'.encode(),
        headers={
            "X-Client-Id": lp.creds.client_code,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 200, response.text


def test_deny_returns_to_login_uri_with_error(
    server_url: str, lp: Partner, runtime: Runtime
) -> None:
    response = sso_authorize(
        server_url,
        client_code=lp.creds.client_code,
        sign_key=lp.creds.sign_key,
        query=login_query(lp, state="deny me"),
    )
    form = {
        k: v[0]
        for k, v in parse_qs(urlsplit(response.json()["data"]["redirect_url"]).query).items()
    }
    denied = httpx.post(
        f"{server_url}/consent-sso", data=form | {"action": "deny", "card_number": ""}
    )
    assert denied.status_code == 303
    location = urlsplit(denied.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == LOGIN
    assert parse_qs(location.query) == {"error": ["access_denied"], "state": ["deny me"]}
    with runtime.sessions() as session:
        actions = session.scalars(
            select(AuditEvent.actor).where(
                AuditEvent.entity == "sso_consent",
                AuditEvent.entity_id == lp.creds.client_code,
                AuditEvent.action == "denied",
            )
        ).all()
    assert actions == ["participant"]


def test_existing_query_of_redirect_uri_is_kept(
    server_url: str, partners: Partners, card_number: str
) -> None:
    callback = "https://lp.example/cb?tenant=a%20b&x=1"
    other = partners.lp(redirect_uris=(callback, LOGIN))
    query = sso_query(state="s&t", scope="name", redirect_uri=callback, login_uri=LOGIN)
    response = sso_authorize(
        server_url, client_code=other.creds.client_code, sign_key=other.creds.sign_key, query=query
    )
    form = {
        k: v[0]
        for k, v in parse_qs(urlsplit(response.json()["data"]["redirect_url"]).query).items()
    }
    allowed = httpx.post(
        f"{server_url}/consent-sso", data=form | {"action": "allow", "card_number": card_number}
    )
    location = allowed.headers["location"]
    assert location.startswith("https://lp.example/cb?tenant=a%20b&x=1&code=")
    assert parse_qs(urlsplit(location).query)["state"] == ["s&t"]


def test_code_is_single_use(server_url: str, lp: Partner, card_number: str) -> None:
    code = sso_code(server_url, lp, card_number=card_number, redirect_uri=CALLBACK, login_uri=LOGIN)
    assert token(server_url, lp, {"code": code}).status_code == 200
    assert_sso_error(token(server_url, lp, {"code": code}), "ERROAUTH4031")


def test_code_is_spent_once_under_concurrency(
    server_url: str, lp: Partner, card_number: str
) -> None:
    code = sso_code(server_url, lp, card_number=card_number, redirect_uri=CALLBACK, login_uri=LOGIN)
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(
            pool.map(lambda _: token(server_url, lp, {"code": code}).status_code, range(6))
        )
    assert statuses == [200, 400, 400, 400, 400, 400]


def test_refresh_is_rotated_once_under_concurrency(
    server_url: str, lp: Partner, card_number: str
) -> None:
    code = sso_code(server_url, lp, card_number=card_number, redirect_uri=CALLBACK, login_uri=LOGIN)
    refresh_token = token(server_url, lp, {"code": code}).json()["data"]["refresh_token"]
    path = "/api/v1/oauth/token/refresh"
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(
            pool.map(
                lambda _: token(server_url, lp, {"token": refresh_token}, path).status_code,
                range(6),
            )
        )
    assert statuses == [200, 400, 400, 400, 400, 400]


def test_expired_code_is_refused(
    server_url: str, lp: Partner, card_number: str, runtime: Runtime
) -> None:
    code = sso_code(server_url, lp, card_number=card_number, redirect_uri=CALLBACK, login_uri=LOGIN)
    with transaction(runtime.sessions) as session:
        row = session.scalars(select(OAuthCode).where(OAuthCode.code_hash == digest(code))).one()
        # Stored as a digest, never in clear; lifetime 5 minutes.
        assert row.code_hash != code
        assert 290 <= (row.expires_at - row.created_at).total_seconds() <= 300
        session.execute(
            update(OAuthCode).where(OAuthCode.id == row.id).values(expires_at=row.created_at)
        )
    assert_sso_error(token(server_url, lp, {"code": code}), "ERROAUTH4031")


def test_code_of_another_lp_is_refused(
    server_url: str, lp: Partner, partners: Partners, card_number: str
) -> None:
    code = sso_code(server_url, lp, card_number=card_number, redirect_uri=CALLBACK, login_uri=LOGIN)
    other = partners.lp()
    assert_sso_error(token(server_url, other, {"code": code}), "ERROAUTH4031")
    # the attempt by the other LP did not spend it
    assert token(server_url, lp, {"code": code}).status_code == 200
