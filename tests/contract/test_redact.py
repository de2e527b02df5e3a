"""What journals and reports show: no secret, no whole NIK."""

from __future__ import annotations

import json

from contract import redact

NIK = "3171015001900001"


def test_secret_headers_are_hidden_others_kept() -> None:
    shown = redact.headers(
        {"Signature": "abc", "Authorization": "Payment t", "client_code": "dp-1"}
    )
    assert shown == {"Signature": "***", "Authorization": "***", "client_code": "dp-1"}


def test_json_bodies_hide_secret_keys_and_mask_niks_anywhere() -> None:
    text = json.dumps(
        {"nik": NIK, "otp": "123456", "items": [{"note": f"for {NIK}", "sign_key": "k"}], "n": 5}
    )
    shown = json.loads(redact.body(text))
    assert shown == {
        "nik": "317101******0001",
        "otp": "***",
        "items": [{"note": "for 317101******0001", "sign_key": "***"}],
        "n": 5,
    }


def test_text_bodies_are_masked_and_long_ones_cut() -> None:
    assert redact.body(f"nik={NIK}&x=1") == "nik=317101******0001&x=1"
    assert redact.body("x" * 50, limit=10).startswith("x" * 10 + "… (40 more)")
    assert redact.mask_nik("12345678901234567") == "12345678901234567"  # 17 digits: not a NIK
