"""The training provider simulator when the sandbox is busy, through the sandbox's own
client-mode certification session: redeem-code/status answers 503 with Retry-After. The careful
provider waits Retry-After between its few tries and then tells the participant when to come
back; its ignores-retry-after mutant comes back too soon."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from contract.endpoints import CLOSE_SESSION, OPEN_SESSION, REDEEM_STATUS, START_SCENARIO
from simulators.framework.registry import SimConfig
from simulators.provider.launch import running_providers
from tests.factories import Partner, Partners, success_data
from tests.simulators.partner_helpers import journal, last_seq, post

NAMES = ("careful", "ignores-retry-after")


@pytest.fixture(scope="module")
def providers(partners: Partners, server_url: str) -> Iterator[dict[str, tuple[str, Partner]]]:
    """A careful provider and its ignores-retry-after mutant, each its own LP."""
    lps = {name: partners.lp(redirect_uris=()) for name in NAMES}
    configs = [
        SimConfig(
            instance=name,
            sandbox_url=server_url,
            client_code=lp.creds.client_code,
            sign_key=lp.creds.sign_key,
            mutant=None if name == "careful" else name,
        )
        for name, lp in lps.items()
    ]
    with running_providers(configs) as urls:
        yield {name: (urls[name], lps[name]) for name in NAMES}


@pytest.mark.parametrize(("name", "patient"), [("careful", True), ("ignores-retry-after", False)])
def test_a_busy_status_is_asked_again_only_after_retry_after(
    providers: dict[str, tuple[str, Partner]], name: str, patient: bool
) -> None:
    url, lp = providers[name]
    opened = success_data(lp.post(OPEN_SESSION.path, {"scenarios": ["busy"]}))
    session, fixtures = opened["session_id"], opened["scenarios"][0]["fixtures"]
    success_data(lp.post(START_SCENARIO.path, {"session_id": session, "scenario": "busy"}))
    since = last_seq(url)
    try:
        body = {"redeem_code": fixtures["redeem_code"], "email": fixtures["email"]}
        answer = post(url, "/enrolments", body)
    finally:
        lp.post(CLOSE_SESSION.path, {"session_id": session})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.json()["code"] == "busy"
    asked = [
        datetime.fromisoformat(e["at"])
        for e in journal(url, since=since)
        if urlsplit(e["target"]).path == REDEEM_STATUS.path and e["status"] == 503
    ]
    assert len(asked) == 3  # a few tries, no storm
    gaps = [(b - a).total_seconds() for a, b in zip(asked, asked[1:], strict=False)]
    assert all(gap >= 0.99 for gap in gaps) is patient, gaps  # Retry-After: 1
