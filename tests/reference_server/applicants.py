"""Applicants for tests: unique contacts, valid identities, and a client that walks the journey."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from contract.registration import Channel

REG = "/api/v1/registration"
PASSWORD = "rahasia-sekali-1"
REGION = "317101"  # 31.71.01 Gambir, Kota Jakarta Pusat


def new_contacts() -> tuple[str, str]:
    """An e-mail and a phone no other test uses."""
    tag = secrets.token_hex(5)
    return f"user-{tag}@example.test", f"0812{secrets.randbelow(10**8):08d}"


def nik_for(birth: date, sex: str, region: str = REGION, serial: int | None = None) -> str:
    """A structurally valid NIK for this birth date and sex."""
    day = birth.day + (40 if sex == "F" else 0)
    number = serial if serial is not None else 1 + secrets.randbelow(9998)
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{number:04d}"


def identity(**changes: Any) -> dict[str, Any]:
    """A valid identity body (a man born 15 Aug 1995 in Gambir)."""
    birth = date(1995, 8, 15)
    body: dict[str, Any] = {
        "nik": nik_for(birth, "M"),
        "kk": f"{REGION}0101230004",
        "name": "Budi Santoso",
        "birth_place": "Jakarta",
        "birth_date": birth.isoformat(),
        "sex": "M",
        "address": "Jl. Merdeka No. 1",
        "region_code": "31.71.01",
        "education": "SMA",
        "employment_status": "UNEMPLOYED",
        "is_official": False,
    }
    body.update(changes)
    return body


@dataclass
class Applicant:
    """One applicant's HTTP session with the server."""

    http: httpx.Client
    email: str
    phone: str
    token: str = ""
    account_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.http.post(f"{REG}{path}", json=body, headers=self.auth)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"{REG}{path}", headers=self.auth)

    def otp(self, channel: Channel) -> str:
        """The newest registration OTP the sandbox delivered on ``channel``."""
        if channel is Channel.EMAIL:
            answer = self.http.get("/api/v1/sandbox/mail-inbox", params={"email": self.email})
        else:
            answer = self.http.get("/api/v1/sandbox/sms-inbox", params={"phone_number": self.phone})
        assert answer.status_code == 200, answer.text
        messages = [m for m in answer.json()["data"]["messages"] if m["purpose"] == "registration"]
        assert messages, f"no OTP on {channel}"
        return str(messages[0]["otp"])

    def verify(self, channel: Channel) -> httpx.Response:
        return self.post("/otp/verify", {"channel": channel.value, "otp": self.otp(channel)})

    def status(self) -> dict[str, Any]:
        answer = self.get("/status")
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["data"])


def sign_up(http: httpx.Client, email: str | None = None, phone: str | None = None) -> Applicant:
    """A new account (asserting it was created)."""
    fresh_email, fresh_phone = new_contacts()
    applicant = Applicant(http, email or fresh_email, phone or fresh_phone)
    answer = http.post(
        f"{REG}/accounts",
        json={"email": applicant.email, "phone": applicant.phone, "password": PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    applicant.data = answer.json()["data"]
    applicant.token = applicant.data["access_token"]
    applicant.account_id = applicant.data["account_id"]
    return applicant


def verified(http: httpx.Client, **contacts: str) -> Applicant:
    """A new account with both contacts verified."""
    applicant = sign_up(http, **contacts)
    for channel in Channel:
        answer = applicant.verify(channel)
        assert answer.status_code == 200, answer.text
    return applicant


def submitted(http: httpx.Client, selfie: str | None = None, **fields: Any) -> Applicant:
    """A verified account that has sent its identity and selfie (verification started)."""
    applicant = verified(http)
    answer = applicant.post("/identity", identity(**fields))
    assert answer.status_code == 200, answer.text
    token = selfie or f"selfie-{secrets.token_hex(6)}"
    answer = applicant.post("/selfie", {"liveness_token": token})
    assert answer.status_code == 200, answer.text
    return applicant
