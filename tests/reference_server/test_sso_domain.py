"""The SSO rules on their own: scopes, profile filtering, tokens in headers, URLs, the signature."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contract.signature import sign
from reference_server.domain import sso as rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name email prakerjaid notelp", ("name", "email", "prakerjaid", "notelp")),
        ("notelp", ("notelp",)),
        ("  email\tname  ", ("email", "name")),
        ("name name email", ("name", "email")),
    ],
)
def test_parse_scope_accepts_known_scopes(text: str, expected: tuple[str, ...]) -> None:
    assert rules.parse_scope(text) == expected


@pytest.mark.parametrize(
    "text", [None, "", "   ", "name phone", "Name", "name,email", "name " * 50]
)
def test_parse_scope_refuses_the_rest(text: str | None) -> None:
    assert rules.parse_scope(text) is None


def test_filter_profile_blanks_what_the_scope_does_not_cover() -> None:
    profile = {
        "dp_user_id": "d",
        "email": "e",
        "name": "n",
        "no_prakerja": "p",
        "phone_number": "t",
        "user_id": "u",
    }
    assert rules.filter_profile(profile, ("email", "prakerjaid")) == {
        "dp_user_id": "d",
        "email": "e",
        "name": "",
        "no_prakerja": "p",
        "phone_number": "",
        "user_id": "u",
    }
    assert rules.filter_profile(profile, ()) == profile | {
        "email": "",
        "name": "",
        "no_prakerja": "",
        "phone_number": "",
    }


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("abc", "abc"),
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("BEARER abc", "abc"),
        ("Bearer", "Bearer"),
        ("", ""),
        (None, ""),
        ("Basic abc", "Basic abc"),
    ],
)
def test_strip_bearer(header: str | None, token: str) -> None:
    assert rules.strip_bearer(header) == token


def test_secrets_are_random_and_stored_as_digests() -> None:
    first, second = rules.new_secret(), rules.new_secret()
    assert first != second and len(first) >= 43
    assert rules.digest(first) != first and len(rules.digest(first)) == 64


def test_code_lives_five_minutes_and_expiry_is_unix_seconds() -> None:
    now = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert (rules.code_expiry(now) - now).total_seconds() == 300
    assert rules.unix_seconds(now) == "1704164645"


def test_encode_query_is_encode_uri_component() -> None:
    assert rules.encode_query([("scope", "name email"), ("u", "https://a.b/c?d=e&f")]) == (
        "scope=name%20email&u=https%3A%2F%2Fa.b%2Fc%3Fd%3De%26f"
    )


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://lp.example/cb", "https://lp.example/cb?code=c%2Fd&state=s%20t"),
        (
            "https://lp.example/cb?x=1&y=a+b",
            "https://lp.example/cb?x=1&y=a+b&code=c%2Fd&state=s%20t",
        ),
        ("https://lp.example/cb#frag", "https://lp.example/cb?code=c%2Fd&state=s%20t#frag"),
    ],
)
def test_with_query_keeps_the_existing_query(uri: str, expected: str) -> None:
    assert rules.with_query(uri, [("code", "c/d"), ("state", "s t")]) == expected


def test_signature_over_bare_path_or_path_with_query() -> None:
    path, query = "/api/v1/oauth/authorize", "state=s&scope=name"
    bare = sign("key", "lp-1", "1700000000", "GET", path, "")
    full = sign("key", "lp-1", "1700000000", "GET", f"{path}?{query}", "")
    assert rules.signature_matches("key", "lp-1", "1700000000", path, query, bare)
    assert rules.signature_matches("key", "lp-1", "1700000000", path, query, full.upper())
    assert not rules.signature_matches("key", "lp-1", "1700000001", path, query, full)
    assert not rules.signature_matches("other", "lp-1", "1700000000", path, query, full)
    assert not rules.signature_matches(
        "key", "lp-1", "1700000000", path, "state=x&scope=name", full
    )
    assert not rules.signature_matches("key", "lp-1", "1700000000", path, query, "")
