"""Rate limits over HTTP: per phone, per account, per OTP attempts, per address; 429 with
Retry-After, counted in the database so they hold across processes."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from contract.registration import Channel
from reference_server.launch import running_server
from tests.reference_server.applicants import PASSWORD, REG, new_contacts, sign_up

WINDOW = 3600
ROOT = Path(__file__).resolve().parents[2]
LIMITS = {
    "PRAKERJA_RATE_WINDOW_SECONDS": str(WINDOW),
    "PRAKERJA_RATE_PER_PHONE": "3",
    "PRAKERJA_RATE_PER_ACCOUNT": "6",
    "PRAKERJA_OTP_ATTEMPTS_PER_WINDOW": "4",
    "PRAKERJA_RATE_PER_ADDRESS": "12",
    "PRAKERJA_OTP_MAX_ATTEMPTS": "100",
    "PRAKERJA_SEED_FIXTURES": "false",
}


@pytest.fixture(scope="module")
def limited_url(tmp_path_factory: pytest.TempPathFactory, database_kind: str) -> Iterator[str]:
    """A server with small limits and a database of its own, started clear of a window edge."""
    if time.time() % WINDOW > WINDOW - 30:
        time.sleep(WINDOW - time.time() % WINDOW + 0.5)
    if database_kind == "postgres":
        from tests.conftest import _postgres_schema

        with _postgres_schema() as url:
            yield from _serve(url, tmp_path_factory)
    else:
        db = tmp_path_factory.mktemp("limits") / "limits.db"
        yield from _serve(f"sqlite:///{db}", tmp_path_factory)


def _serve(database_url: str, factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        **os.environ,
        **LIMITS,
        "PRAKERJA_DATABASE_URL": database_url,
        "PRAKERJA_SECRET_KEY": Fernet.generate_key().decode(),
    }
    with running_server(env, factory.mktemp("limits-log") / "server.log", cwd=ROOT) as url:
        yield url


@pytest.fixture
def http(limited_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=limited_url, timeout=30) as client:
        yield client


def assert_limited(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.json()["code"] == "ERRREG42901"
    retry_after = int(answer.headers["Retry-After"])
    assert 1 <= retry_after <= WINDOW


def test_otp_sends_per_phone(http: httpx.Client) -> None:
    applicant = sign_up(http)  # 1
    for _ in range(2):  # 2, 3
        assert applicant.post("/otp/send", {"channel": "email"}).status_code == 200
    assert_limited(applicant.post("/otp/send", {"channel": "phone"}))
    # the phone's limit also holds a sign-up on that phone
    email, _ = new_contacts()
    again = http.post(
        f"{REG}/accounts", json={"email": email, "phone": applicant.phone, "password": PASSWORD}
    )
    assert_limited(again)


def test_requests_per_account(http: httpx.Client) -> None:
    applicant = sign_up(http)
    for _ in range(6):
        assert applicant.get("/status").status_code == 200
    assert_limited(applicant.get("/status"))
    assert_limited(applicant.get("/dashboard"))


def test_otp_attempts_per_account(http: httpx.Client) -> None:
    applicant = sign_up(http)
    right = applicant.otp(Channel.EMAIL)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        answer = applicant.post("/otp/verify", {"channel": "email", "otp": wrong})
        assert answer.json()["code"] == "ERRREG40002"
    # Even the right OTP waits for the window now: guessing cannot outrun the limit.
    assert_limited(applicant.post("/otp/verify", {"channel": "email", "otp": right}))


def test_otp_attempts_count_when_nothing_is_pending(http: httpx.Client) -> None:
    """A verify with no live OTP (used already) is refused as expired and still counted."""
    applicant = sign_up(http)
    assert applicant.verify(Channel.EMAIL).status_code == 200  # 1: the OTP is used now
    for _ in range(3):  # 2, 3, 4
        answer = applicant.post("/otp/verify", {"channel": "email", "otp": "123456"})
        assert answer.json()["code"] == "ERRREG40003", answer.text
    assert_limited(applicant.post("/otp/verify", {"channel": "email", "otp": "123456"}))


def test_zz_sign_ups_and_logins_per_address(http: httpx.Client) -> None:
    """Runs last in this module: it spends the address's whole budget."""
    statuses: list[int] = []
    for _ in range(14):
        email, phone = new_contacts()
        answer = http.post(
            f"{REG}/accounts", json={"email": email, "phone": phone, "password": PASSWORD}
        )
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert_limited(answer)
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}
    login = http.post(f"{REG}/login", json={"email": "x@example.test", "password": PASSWORD})
    assert_limited(login)
