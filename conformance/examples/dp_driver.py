"""An example driver for ``prakerja certify --role dp --mode client``: a small, correct DP checkout.

The harness runs the driver once per scenario with ``PRAKERJA_SCENARIO_FILE`` (the scenario,
its fixtures and the sandbox URL, as JSON) in the environment; credentials come from
``PRAKERJA_CLIENT_CODE`` and ``PRAKERJA_SIGN_KEY``. A real partner's driver would call its own
checkout instead of these few lines; what the harness judges is the calls that reach the sandbox.

What a careful DP does, and this one shows: check the seats first; send the course price in
integer rupiah; on a refusal, stop (never repeat it blindly); on 429/503 wait ``Retry-After``;
when authorize gets no usable answer, ask payment/status before anything else; stop using a token
whose OTP is locked; void a purchase once, by its own codes.

    PRAKERJA_CLIENT_CODE=dp-… PRAKERJA_SIGN_KEY=… python -m conformance.examples.dp_driver
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from typing import Any

import httpx

from contract.client import PartnerClient

PAYMENT = "/api/v1/integration/payment"
MAX_TRIES = 4
MAX_WAIT = 10


class Checkout:
    """One scenario's purchase, driven through the partner API."""

    def __init__(self, client: PartnerClient, sandbox: str, fixtures: dict[str, Any]) -> None:
        self.client = client
        self.sandbox = sandbox
        self.f = fixtures
        self.invoice = f"INV-{secrets.token_hex(6)}"

    def call(self, path: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        """A signed call; waits Retry-After (bounded) on 429 and 503, a few times at most."""
        for _ in range(MAX_TRIES):
            response = self.client.post(f"{PAYMENT}/{path}", body, **kwargs)
            if response.status_code not in (429, 503):
                return response
            time.sleep(min(MAX_WAIT, int(response.headers.get("Retry-After", "1"))))
        return response

    def otp(self) -> str:
        """The buyer reads the newest OTP from the sandbox SMS inbox."""
        inbox = httpx.get(
            f"{self.sandbox}/api/v1/sandbox/sms-inbox",
            params={"prakerja_id": self.f["prakerja_id"]},
            timeout=10,
        ).json()
        return str(inbox["data"]["messages"][0]["otp"])

    def buy(self, *, wrong_otps: int = 0) -> dict[str, Any] | None:
        """quota -> send-otp -> authorize; the purchase's data, or None when refused."""
        order = {"course_code": self.f["course_code"], "schedule_code": self.f["schedule_code"]}
        quota = self.call("quota-schedule", order)
        if quota.status_code != 200 or quota.json()["data"]["quota"] < 1:
            return None
        sent = self.call(
            "send-otp",
            {
                **order,
                "prakerja_id": self.f["prakerja_id"],
                "user_platform_id": self.f["user_platform_id"],
                "amount": self.f["amount"],
            },
        )
        if sent.status_code != 200:
            return None  # refused: tell the buyer, never repeat the same order blindly
        authorization = f"Payment {sent.json()['data']['payment_token']}"
        real = self.otp()
        for attempt in range(wrong_otps + 1):
            typed = (
                real if attempt >= wrong_otps else f"{(int(real) + 1 + attempt) % 1_000_000:06d}"
            )
            paid = self.call(
                "authorize",
                {
                    "otp": typed,
                    "invoice_url": f"https://dp.example/{self.invoice}",
                    "invoice_code": self.invoice,
                },
                authorization=authorization,
            )
            if paid.status_code == 200:
                return dict(paid.json()["data"])
            if paid.status_code >= 500:  # no usable answer: find out before paying again
                status = self.call("status", {"invoice_code": self.invoice})
                return dict(status.json()["data"]) if status.status_code == 200 else None
            if paid.json().get("code") == "ERRPLT40014":
                return None  # the OTP is locked: this token is dead
        return None

    def confirm(self) -> None:
        """payment/status of the invoice."""
        self.call("status", {"invoice_code": self.invoice})

    def void(self, transaction_code: str) -> None:
        """Cancel the purchase once, by its own codes."""
        self.call("void", {"invoice_code": self.invoice, "transaction_code": transaction_code})


def fresh_second() -> None:
    """Start in a second of our own: a signature is accepted once, and this process cannot know
    what the one before it signed in the current second (a long-running integration's
    ``PartnerClient`` remembers that itself)."""
    time.sleep(1 - time.time() % 1)


def run_scenario(
    client: PartnerClient, scenario: dict[str, Any], checkout: type[Checkout] = Checkout
) -> None:
    """Do what the scenario asks, as a careful DP does."""
    cart = checkout(client, scenario["sandbox_url"], scenario["fixtures"])
    name = scenario["name"]
    if name == "otp-wrong-three-times":
        cart.buy(wrong_otps=3)
    elif name == "void":
        bought = cart.buy()
        if bought:
            cart.void(bought["transaction_code"])
            cart.confirm()
    elif name in ("happy-path", "busy", "lost-answer"):
        if cart.buy() is not None and name == "happy-path":
            cart.confirm()
    else:  # the refusals: try once, accept the answer
        cart.buy()


def main() -> int:
    """Drive the scenario named in PRAKERJA_SCENARIO_FILE."""
    fresh_second()
    with open(os.environ["PRAKERJA_SCENARIO_FILE"], encoding="utf-8") as handle:
        scenario = json.load(handle)
    code, key = os.environ["PRAKERJA_CLIENT_CODE"], os.environ["PRAKERJA_SIGN_KEY"]
    with PartnerClient(scenario["sandbox_url"], code, key) as client:
        run_scenario(client, scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main())
