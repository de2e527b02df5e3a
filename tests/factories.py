"""Factories: keyword-only functions and small helpers that build what tests need."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from contract.client import PartnerClient
from contract.endpoints import Role
from reference_server.fixtures import describe
from reference_server.partners import Credentials, add_partner
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction

REDIRECT_URI = "http://127.0.0.1:9/callback"


@dataclass
class Partner:
    """A registered partner: its credentials, a signing client, and its fixtures."""

    creds: Credentials
    client: PartnerClient
    fixtures: dict[str, Any]

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        """A signed POST."""
        return self.client.post(path, body, **kwargs)


class Partners:
    """Creates partners with their fixtures, as ``prakerja partners add`` does."""

    def __init__(self, runtime: Runtime, base_url: str) -> None:
        self.runtime = runtime
        self.base_url = base_url

    def add(
        self,
        *,
        role: Role,
        name: str | None = None,
        redirect_uris: tuple[str, ...] = (REDIRECT_URI,),
    ) -> Partner:
        """A new partner of ``role`` with its own fixtures."""
        with transaction(self.runtime.sessions) as session:
            creds = add_partner(
                session,
                self.runtime.keys,
                role=role,
                name=name or f"test {role.value} {secrets.token_hex(3)}",
                redirect_uris=redirect_uris if role is Role.LP else (),
            )
        with self.runtime.sessions() as session:
            data = describe(session, creds.client_code)
        return Partner(
            creds,
            PartnerClient(self.base_url, creds.client_code, creds.sign_key),
            data["partners"][0],
        )

    def dp(self) -> Partner:
        """A new digital platform."""
        return self.add(role=Role.DP)

    def lp(self, *, redirect_uris: tuple[str, ...] = (REDIRECT_URI,)) -> Partner:
        """A new training provider."""
        return self.add(role=Role.LP, redirect_uris=redirect_uris)


def beneficiary(partner: Partner, slot: str) -> dict[str, Any]:
    """One of a DP's fixture beneficiaries, by slot (normal-1, low-balance, …)."""
    return next(b for b in partner.fixtures["beneficiaries"] if b["slot"] == slot)


def redeem_code(partner: Partner, test_case: str) -> str:
    """One of an LP's fixture PRAT- codes, by test case (TC1-001-200, …)."""
    return str(
        next(r for r in partner.fixtures["redeem_codes"] if r["test_case"] == test_case)[
            "redeem_code"
        ]
    )


def latest_otp(base_url: str, prakerja_id: str) -> str:
    """The newest OTP texted to a card holder, from the sandbox SMS inbox."""
    response = httpx.get(
        f"{base_url}/api/v1/sandbox/sms-inbox", params={"prakerja_id": prakerja_id}
    )
    response.raise_for_status()
    return str(response.json()["data"]["messages"][0]["otp"])
