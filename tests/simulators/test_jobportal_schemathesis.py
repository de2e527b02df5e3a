"""Schemathesis over a job portal simulator: its feed answers as the published job-portal
document says (``openapi/job-portal.openapi.json``), for valid and invalid bodies alike, signed as
Prakerja signs them; never a 5xx. Generation is seeded, so a failure reproduces."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
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
from simulators.framework.behaviour import Profile
from simulators.framework.serving import running
from simulators.jobportal.kinds import JOB_PORTAL
from simulators.jobportal.launch import portal_config

Case = GenericCase[Any]
DOCUMENT = json.loads(
    (Path(__file__).parent.parent.parent / "openapi" / "job-portal.openapi.json").read_text()
)
CLIENT, KEY = "jp-fuzzed", "webhook-key-of-the-fuzzed"
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
            "generation": {"mode": "all", "max-examples": 40},
            "phases": {"coverage": {"enabled": True}, "stateful": {"enabled": False}},
        }
    ),
)
_used: set[tuple[str, str, int]] = set()


@pytest.fixture(scope="module")
def portal_url() -> Iterator[str]:
    """LokerKita with vacancies to page through, answering at once."""
    config = portal_config("lokerkita", client_code=CLIENT, webhook_key=KEY, profile=Profile())
    with running([("lokerkita", JOB_PORTAL.factory(config))]) as urls:
        httpx.post(urls["lokerkita"] + "/_sim/publish", json={"new": 60}).raise_for_status()
        yield urls["lokerkita"]


def _stamp(path: str, text: str) -> int:
    """Now, or the latest earlier second this exact call was not signed with (replays refused)."""
    now = int(time.time())
    for back in range(240):
        if (path, text, now - back) not in _used:
            _used.add((path, text, now - back))
            return now - back
    raise AssertionError("too many identical calls")


@schema.parametrize()
def test_the_feed_answers_as_the_job_portal_document_says(case: Case, portal_url: str) -> None:
    if isinstance(case.body, NotSet):
        content = b""
    elif isinstance(case.body, bytes):
        content = case.body
    else:
        content = compact(case.body).encode()
    text = content.decode("utf-8", errors="replace")
    headers = signed_headers(CLIENT, KEY, case.path, text, timestamp=_stamp(case.path, text))
    response = case.call(base_url=portal_url, headers=headers, data=content)
    case.validate_response(response, checks=CHECKS, headers=headers)
