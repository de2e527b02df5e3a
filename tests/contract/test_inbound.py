"""Verifying a signed call on the receiving side: headers, window, client, signature, replay."""

from __future__ import annotations

import pytest

from contract import inbound
from contract.client import signed_headers
from contract.inbound import InboundRefused, InboundVerifier

KEYS = {"pp-ovo": "kunci-rahasia"}
PATH = "/api/v1/pp/disbursements"
BODY = b'{"disbursement_id":"D-1","amount":600000}'
NOW = 1_750_000_000


def verifier() -> InboundVerifier:
    return InboundVerifier(KEYS.get, clock=lambda: NOW)


def headers(**overrides: str) -> dict[str, str]:
    made = signed_headers("pp-ovo", KEYS["pp-ovo"], PATH, BODY.decode(), timestamp=NOW)
    return {**made, **overrides}


def test_a_well_signed_call_is_accepted_once() -> None:
    check = verifier()
    assert check.check("POST", PATH, headers(), BODY).client_code == "pp-ovo"
    with pytest.raises(InboundRefused) as refused:
        check.check("POST", PATH, headers(), BODY)
    assert refused.value.reason == inbound.REPLAYED


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"signature": ""}, inbound.MISSING_HEADERS),
        ({"timestamp": "soon"}, inbound.BAD_TIMESTAMP),
        ({"timestamp": str(NOW - 301)}, inbound.BAD_TIMESTAMP),
        ({"client_code": "pp-unknown"}, inbound.UNKNOWN_CLIENT),
        ({"signature": "0" * 40}, inbound.BAD_SIGNATURE),
    ],
)
def test_each_fault_is_refused_for_its_reason(changes: dict[str, str], reason: str) -> None:
    with pytest.raises(InboundRefused) as refused:
        verifier().check("POST", PATH, headers(**changes), BODY)
    assert refused.value.reason == reason


def test_a_refused_call_consumes_nothing_and_a_changed_body_fails() -> None:
    check = verifier()
    with pytest.raises(InboundRefused):
        check.check("POST", PATH, headers(), BODY.replace(b"600000", b"6000000"))
    assert check.check("POST", PATH, headers(), BODY).client_code == "pp-ovo"
