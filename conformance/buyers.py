"""Drivers that play the beneficiary at a bundled simulator, so that its integration drives the
scenarios: the buyer at a digital platform's storefront, the participant at a training provider
(and on Prakerja's verification page). They speak the simulators' buyer API (``contract.buyer``)
over HTTP; what the harness judges is still only the partner's calls to the sandbox.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from conformance.client_mode import Driven
from contract.buyer import CheckoutStatus
from contract.certification import ScenarioData

TIMEOUT = 60.0
MAX_STEPS = 20
WRONG_OTPS = 3
NO_SMS = "000000"


def _otp(sandbox_url: str, prakerja_id: str) -> str | None:
    inbox = httpx.get(
        f"{sandbox_url}/api/v1/sandbox/sms-inbox", params={"prakerja_id": prakerja_id}, timeout=10
    )
    messages = inbox.json().get("data", {}).get("messages", []) if inbox.status_code == 200 else []
    return str(messages[0]["otp"]) if messages else None


class PlatformBuyer:
    """The buyer at a digital platform simulator's storefront."""

    def __init__(self, platform_url: str) -> None:
        self.http = httpx.Client(base_url=platform_url.rstrip("/"), timeout=TIMEOUT)

    def drive(self, scenario: ScenarioData, sandbox_url: str) -> Driven:
        """Check out the scenario's order and do what its buyer does."""
        f = scenario.fixtures
        started = self.http.post(
            "/checkouts",
            json={"prakerja_id": f["prakerja_id"], "course_code": f["course_code"],
                  "schedule_code": f["schedule_code"], "user_id": f["user_platform_id"]},
        )  # fmt: skip
        if started.status_code >= 400:
            return Driven(True, f"checkout refused: {started.text[:200]}")
        checkout: dict[str, Any] = started.json()
        if checkout["status"] != CheckoutStatus.AWAITING_OTP:
            return Driven(True, f"checkout {checkout['status']}")
        path = f"/checkouts/{checkout['checkout_id']}"
        # Asked for an OTP, the buyer types what they have; with no SMS at all, a guess.
        real = _otp(sandbox_url, str(f["prakerja_id"])) or NO_SMS
        if scenario.name == "otp-wrong-three-times":
            for attempt in range(WRONG_OTPS):
                wrong = f"{(int(real) + 1 + attempt) % 1_000_000:06d}"
                checkout = self.http.post(f"{path}/otp", json={"otp": wrong}).json()
            # Then the buyer finds the SMS and types it anyway: the platform must not pass it on.
            again = self.http.post(f"{path}/otp", json={"otp": real})
            return Driven(True, f"checkout {checkout.get('status')}; late OTP: {again.status_code}")
        checkout = self.http.post(f"{path}/otp", json={"otp": real}).json()
        if checkout.get("status") == CheckoutStatus.PENDING:  # the answer was lost: look again
            checkout = self.http.get(path).json()
        invoice = checkout.get("invoice") or {}
        if not invoice:
            return Driven(True, f"checkout {checkout.get('status')}")
        code = invoice["invoice_code"]
        if scenario.name == "void":
            self.http.post(f"/invoices/{code}/void")
        self.http.get(f"/invoices/{code}")  # the buyer looks at the invoice (status confirmed)
        return Driven(True, f"invoice {code}")

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


_FORM = re.compile(r'<form[^>]*method="post"', re.IGNORECASE)


class Participant:
    """A participant at a training provider simulator, and on Prakerja's verification page."""

    def __init__(self, provider_url: str) -> None:
        self.http = httpx.Client(base_url=provider_url.rstrip("/"), timeout=TIMEOUT)
        self.browser = httpx.Client(timeout=TIMEOUT, follow_redirects=True)

    def _verify(self, url: str) -> None:
        """Open Prakerja's page and approve; the browser follows back to the provider."""
        page = self.browser.get(url)
        if page.status_code == 200 and _FORM.search(page.text):
            self.browser.post(url, data={"action": "approve"})

    def drive(self, scenario: ScenarioData, sandbox_url: str) -> Driven:
        """Enrol with the scenario's code and e-mail, then follow ``next`` to the end."""
        f = scenario.fixtures
        code = str(f["redeem_code"])
        answer = self.http.post("/enrolments", json={"redeem_code": code, "email": f["email"]})
        if scenario.name == "webinar" and answer.status_code < 400:
            # An eager participant clicks "attend" before verifying the redeem: the provider
            # must not ask Prakerja for a later stage than the verified ones.
            self.http.post(f"/enrolments/{code}/attend")
            answer = self.http.get(f"/enrolments/{code}")
        previous: tuple[object, object] | None = None
        for _ in range(MAX_STEPS):
            if answer.status_code >= 400:
                return Driven(True, f"refused: {answer.text[:200]}")
            enrolment: dict[str, Any] = answer.json()
            step = enrolment.get("next") or {}
            action = step.get("action")
            if enrolment.get("failure") and (action, step.get("sequence")) == previous:
                # the participant was told why the step failed: they stop, as a person would
                return Driven(True, f"told: {enrolment['failure'].get('reason')}")
            previous = (action, step.get("sequence"))
            if action == "verify" and step.get("verification_url"):
                self._verify(str(step["verification_url"]))
                answer = self.http.get(f"/enrolments/{code}")
                if (answer.json().get("next") or {}) == step:  # nothing moved: the page refused
                    return Driven(True, "verification did not move the participant on")
            elif action == "attend":
                answer = self.http.post(f"/enrolments/{code}/attend")
            elif action == "assignment":
                answer = self.http.post(f"/enrolments/{code}/assignments", json={})
            elif action == "post_test":
                answer = self.http.post(f"/enrolments/{code}/post-test")
            else:
                return Driven(True, f"{action or 'no next step'}")
        return Driven(False, f"not done after {MAX_STEPS} steps")

    def close(self) -> None:
        """Close the connection pools."""
        self.http.close()
        self.browser.close()


class Publisher:
    """The editor at a job portal simulator: publishes vacancies and has them pushed now."""

    def __init__(self, portal_url: str) -> None:
        self.http = httpx.Client(base_url=portal_url.rstrip("/"), timeout=TIMEOUT)

    def drive(self, scenario: ScenarioData, sandbox_url: str) -> Driven:
        """Publish (five new, one withdrawn), then flush the portal's push queue."""
        published = self.http.post("/_sim/publish", json={"new": 5, "updates": 0, "withdrawals": 1})
        if published.status_code != 200:
            return Driven(False, f"the portal did not publish: HTTP {published.status_code}")
        flushed = self.http.post("/_sim/flush")
        return Driven(flushed.status_code == 200, flushed.text[:200])

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()
