"""Schemathesis over a payment-partner simulator: it answers every operation as the published
payment-partner document says (``openapi/payment-partner.openapi.json``), for valid and invalid
bodies alike, signed as Prakerja signs them. Generation is seeded, so a failure reproduces.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NotSet
from schemathesis.generation.case import Case as GenericCase

from contract.client import compact, signed_headers
from simulators.framework.registry import SimConfig
from simulators.framework.serving import running
from simulators.payment import kinds
from simulators.payment.launch import Credentials
from simulators.payment.partners import BY_INSTANCE, ZERO_LATENCY, changed

Case = GenericCase[Any]
DOCUMENT = json.loads(
    (Path(__file__).parent.parent.parent / "openapi" / "payment-partner.openapi.json").read_text()
)
KEYS = Credentials("pp-fuzzed", "sign-key-of-the-fuzzed", "webhook-key-of-the-fuzzed")
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {
            "seed": 20_241_201,
            "request-timeout": 5,
            "generation": {"mode": "all", "max-examples": 10},
            "phases": {"coverage": {"enabled": True}, "stateful": {"enabled": False}},
        }
    ),
)
_used: set[tuple[str, str, int]] = set()


@pytest.fixture(scope="module", params=["ewallet"])
def partner_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A bank and an e-wallet on their fixture accounts, answering at once."""
    instance = "bca" if request.param == "bank" else "ovo"
    config = SimConfig(
        instance=instance,
        client_code=KEYS.client_code,
        sign_key=KEYS.sign_key,
        webhook_key=KEYS.webhook_key,
        options={"spec": changed(BY_INSTANCE[instance], ZERO_LATENCY)},
    )
    with running([(instance, kinds.KINDS[request.param].factory(config))]) as urls:
        yield urls[instance]


def _stamp(path: str, text: str) -> int:
    """Now, or the latest earlier second this exact call was not signed with (replays refused)."""
    now = int(time.time())
    for back in range(240):
        if (path, text, now - back) not in _used:
            _used.add((path, text, now - back))
            return now - back
    raise AssertionError("too many identical calls")


@schema.parametrize()
def test_the_simulators_answer_as_the_payment_partner_document_says(
    case: Case, partner_url: str
) -> None:
    if isinstance(case.body, NotSet):
        content = b""
    elif isinstance(case.body, bytes):
        content = case.body
    else:
        content = compact(case.body).encode()
    text = content.decode("utf-8", errors="replace")
    headers = signed_headers(
        KEYS.client_code, KEYS.webhook_key, case.path, text, timestamp=_stamp(case.path, text)
    )
    response = case.call(base_url=partner_url, headers=headers, data=content)
    case.validate_response(response, checks=CHECKS, headers=headers)
