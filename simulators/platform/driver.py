"""Drive a digital platform simulator through one certification scenario, as its buyer would.

``prakerja certify --role dp --mode client --driver COMMAND`` runs a command once per scenario
with the scenario in ``PRAKERJA_SCENARIO_FILE`` (its name, fixtures and the sandbox URL). This is
that command for a platform simulator: it acts as the buyer's browser at the platform's own
front (``contract.buyer``), so what the harness judges is exactly the calls the simulator makes
to the sandbox — the careful platform's, or a mutant's.

    prakerja certify --role dp --mode client --client-code dp-… --sign-key … \\
      --driver "python -m simulators.platform.driver --platform http://127.0.0.1:8201"

The scenarios and what the buyer does in each: buy (``happy-path``, ``busy``, ``lost-answer``),
and then look at the invoice (``happy-path``, ``lost-answer``); try to buy and take the refusal
(``insufficient-balance``, ``quota-gone``, ``training-started``); type three wrong OTPs and,
told the OTP is locked, try once more (``otp-wrong-three-times``); buy, cancel, look at the
invoice (``void``). A buyer asked for an OTP that never came types a guess.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import httpx

from contract.buyer import Checkout, CheckoutStatus
from contract.endpoints import SMS_INBOX

TIMEOUT = 60.0  # a busy sandbox makes the platform wait Retry-After before it answers
WRONG_OTPS = 3
GUESS = "000000"


class Buyer:
    """The buyer's browser at one platform."""

    def __init__(self, platform: str, sandbox: str, fixtures: dict[str, Any]) -> None:
        self.http = httpx.Client(base_url=platform.rstrip("/"), timeout=TIMEOUT)
        self.sandbox = sandbox.rstrip("/")
        self.fixtures = fixtures

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def start(self) -> Checkout:
        """Start the scenario's checkout."""
        f = self.fixtures
        body = {
            "prakerja_id": f["prakerja_id"],
            "course_code": f["course_code"],
            "schedule_code": f["schedule_code"],
            "user_id": f.get("user_platform_id"),
        }
        response = self.http.post("/checkouts", json={k: v for k, v in body.items() if v})
        response.raise_for_status()
        return Checkout.model_validate(response.json())

    def otp(self) -> str:
        """The newest OTP in the buyer's SMS inbox; when none came, the buyer types a guess
        (the platform asked for one, so a buyer types something)."""
        inbox = httpx.get(
            self.sandbox + SMS_INBOX.path,
            params={"prakerja_id": self.fixtures["prakerja_id"]},
            timeout=TIMEOUT,
        )
        inbox.raise_for_status()
        messages = inbox.json()["data"]["messages"]
        return str(messages[0]["otp"]) if messages else GUESS

    def pay(self, checkout: Checkout, otp: str) -> Checkout:
        """Give an OTP; the checkout afterwards (409: the platform refused to go on)."""
        response = self.http.post(f"/checkouts/{checkout.checkout_id}/otp", json={"otp": otp})
        if response.status_code == 409:
            return checkout
        response.raise_for_status()
        return Checkout.model_validate(response.json())

    def buy(self, *, wrong_otps: int = 0) -> Checkout:
        """Check out and pay; or type ``wrong_otps`` wrong OTPs (never the real one) and then,
        as a buyer who will not take no for an answer, one more."""
        checkout = self.start()
        if checkout.status is not CheckoutStatus.AWAITING_OTP:
            return checkout
        real = self.otp()
        if not wrong_otps:
            return self.pay(checkout, real)
        for attempt in range(wrong_otps + 1):  # the last one after the platform said stop
            checkout = self.pay(checkout, f"{(int(real) + 1 + attempt) % 1_000_000:06d}")
        return checkout

    def invoice(self, checkout: Checkout) -> None:
        """Look at the invoice (the platform confirms it with payment/status)."""
        if checkout.invoice is not None:
            self.http.get(f"/invoices/{checkout.invoice.invoice_code}").raise_for_status()

    def void(self, checkout: Checkout) -> None:
        """Ask the platform to cancel the purchase."""
        if checkout.invoice is not None:
            self.http.post(f"/invoices/{checkout.invoice.invoice_code}/void")


def drive(buyer: Buyer, name: str) -> None:
    """What the buyer does in scenario ``name``."""
    if name == "otp-wrong-three-times":
        buyer.buy(wrong_otps=WRONG_OTPS)
    elif name == "void":
        bought = buyer.buy()
        buyer.void(bought)
        buyer.invoice(bought)
    elif name in ("happy-path", "lost-answer"):
        buyer.invoice(buyer.buy())
    else:  # busy, and the refusals: buy once, take the answer
        buyer.buy()


def main(argv: list[str] | None = None) -> int:
    """Drive the scenario in PRAKERJA_SCENARIO_FILE at the platform given."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--platform",
        default=os.environ.get("PRAKERJA_PLATFORM_URL"),
        help="Base URL of the platform simulator (env PRAKERJA_PLATFORM_URL).",
    )
    args = parser.parse_args(argv)
    if not args.platform:
        parser.error("--platform URL is required")
    with open(os.environ["PRAKERJA_SCENARIO_FILE"], encoding="utf-8") as handle:
        scenario = json.load(handle)
    buyer = Buyer(args.platform, scenario["sandbox_url"], scenario["fixtures"])
    try:
        drive(buyer, scenario["name"])
    finally:
        buyer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
