"""The signature: official vectors, and exactly the two accepted body forms."""

from __future__ import annotations

import pytest

from contract.signature import AUTHORIZE_PATH, sign, verify

COMMIT = "/api/v1/integration/payment/redeem-code/commit"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"redeem_code":"code"}', "943c20a8e36b6243f576404b00fffdc86411ce1f"),
        ('{"code":"code"}', "d46b59b221335976b46eafb752035a1172a8beb2"),
    ],
)
def test_official_vectors(body: str, expected: str) -> None:
    assert sign("my_sign_key", "myclient_code", "1516239022", "POST", COMMIT, body) == expected


def _verify(body: bytes, signature: str, **kw: str) -> bool:
    return verify(
        "my_sign_key",
        "myclient_code",
        "1516239022",
        "POST",
        kw.get("path", COMMIT),
        body,
        signature,
        kw.get("authorization"),
    )


def test_accepts_the_compact_signature_of_a_spaced_body() -> None:
    signature = "943c20a8e36b6243f576404b00fffdc86411ce1f"
    assert _verify(b'{"redeem_code":"code"}', signature)
    assert _verify(b'{"redeem_code": "code"}', signature)
    assert _verify(b'{\n  "redeem_code" : "code"\n}', signature)


def test_accepts_a_signature_over_the_raw_spaced_bytes() -> None:
    raw = b'{"redeem_code": "code"}'
    assert _verify(
        raw, sign("my_sign_key", "myclient_code", "1516239022", "POST", COMMIT, raw.decode())
    )


def test_rejects_other_serialisations_and_tampering() -> None:
    # Sorted keys are neither the raw bytes nor the compact form in received order.
    raw = b'{"b":1,"a":2}'
    sorted_sig = sign("my_sign_key", "myclient_code", "1516239022", "POST", COMMIT, '{"a":2,"b":1}')
    assert not _verify(raw, sorted_sig)
    assert not _verify(b'{"redeem_code":"code2"}', "943c20a8e36b6243f576404b00fffdc86411ce1f")
    assert not _verify(b'{"redeem_code":"code"}', "943c20a8e36b6243f576404b00fffdc86411ce1e")
    # ASCII-escaped non-ASCII is not the received text either.
    body = '{"name":"Budi Śantoso"}'
    escaped = sign(
        "my_sign_key",
        "myclient_code",
        "1516239022",
        "POST",
        COMMIT,
        '{"name":"Budi \\u015aantoso"}',
    )
    assert not _verify(body.encode(), escaped)
    assert _verify(
        body.encode(), sign("my_sign_key", "myclient_code", "1516239022", "POST", COMMIT, body)
    )


def test_uppercase_hex_is_accepted_and_path_and_method_are_bound() -> None:
    assert _verify(b'{"redeem_code":"code"}', "943C20A8E36B6243F576404B00FFFDC86411CE1F")
    assert not _verify(
        b'{"redeem_code":"code"}', "943c20a8e36b6243f576404b00fffdc86411ce1f", path=COMMIT + "x"
    )


def test_authorize_accepts_the_authorization_value_in_the_raw_string_or_not() -> None:
    body = '{"otp":"123456"}'
    auth = "Payment tok"
    without = sign("k", "c", "1", "POST", AUTHORIZE_PATH, body)
    with_auth = sign("k", "c", "1", "POST", AUTHORIZE_PATH, body, auth)
    for signature in (without, with_auth):
        assert verify("k", "c", "1", "POST", AUTHORIZE_PATH, body.encode(), signature, auth)
    # Only on authorize: elsewhere the header is not part of the raw string.
    assert not verify(
        "k",
        "c",
        "1",
        "POST",
        COMMIT,
        body.encode(),
        sign("k", "c", "1", "POST", COMMIT, body, auth),
        auth,
    )
