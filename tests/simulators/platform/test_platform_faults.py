"""The digital platform simulator when the sandbox misbehaves, through the sandbox's own
client-mode certification sessions: send-otp busy (503 with Retry-After), authorize's answer
lost after the payment went through (504). The careful platform waits and asks status; its
mutants do not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from contract.endpoints import (
    AUTHORIZE,
    CLOSE_SESSION,
    OPEN_SESSION,
    PAYMENT_STATUS,
    SEND_OTP,
    START_SCENARIO,
)
from simulators.framework.registry import SimConfig
from simulators.platform.launch import running_platforms
from tests.factories import Partner, Partners, latest_otp, success_data
from tests.simulators.partner_helpers import data, journal, last_seq, post

NAMES = ("careful", "ignores-retry-after", "skips-status-after-timeout")


@pytest.fixture(scope="module")
def platforms(partners: Partners, server_url: str) -> Iterator[dict[str, tuple[str, Partner]]]:
    """A careful platform and the two mutants these faults expose, each its own DP."""
    dps = {name: partners.dp() for name in NAMES}
    configs = [
        SimConfig(
            instance=name,
            sandbox_url=server_url,
            client_code=dp.creds.client_code,
            sign_key=dp.creds.sign_key,
            mutant=None if name == "careful" else name,
        )
        for name, dp in dps.items()
    ]
    with running_platforms(configs) as urls:
        yield {name: (urls[name], dps[name]) for name in NAMES}


def _scenario(dp: Partner, name: str) -> tuple[str, dict[str, Any]]:
    """Open a session for one scenario and start it: (session id, the scenario's fixtures)."""
    opened = success_data(dp.post(OPEN_SESSION.path, {"scenarios": [name]}))
    session = opened["session_id"]
    success_data(dp.post(START_SCENARIO.path, {"session_id": session, "scenario": name}))
    return session, dict(opened["scenarios"][0]["fixtures"])


def _checkout(url: str, fixtures: dict[str, Any]) -> dict[str, Any]:
    body = {key: fixtures[key] for key in ("prakerja_id", "course_code", "schedule_code")}
    return dict(data(post(url, "/checkouts", body), 201))


def _made(url: str, since: int, *paths: str) -> list[tuple[str, int | None, datetime]]:
    return [
        (urlsplit(e["target"]).path, e["status"], datetime.fromisoformat(e["at"]))
        for e in journal(url, since=since)
        if urlsplit(e["target"]).path in paths
    ]


@pytest.mark.parametrize(("name", "patient"), [("careful", True), ("ignores-retry-after", False)])
def test_a_busy_send_otp_is_retried_after_retry_after_and_not_for_ever(
    platforms: dict[str, tuple[str, Partner]], name: str, patient: bool
) -> None:
    url, dp = platforms[name]
    session, fixtures = _scenario(dp, "busy")
    since = last_seq(url)
    try:
        checkout = _checkout(url, fixtures)
    finally:
        dp.post(CLOSE_SESSION.path, {"session_id": session})
    # busy for longer than a careful platform keeps trying: the buyer is told when to come back
    assert (checkout["failure"]["reason"], checkout["failure"]["retry_after"]) == ("busy", 1)
    sent = _made(url, since, SEND_OTP.path)
    assert [status for _, status, _ in sent] == [503, 503, 503]
    gaps = [
        (later - earlier).total_seconds()
        for (_, _, earlier), (_, _, later) in zip(sent, sent[1:], strict=False)
    ]
    assert all(gap >= 0.99 for gap in gaps) is patient, gaps  # Retry-After: 1


@pytest.mark.parametrize(
    ("name", "first_after"),
    [("careful", PAYMENT_STATUS.path), ("skips-status-after-timeout", AUTHORIZE.path)],
)
def test_a_lost_authorize_answer_is_followed_by_payment_status(
    platforms: dict[str, tuple[str, Partner]], server_url: str, name: str, first_after: str
) -> None:
    url, dp = platforms[name]
    session, fixtures = _scenario(dp, "lost-answer")
    try:
        checkout = _checkout(url, fixtures)
        since = last_seq(url)
        otp = {"otp": latest_otp(server_url, str(fixtures["prakerja_id"]))}
        paid = data(post(url, f"/checkouts/{checkout['checkout_id']}/otp", otp))
    finally:
        dp.post(CLOSE_SESSION.path, {"session_id": session})
    made = _made(url, since, AUTHORIZE.path, PAYMENT_STATUS.path)
    assert made[0][:2] == (AUTHORIZE.path, 504)  # processed, the answer lost
    assert made[1][0] == first_after
    assert paid["status"] == "paid" and paid["invoice"]["redeem_code"]  # bought once, either way
