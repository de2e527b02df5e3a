"""Registration over HTTP: accounts, login, contact OTPs, identity and selfie, status, join."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from contract.registration import Channel
from reference_server.runtime import Runtime
from reference_server.storage.tables import (
    Account,
    AccountSession,
    ContactOtp,
    OutboxJob,
    RateHit,
)
from reference_server.storage.tables import (
    Applicant as ApplicantRow,
)
from tests.reference_server.applicants import (
    PASSWORD,
    REG,
    Applicant,
    identity,
    new_contacts,
    sign_up,
    submitted,
    verified,
)


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


def error_of(answer: httpx.Response) -> tuple[int, str]:
    body = answer.json()
    assert body["success"] is False
    return answer.status_code, body["code"]


def account_row(runtime: Runtime, account_id: str) -> Account:
    with runtime.sessions() as session:
        return session.execute(select(Account).where(Account.account_id == account_id)).scalar_one()


def test_create_account_sends_both_otps_and_stores_secrets_hashed(
    http: httpx.Client, runtime: Runtime
) -> None:
    applicant = sign_up(http)
    data = applicant.data
    assert data["token_type"] == "Bearer"
    assert data["email_verified"] is False and data["phone_verified"] is False
    assert data["expires_at"].endswith("Z")
    email_otp, sms_otp = applicant.otp(Channel.EMAIL), applicant.otp(Channel.PHONE)
    assert len(email_otp) == 6 and email_otp.isdigit() and len(sms_otp) == 6
    row = account_row(runtime, applicant.account_id)
    assert PASSWORD not in row.password_hash and row.password_hash.startswith("scrypt$")
    with runtime.sessions() as session:
        tokens = session.scalars(
            select(AccountSession.token_hash).where(AccountSession.account_id == row.id)
        ).all()
        otps = session.scalars(select(ContactOtp.otp_hash).where(ContactOtp.account_id == row.id))
        assert list(tokens) == [hashlib.sha256(applicant.token.encode()).hexdigest()]
        assert {email_otp, sms_otp}.isdisjoint(set(otps))
        buckets = session.scalars(select(RateHit.bucket)).all()
        assert not any(applicant.phone in key for key in buckets)
    assert applicant.status()["stage"] == "REGISTERED"


def test_phone_is_normalised(http: httpx.Client, runtime: Runtime) -> None:
    email, phone = new_contacts()
    international = "+62" + phone[1:]
    answer = http.post(
        f"{REG}/accounts", json={"email": email, "phone": international, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    assert account_row(runtime, answer.json()["data"]["account_id"]).phone == phone


def test_duplicate_email_or_phone_is_refused(http: httpx.Client, runtime: Runtime) -> None:
    first = sign_up(http)
    _, other_phone = new_contacts()
    other_email, _ = new_contacts()
    for email, phone in [
        (first.email.upper(), other_phone),  # e-mail, other case
        (other_email, "62" + first.phone[1:]),  # phone, other spelling
    ]:
        answer = http.post(
            f"{REG}/accounts", json={"email": email, "phone": phone, "password": PASSWORD}
        )
        assert error_of(answer) == (409, "ERRREG40901")
    with runtime.sessions() as session:
        assert session.scalar(select(Account.id).where(Account.email == other_email)) is None


def test_racing_sign_ups_on_one_email_make_one_account(server_url: str, runtime: Runtime) -> None:
    email, _ = new_contacts()
    results: list[int] = []

    def attempt() -> None:
        _, phone = new_contacts()
        with httpx.Client(base_url=server_url, timeout=30) as client:
            answer = client.post(
                f"{REG}/accounts", json={"email": email, "phone": phone, "password": PASSWORD}
            )
            results.append(answer.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [200] + [409] * 5
    with runtime.sessions() as session:
        accounts = session.scalars(select(Account).where(Account.email == email)).all()
        assert len(accounts) == 1
        applicants = session.scalars(
            select(ApplicantRow).where(ApplicantRow.account_id == accounts[0].id)
        ).all()
        assert len(applicants) == 1


def test_login(http: httpx.Client) -> None:
    applicant = sign_up(http)
    good = http.post(f"{REG}/login", json={"email": applicant.email, "password": PASSWORD})
    assert good.status_code == 200
    token = good.json()["data"]["access_token"]
    assert token != applicant.token
    status = http.get(f"{REG}/status", headers={"Authorization": f"Bearer {token}"})
    assert status.status_code == 200
    wrong = http.post(f"{REG}/login", json={"email": applicant.email, "password": "salah-sekali"})
    assert error_of(wrong) == (401, "ERRREG40101")
    unknown = http.post(f"{REG}/login", json={"email": "nobody@example.test", "password": PASSWORD})
    assert error_of(unknown) == (401, "ERRREG40101")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer short", "Basic abcdefghijklmnopqrstuvwxyz", "Bearer " + "x" * 43],
)
def test_bearer_is_required(http: httpx.Client, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    for method, path in [("GET", "/status"), ("GET", "/dashboard"), ("POST", "/wave/join")]:
        answer = http.request(method, f"{REG}{path}", headers=headers)
        assert error_of(answer) == (401, "ERRREG40102")


def test_otp_verifies_once_and_moves_the_stage(http: httpx.Client) -> None:
    applicant = sign_up(http)
    email_otp = applicant.otp(Channel.EMAIL)
    answer = applicant.post("/otp/verify", {"channel": "email", "otp": email_otp})
    assert answer.json()["data"] == {"email_verified": True, "phone_verified": False}
    again = applicant.post("/otp/verify", {"channel": "email", "otp": email_otp})
    assert error_of(again) == (400, "ERRREG40003")  # single use
    assert applicant.status()["stage"] == "REGISTERED"
    assert applicant.verify(Channel.PHONE).json()["data"] == {
        "email_verified": True,
        "phone_verified": True,
    }
    assert applicant.status()["stage"] == "CONTACT_VERIFIED"


def test_wrong_otps_lock_it_and_a_new_send_replaces_it(http: httpx.Client) -> None:
    applicant = sign_up(http)
    right = applicant.otp(Channel.PHONE)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        answer = applicant.post("/otp/verify", {"channel": "phone", "otp": wrong})
        assert error_of(answer) == (400, "ERRREG40002")
    locked = applicant.post("/otp/verify", {"channel": "phone", "otp": right})
    assert error_of(locked) == (400, "ERRREG40003")
    sent = applicant.post("/otp/send", {"channel": "phone"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["data"]["destination"].startswith(applicant.phone[:4])
    assert "*" in sent.json()["data"]["destination"]
    fresh = applicant.otp(Channel.PHONE)
    if fresh != right:
        stale = applicant.post("/otp/verify", {"channel": "phone", "otp": right})
        assert error_of(stale) == (400, "ERRREG40002")
    assert applicant.post("/otp/verify", {"channel": "phone", "otp": fresh}).status_code == 200


def test_identity_needs_verified_contacts(http: httpx.Client) -> None:
    applicant = sign_up(http)
    assert error_of(applicant.post("/identity", identity())) == (403, "ERRREG40301")
    selfie = applicant.post("/selfie", {"liveness_token": "selfie-12345678"})
    assert error_of(selfie) == (403, "ERRREG40301")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"nik": "3171013208950001"}, "ERRREG40004"),  # day 32
        ({"nik": "3171015508950001"}, "ERRREG40004"),  # a woman's NIK, declared M
        ({"nik": "3171011608950001"}, "ERRREG40004"),  # another birth day
        ({"nik": "9999991508950001"}, "ERRREG40004"),  # no such region
        ({"nik": "3171011508950000"}, "ERRREG40004"),  # serial 0000
        ({"kk": "9999990101230004"}, "ERRREG40006"),
        ({"region_code": "99.99.99"}, "ERRREG40005"),
        ({"nik": "31710115089500"}, "ERRGEN40001"),  # 14 digits: not the schema
        ({"birth_date": "1995-02-30"}, "ERRGEN40001"),  # impossible date
        ({"birth_date": "2999-08-15", "nik": "3171011508990001"}, "ERRGEN40001"),  # future
        ({"name": "x" * 101}, "ERRGEN40001"),
        ({"is_official": "maybe"}, "ERRGEN40001"),
        ({"sex": "X"}, "ERRGEN40001"),
        ({"education": "PHD"}, "ERRGEN40001"),
        ({"nickname": "Budi"}, "ERRGEN40001"),  # unknown field
        ({"name": "Budi\u0000"}, "ERRGEN40001"),
    ],
)
def test_identity_input_is_checked(
    http: httpx.Client, changes: dict[str, object], code: str, verified_applicant: Applicant
) -> None:
    answer = verified_applicant.post("/identity", identity(**changes))
    assert answer.status_code == 400 and error_of(answer)[1] == code, answer.text
    assert verified_applicant.status()["identity_submitted"] is False


@pytest.fixture(scope="module")
def verified_applicant(server_url: str) -> Iterator[Applicant]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield verified(client)


def test_identity_and_selfie_once_then_verification_starts(
    http: httpx.Client, runtime: Runtime
) -> None:
    applicant = verified(http)
    first = applicant.post("/identity", identity())
    assert first.status_code == 200, first.text
    assert first.json()["data"]["stage"] == "IDENTITY_SUBMITTED"
    assert first.json()["data"]["identity_submitted"] is True
    assert error_of(applicant.post("/identity", identity())) == (409, "ERRREG40902")
    selfie = applicant.post("/selfie", {"liveness_token": "selfie-abcdef12"})
    assert selfie.status_code == 200, selfie.text
    assert selfie.json()["data"]["stage"] == "VERIFYING"
    again = applicant.post("/selfie", {"liveness_token": "selfie-abcdef12"})
    assert error_of(again) == (409, "ERRREG40904")
    account = account_row(runtime, applicant.account_id)
    with runtime.sessions() as session:
        row = session.execute(
            select(ApplicantRow).where(ApplicantRow.account_id == account.id)
        ).scalar_one()
        jobs = session.scalars(select(OutboxJob).where(OutboxJob.ref == str(row.id))).all()
        assert [(j.kind, j.status) for j in jobs] in (
            [("verify", "pending")],
            [("verify", "running")],
        )
    # The shared server has no sources configured: the applicant waits, VERIFYING, not lost.
    status = applicant.status()
    assert status["stage"] == "VERIFYING" and status["reason"] is None


def test_selfie_first_then_identity(http: httpx.Client) -> None:
    applicant = verified(http)
    answer = applicant.post("/selfie", {"liveness_token": "selfie-first-1"})
    assert answer.json()["data"]["stage"] == "IDENTITY_SUBMITTED"
    assert applicant.post("/identity", identity()).json()["data"]["stage"] == "VERIFYING"


def test_join_needs_eligibility(http: httpx.Client) -> None:
    applicant = submitted(http)
    assert error_of(applicant.post("/wave/join")) == (409, "ERRREG40906")


def test_dashboard_before_selection(http: httpx.Client) -> None:
    applicant = verified(http)
    answer = applicant.get("/dashboard")
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["stage"] == "CONTACT_VERIFIED" and data["card"] is None
    assert data["purchases"] == [] and data["certificates"] == []
    kinds = [(i["kind"], i["step"], i["amount"], i["status"]) for i in data["incentives"]]
    assert kinds == [
        ("incentive", 1, 600_000, "waiting"),
        ("survey", 1, 50_000, "waiting"),
        ("survey", 2, 50_000, "waiting"),
    ]  # the scheme in force (normal)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/accounts", {"email": "a@b.co", "phone": "12345", "password": PASSWORD}),
        ("/accounts", {"email": "not-an-email", "phone": "081234567890", "password": PASSWORD}),
        ("/accounts", {"email": "a@b.co", "phone": "081234567890", "password": "short"}),
        ("/accounts", {"email": "a@b.co", "phone": "081234567890", "password": PASSWORD, "x": 1}),
        ("/accounts", {"email": "a@b.co", "phone": 81234567890, "password": PASSWORD}),
        ("/accounts", [1, 2]),
        ("/login", {"email": "a@b.co"}),
    ],
)
def test_bad_account_input(http: httpx.Client, path: str, body: object) -> None:
    assert error_of(http.post(f"{REG}{path}", json=body)) == (400, "ERRGEN40001")


def test_bad_otp_input(http: httpx.Client) -> None:
    applicant = sign_up(http)
    for body in [
        {"channel": "fax", "otp": "123456"},
        {"channel": "email", "otp": "12345"},
        {"channel": "email", "otp": 123456},
        {"channel": "email"},
    ]:
        assert error_of(applicant.post("/otp/verify", body)) == (400, "ERRGEN40001")
    assert error_of(applicant.post("/otp/send", {"channel": "pigeon"})) == (400, "ERRGEN40001")


def test_mail_inbox(http: httpx.Client) -> None:
    applicant = sign_up(http)
    answer = http.get("/api/v1/sandbox/mail-inbox", params={"email": applicant.email.upper()})
    messages = answer.json()["data"]["messages"]
    assert len(messages) == 1 and messages[0]["email"] == applicant.email
    assert messages[0]["otp"] in messages[0]["text"]
    assert http.get("/api/v1/sandbox/mail-inbox").status_code == 400
