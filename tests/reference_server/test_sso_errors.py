"""Every SSO refusal: its code in the SSO error envelope, HTTP 400, and never a redirect or a 500."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select, update

from contract.endpoints import SSO_AUTHORIZE_PATH
from contract.signature import sign
from reference_server.domain.sso import digest
from reference_server.fixtures import BUILTIN_DP
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import OAuthCode, OAuthToken, utcnow
from reference_server.storage.tables import Partner as PartnerRow
from tests.factories import (
    SSO_SCOPE,
    Partner,
    Partners,
    beneficiary,
    sso_authorize,
    sso_code,
    sso_query,
)

CALLBACK = "https://lp-errors.example/callback"
LOGIN = "https://lp-errors.example/login"
TOKEN = "/api/v1/oauth/token"
REFRESH = "/api/v1/oauth/token/refresh"
PROFILE = "/api/v1/resource/user_profile"
CONSENT = "/consent-sso"


@pytest.fixture(scope="module")
def lp(partners: Partners) -> Partner:
    return partners.lp(redirect_uris=(CALLBACK, LOGIN))


@pytest.fixture(scope="module")
def other_lp(partners: Partners) -> Partner:
    return partners.lp(redirect_uris=("https://other-lp.example/callback",))


@pytest.fixture(scope="module")
def dp(partners: Partners) -> Partner:
    return partners.dp()


@pytest.fixture(scope="module")
def card_number(dp: Partner) -> str:
    return str(beneficiary(dp, "normal-2")["prakerja_id"])


@pytest.fixture
def tokens(server_url: str, lp: Partner, card_number: str) -> dict[str, str]:
    """A fresh token pair of ``lp``."""
    code = sso_code(server_url, lp, card_number=card_number, redirect_uri=CALLBACK, login_uri=LOGIN)
    response = httpx.post(
        f"{server_url}{TOKEN}", json={"code": code}, headers={"X-Client-Id": lp.creds.client_code}
    )
    assert response.status_code == 200, response.text
    data: dict[str, str] = response.json()["data"]
    return data


def expect(response: httpx.Response, code: str) -> None:
    """Exactly the SSO error envelope of ``code`` (message from the catalogue), HTTP 400."""
    message = "Bad Request" if code in ("ERROAUTH4000", "ERROAUTH4034") else "Unauthorized"
    assert response.status_code == 400, response.text
    assert response.json() == {
        "success": False,
        "code": code,
        "errorCode": code,
        "message": message,
    }
    assert "location" not in response.headers


def query(**overrides: str) -> str:
    """A unique, otherwise valid generate-url query with some values replaced or dropped ("")."""
    params = {
        "state": f"s-{secrets.token_hex(4)}",
        "scope": SSO_SCOPE,
        "redirect_uri": CALLBACK,
        "login_uri": LOGIN,
    } | overrides
    return sso_query(**{k: v for k, v in params.items() if v != "<drop>"})


def authorize(server_url: str, partner: Partner, text: str, **kwargs: Any) -> httpx.Response:
    return sso_authorize(
        server_url,
        client_code=partner.creds.client_code,
        sign_key=partner.creds.sign_key,
        query=text,
        **kwargs,
    )


# --- generate-url ---------------------------------------------------------------------------


def test_authorize_without_client_id(server_url: str, lp: Partner) -> None:
    expect(httpx.get(f"{server_url}{SSO_AUTHORIZE_PATH}?{query()}"), "ERROAUTH4024")
    expect(authorize(server_url, lp, query(), headers={"X-Client-Id": ""}), "ERROAUTH4024")


def test_authorize_unknown_client(server_url: str, lp: Partner) -> None:
    expect(authorize(server_url, lp, query(), headers={"X-Client-Id": "lp-nobody"}), "ERROAUTH4029")
    expect(authorize(server_url, lp, query(), headers={"X-Client-Id": "x" * 300}), "ERROAUTH4029")


def test_authorize_refuses_a_dp(server_url: str, dp: Partner) -> None:
    expect(authorize(server_url, dp, query()), "ERROAUTH4035")
    expect(
        httpx.get(
            f"{server_url}{SSO_AUTHORIZE_PATH}?{query()}", headers={"X-Client-Id": BUILTIN_DP}
        ),
        "ERROAUTH4035",
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Signature": ""},
        {"X-Timestamp": ""},
        {"X-Signature": "0" * 40},
        {"X-Timestamp": "not-a-number"},
        {"X-Timestamp": "1.5e9"},
    ],
    ids=["no-signature", "no-timestamp", "wrong-signature", "bad-timestamp", "float-timestamp"],
)
def test_authorize_bad_signature_headers(
    server_url: str, lp: Partner, headers: dict[str, str]
) -> None:
    expect(authorize(server_url, lp, query(), headers=headers), "ERROAUTH4032")


@pytest.mark.parametrize("skew", [-1000, 1000])
def test_authorize_timestamp_outside_window(server_url: str, lp: Partner, skew: int) -> None:
    expect(authorize(server_url, lp, query(), timestamp=int(time.time()) + skew), "ERROAUTH4032")


def test_authorize_timestamp_other_than_signed(server_url: str, lp: Partner) -> None:
    signed_at = int(time.time())
    response = authorize(
        server_url, lp, query(), timestamp=signed_at, headers={"X-Timestamp": str(signed_at + 1)}
    )
    expect(response, "ERROAUTH4032")


def test_authorize_signed_with_another_key(server_url: str, lp: Partner, other_lp: Partner) -> None:
    response = sso_authorize(
        server_url,
        client_code=lp.creds.client_code,
        sign_key=other_lp.creds.sign_key,
        query=query(),
    )
    expect(response, "ERROAUTH4032")


def test_authorize_query_changed_after_signing(server_url: str, lp: Partner) -> None:
    signed, sent = query(state="signed"), query(state="sent")
    ts = str(int(time.time()))
    signature = sign(
        lp.creds.sign_key, lp.creds.client_code, ts, "GET", f"{SSO_AUTHORIZE_PATH}?{signed}", ""
    )
    response = httpx.get(
        f"{server_url}{SSO_AUTHORIZE_PATH}?{sent}",
        headers={"X-Client-Id": lp.creds.client_code, "X-Timestamp": ts, "X-Signature": signature},
    )
    expect(response, "ERROAUTH4032")


def test_authorize_replayed_signature(server_url: str, lp: Partner) -> None:
    text, ts = query(), int(time.time())
    assert authorize(server_url, lp, text, timestamp=ts).status_code == 200
    expect(authorize(server_url, lp, text, timestamp=ts), "ERROAUTH4032")
    # the same for a signature over the bare path
    text = query()
    assert authorize(server_url, lp, text, timestamp=ts, sign_query=False).status_code == 200
    expect(authorize(server_url, lp, text, timestamp=ts, sign_query=False), "ERROAUTH4032")


@pytest.mark.parametrize("missing", ["state", "scope", "redirect_uri", "login_uri"])
def test_authorize_missing_parameter(server_url: str, lp: Partner, missing: str) -> None:
    expect(authorize(server_url, lp, query(**{missing: "<drop>"})), "ERROAUTH4000")
    expect(authorize(server_url, lp, query(**{missing: " "})), "ERROAUTH4000")


@pytest.mark.parametrize("scope", ["name phone", "NAME", "name,email", "openid", "name " * 60])
def test_authorize_bad_scope(server_url: str, lp: Partner, scope: str) -> None:
    expect(authorize(server_url, lp, query(scope=scope)), "ERROAUTH4000")


def test_authorize_client_id_differs_from_header(
    server_url: str, lp: Partner, other_lp: Partner
) -> None:
    expect(authorize(server_url, lp, query(client_id=other_lp.creds.client_code)), "ERROAUTH4029")


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "https://evil.example/callback"},
        {"login_uri": "https://evil.example/login"},
        {"redirect_uri": CALLBACK + "/../evil"},
        {"redirect_uri": CALLBACK + "?extra=1"},
        {"redirect_uri": "https://other-lp.example/callback"},  # another LP's registration
    ],
)
def test_authorize_unregistered_uri(
    server_url: str, lp: Partner, overrides: dict[str, str]
) -> None:
    expect(authorize(server_url, lp, query(**overrides)), "ERROAUTH4034")


# --- token, refresh, profile ----------------------------------------------------------------


@pytest.mark.parametrize("path", [TOKEN, REFRESH])
def test_token_client_errors(server_url: str, dp: Partner, path: str) -> None:
    body = {"code": "abc"} if path == TOKEN else {"token": "abc"}
    expect(httpx.post(f"{server_url}{path}", json=body), "ERROAUTH4024")
    expect(
        httpx.post(f"{server_url}{path}", json=body, headers={"X-Client-Id": "lp-nobody"}),
        "ERROAUTH4029",
    )
    expect(
        httpx.post(f"{server_url}{path}", json=body, headers={"X-Client-Id": dp.creds.client_code}),
        "ERROAUTH4035",
    )


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        b"{}",
        b'{"code":""}',
        b'{"code":5}',
        b'{"code":"' + b"x" * 65 + b'"}',
        b'{"code":"a","token":"b"}',
        b"\xff\xfe",
        b"[" * 5000,
        b'{"code":null,"token":null}',
    ],
)
def test_token_bad_body(server_url: str, lp: Partner, content: bytes) -> None:
    response = httpx.post(
        f"{server_url}{TOKEN}",
        content=content,
        headers={"X-Client-Id": lp.creds.client_code, "Content-Type": "application/json"},
    )
    expect(response, "ERROAUTH4000")


@pytest.mark.parametrize("content", [b"", b"{}", b'{"code":"abc"}', b'{"token":""}', b"nope"])
def test_refresh_bad_body(server_url: str, lp: Partner, content: bytes) -> None:
    response = httpx.post(
        f"{server_url}{REFRESH}", content=content, headers={"X-Client-Id": lp.creds.client_code}
    )
    expect(response, "ERROAUTH4000")


def test_unknown_code(server_url: str, lp: Partner) -> None:
    response = httpx.post(
        f"{server_url}{TOKEN}", json={"code": "nope"}, headers={"X-Client-Id": lp.creds.client_code}
    )
    expect(response, "ERROAUTH4031")


@pytest.mark.parametrize("path", [TOKEN, REFRESH])
def test_unknown_refresh_token(server_url: str, lp: Partner, path: str) -> None:
    response = httpx.post(
        f"{server_url}{path}", json={"token": "nope"}, headers={"X-Client-Id": lp.creds.client_code}
    )
    expect(response, "ERROAUTH4033")


def test_refresh_token_of_another_lp(
    server_url: str, other_lp: Partner, tokens: dict[str, str]
) -> None:
    response = httpx.post(
        f"{server_url}{REFRESH}",
        json={"token": tokens["refresh_token"]},
        headers={"X-Client-Id": other_lp.creds.client_code},
    )
    expect(response, "ERROAUTH4033")


def test_access_token_is_not_a_refresh_token(
    server_url: str, lp: Partner, tokens: dict[str, str]
) -> None:
    response = httpx.post(
        f"{server_url}{REFRESH}",
        json={"token": tokens["access_token"]},
        headers={"X-Client-Id": lp.creds.client_code},
    )
    expect(response, "ERROAUTH4033")


def test_expired_refresh_token(
    server_url: str, lp: Partner, tokens: dict[str, str], runtime: Runtime
) -> None:
    with transaction(runtime.sessions) as session:
        session.execute(
            update(OAuthToken)
            .where(OAuthToken.refresh_hash == digest(tokens["refresh_token"]))
            .values(refresh_expires_at=utcnow() - timedelta(seconds=1))
        )
    response = httpx.post(
        f"{server_url}{REFRESH}",
        json={"token": tokens["refresh_token"]},
        headers={"X-Client-Id": lp.creds.client_code},
    )
    expect(response, "ERROAUTH4033")


def get_profile(
    server_url: str, client_id: str | None, authorization: str | None
) -> httpx.Response:
    headers = {}
    if client_id is not None:
        headers["X-Client-Id"] = client_id
    if authorization is not None:
        headers["Authorization"] = authorization
    return httpx.get(f"{server_url}{PROFILE}", headers=headers)


def test_profile_client_errors(server_url: str, dp: Partner, tokens: dict[str, str]) -> None:
    access = tokens["access_token"]
    expect(get_profile(server_url, None, access), "ERROAUTH4024")
    expect(get_profile(server_url, "lp-nobody", access), "ERROAUTH4029")
    expect(get_profile(server_url, dp.creds.client_code, access), "ERROAUTH4035")


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "nope", "Bearer nope", "x" * 8000])
def test_profile_without_a_valid_token(
    server_url: str, lp: Partner, authorization: str | None
) -> None:
    expect(get_profile(server_url, lp.creds.client_code, authorization), "ERROAUTH4030")


def test_profile_with_another_lps_token(
    server_url: str, other_lp: Partner, tokens: dict[str, str]
) -> None:
    expect(
        get_profile(server_url, other_lp.creds.client_code, tokens["access_token"]), "ERROAUTH4030"
    )


def test_profile_with_refresh_token(server_url: str, lp: Partner, tokens: dict[str, str]) -> None:
    expect(get_profile(server_url, lp.creds.client_code, tokens["refresh_token"]), "ERROAUTH4030")


def test_profile_with_expired_token(
    server_url: str, lp: Partner, tokens: dict[str, str], runtime: Runtime
) -> None:
    assert get_profile(server_url, lp.creds.client_code, tokens["access_token"]).status_code == 200
    with transaction(runtime.sessions) as session:
        session.execute(
            update(OAuthToken)
            .where(OAuthToken.access_hash == digest(tokens["access_token"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expect(get_profile(server_url, lp.creds.client_code, tokens["access_token"]), "ERROAUTH4030")
    # an expired access token does not stop a refresh
    response = httpx.post(
        f"{server_url}{REFRESH}",
        json={"token": tokens["refresh_token"]},
        headers={"X-Client-Id": lp.creds.client_code},
    )
    assert response.status_code == 200, response.text


# --- the consent page -----------------------------------------------------------------------


def consent_params(lp: Partner, **overrides: str) -> dict[str, str]:
    params = {
        "scope": SSO_SCOPE,
        "state": "STATE-1",
        "redirect_uri": CALLBACK,
        "login_uri": LOGIN,
        "client_id": lp.creds.client_code,
        "client_name": lp.creds.name,
    } | overrides
    return {k: v for k, v in params.items() if v != "<drop>"}


def expect_page(response: httpx.Response, code: str) -> None:
    """A 400 HTML page naming ``code``; the browser is not redirected anywhere."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "location" not in response.headers
    assert code in response.text


@pytest.fixture
def codes_of(runtime: Runtime) -> Callable[[Partner], int]:
    """Counts the codes issued to an LP."""

    def count(partner: Partner) -> int:
        with runtime.sessions() as session:
            found = session.scalar(
                select(func.count())
                .select_from(OAuthCode)
                .join(PartnerRow, PartnerRow.id == OAuthCode.lp_id)
                .where(PartnerRow.client_code == partner.creds.client_code)
            )
        return int(found or 0)

    return count


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"redirect_uri": "https://evil.example/cb"}, "ERROAUTH4034"),
        ({"login_uri": "https://evil.example/login"}, "ERROAUTH4034"),
        ({"client_id": "lp-nobody"}, "ERROAUTH4029"),
        ({"client_id": BUILTIN_DP}, "ERROAUTH4035"),
        ({"client_id": "<drop>"}, "ERROAUTH4000"),
        ({"client_name": "<drop>"}, "ERROAUTH4000"),
        ({"state": "<drop>"}, "ERROAUTH4000"),
        ({"scope": "name phone"}, "ERROAUTH4000"),
        ({"redirect_uri": "<drop>"}, "ERROAUTH4000"),
        ({"state": "a\x00b"}, "ERROAUTH4000"),
        ({"client_id": "lp\x00x"}, "ERROAUTH4029"),
    ],
)
def test_consent_page_refuses_bad_requests(
    server_url: str,
    lp: Partner,
    card_number: str,
    overrides: dict[str, str],
    code: str,
    codes_of: Callable[[Partner], int],
) -> None:
    params = consent_params(lp, **overrides)
    expect_page(httpx.get(f"{server_url}{CONSENT}", params=params), code)
    before = codes_of(lp)
    for action in ("allow", "deny"):
        submitted = httpx.post(
            f"{server_url}{CONSENT}", data=params | {"card_number": card_number, "action": action}
        )
        expect_page(submitted, code)
    assert codes_of(lp) == before


def test_consent_page_without_any_parameter(server_url: str) -> None:
    expect_page(httpx.get(f"{server_url}{CONSENT}"), "ERROAUTH4000")
    expect_page(httpx.post(f"{server_url}{CONSENT}"), "ERROAUTH4000")


@pytest.mark.parametrize("card", ["9999999999999999", "", "abc", "1" * 40, "١٢٣", "9\x00"])
def test_unknown_card_shows_the_page_again(
    server_url: str, lp: Partner, card: str, codes_of: Callable[[Partner], int]
) -> None:
    before = codes_of(lp)
    response = httpx.post(
        f"{server_url}{CONSENT}", data=consent_params(lp) | {"card_number": card, "action": "allow"}
    )
    assert response.status_code == 200
    assert "location" not in response.headers
    assert "Nomor Kartu Prakerja tidak ditemukan" in response.text
    assert 'name="state" value="STATE-1"' in response.text
    assert codes_of(lp) == before


@pytest.mark.parametrize("action", ["", "ALLOW", "maybe"])
def test_consent_action_must_be_allow_or_deny(
    server_url: str, lp: Partner, card_number: str, action: str
) -> None:
    form = consent_params(lp) | {"card_number": card_number, "action": action}
    expect_page(httpx.post(f"{server_url}{CONSENT}", data=form), "ERROAUTH4000")


def test_consent_form_that_is_not_utf8(server_url: str) -> None:
    response = httpx.post(
        f"{server_url}{CONSENT}",
        content=b"state=%FF&x=\xff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    expect_page(response, "ERROAUTH4000")


def test_consent_form_with_too_many_fields(server_url: str) -> None:
    response = httpx.post(
        f"{server_url}{CONSENT}", content=b"&".join(b"f%d=1" % i for i in range(100))
    )
    expect_page(response, "ERROAUTH4000")


def test_consent_page_escapes_what_it_shows(server_url: str, partners: Partners) -> None:
    evil_uri = 'https://lp.example/cb?a="><script>alert(1)</script>'
    other = partners.lp(redirect_uris=(evil_uri, LOGIN))
    state = '"><img src=x onerror=alert(1)>'
    page = httpx.get(
        f"{server_url}{CONSENT}", params=consent_params(other, state=state, redirect_uri=evil_uri)
    )
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text and "<img" not in page.text
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page.text
    with_error = httpx.post(
        f"{server_url}{CONSENT}",
        data=consent_params(other, state=state, redirect_uri=evil_uri)
        | {"card_number": "<b>1</b>", "action": "allow"},
    )
    assert with_error.status_code == 200
    assert "<img" not in with_error.text and "<b>1" not in with_error.text


def test_consent_redirects_only_to_the_uris_checked(
    server_url: str, lp: Partner, card_number: str
) -> None:
    allowed = httpx.post(
        f"{server_url}{CONSENT}",
        data=consent_params(lp) | {"card_number": card_number, "action": "allow"},
    )
    assert allowed.status_code == 303
    assert allowed.headers["location"].startswith(CALLBACK + "?code=")
    assert parse_qs(urlsplit(allowed.headers["location"]).query)["state"] == ["STATE-1"]


# --- nothing is a 500 -----------------------------------------------------------------------


def test_odd_input_is_never_a_server_error(server_url: str, lp: Partner) -> None:
    client_id = lp.creds.client_code
    odd_values = [
        "%00",
        "%FF%FE",
        "%E2%80%AE",
        "x" * 3000,
        "%0d%0aSet-Cookie:%20a=b",
        "%25",
        "&&&",
        "==",
    ]
    with httpx.Client(base_url=server_url) as http:
        responses = []
        for value in odd_values:
            for name in ("state", "scope", "redirect_uri", "login_uri", "client_id"):
                raw = f"state=s&scope=name&redirect_uri=x&login_uri=y&{name}={value}"
                responses.append(authorize(server_url, lp, raw))
                responses.append(http.get(f"{CONSENT}?client_id={client_id}&client_name=n&{raw}"))
                responses.append(
                    http.get(f"{SSO_AUTHORIZE_PATH}?{raw}", headers={"X-Client-Id": value})
                )
        for body in (
            b'{"code":"\\u0000"}',
            b'{"token":"\\u0000"}',
            b'{"code":"\\ud800"}',
            b"\x00",
            b"1e999999",
        ):
            for path in (TOKEN, REFRESH):
                responses.append(http.post(path, content=body, headers={"X-Client-Id": client_id}))
        for auth in ("Bearer \x7f", "Bearer Bearer x", "bearer   x", "Basic eDp5"):
            responses.append(
                http.get(PROFILE, headers={"X-Client-Id": client_id, "Authorization": auth})
            )
        responses.append(http.request("PUT", TOKEN, headers={"X-Client-Id": client_id}))
        responses.append(http.request("DELETE", CONSENT))
    statuses = {r.status_code for r in responses}
    assert statuses <= {200, 400, 405}, [r.text for r in responses if r.status_code >= 500][:3]
    assert all(r.status_code < 500 for r in responses)
