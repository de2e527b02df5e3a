"""The DP suite in client mode against the live sandbox: a careful DP passes, and each way of
getting it wrong fails the requirement meant for it (not some other one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from conformance.cli import app as certify_app
from conformance.client_mode import ClientContext, Driven
from conformance.evidence import Redactor
from conformance.examples.dp_driver import Checkout, run_scenario
from conformance.runner import Runner
from conformance.sandbox import Sandbox
from conformance.suites.dp import suite
from contract.certification import Outcome, RunReport, ScenarioData
from contract.client import PartnerClient
from contract.endpoints import Role
from reference_server.settings import ServerSettings
from tests.factories import Partner, Partners

PRAKERJA = [sys.executable, "-m", "prakerja_cli.main"]
DRIVER = f"{sys.executable} -m conformance.examples.dp_driver"


class InProcess:
    """Drives each scenario with the example DP's logic in this process (one client, so no
    signature is ever repeated), with a ``Checkout`` that may be wrong in one way."""

    def __init__(self, partner: Partner, checkout: type[Checkout] = Checkout) -> None:
        self.client: PartnerClient = partner.client
        self.checkout = checkout

    def drive(self, scenario: ScenarioData, sandbox_url: str) -> Driven:
        """Run the scenario; the example's code is the partner's."""
        run_scenario(
            self.client,
            {**scenario.model_dump(mode="json"), "sandbox_url": sandbox_url},
            self.checkout,
        )
        return Driven(True)


def _certify(partner: Partner, server_url: str, checkout: type[Checkout]) -> RunReport:
    context = ClientContext(
        role=Role.DP,
        partner=partner.creds.client_code,
        sandbox=Sandbox(server_url, partner.creds.client_code, partner.creds.sign_key),
        driver=InProcess(partner, checkout),
        capabilities=frozenset({"quota_check", "void"}),
        redactor=Redactor([partner.creds.sign_key]),
    )
    try:
        return Runner(suite, context).run()
    finally:
        context.close()


def _failed(report: RunReport) -> set[str]:
    return {r.requirement_id for r in report.results if r.outcome is not Outcome.PASSED}


class BlindRetry(Checkout):
    """Sends a refused send-otp again, unchanged."""

    def call(self, path: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        answer = super().call(path, body, **kwargs)
        if path == "send-otp" and answer.status_code == 400:
            return super().call(path, body, **kwargs)
        return answer


class PaysAgainWhenLost(Checkout):
    """After an authorize with no usable answer, starts the purchase over instead of asking."""

    def call(self, path: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        answer = super().call(path, body, **kwargs)
        if path == "authorize" and answer.status_code == 504:
            super().call("send-otp", {
                "course_code": self.f["course_code"], "schedule_code": self.f["schedule_code"],
                "prakerja_id": self.f["prakerja_id"], "user_platform_id": "u", "amount": self.f["amount"],
            })  # fmt: skip
        return answer


class IgnoresRetryAfter(Checkout):
    """Retries a busy call at once."""

    def call(self, path: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        for _ in range(4):
            answer = self.client.post(f"/api/v1/integration/payment/{path}", body, **kwargs)
            if answer.status_code != 503:
                return answer
        return answer


class KeepsTypingAfterLock(Checkout):
    """Types once more on a token whose OTP is locked."""

    def call(self, path: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        answer = super().call(path, body, **kwargs)
        if path == "authorize" and answer.json().get("code") == "ERRPLT40014":
            return super().call(path, body, **kwargs)
        return answer


def test_a_careful_dp_passes_every_requirement(partners: Partners, server_url: str) -> None:
    report = _certify(partners.dp(), server_url, Checkout)
    assert _failed(report) == set(), [
        r.message for r in report.results if r.outcome is not Outcome.PASSED
    ]
    assert report.summary.passed_run and report.summary.checks == len(suite.checks)


def test_each_mistake_fails_the_requirement_meant_for_it(
    partners: Partners, server_url: str
) -> None:
    expected = {
        BlindRetry: {"DP-ERR-001"},
        PaysAgainWhenLost: {"DP-ERR-003"},
        IgnoresRetryAfter: {"DP-RETRY-001"},
        KeepsTypingAfterLock: {"DP-OTP-001"},
    }
    for checkout, requirements in expected.items():
        report = _certify(partners.dp(), server_url, checkout)
        assert _failed(report) == requirements, checkout.__name__
        assert not report.summary.passed_run


def test_the_command_line_certifies_writes_four_reports_and_the_certificate_verifies(
    partners: Partners, settings: ServerSettings, server_url: str, tmp_path: Path
) -> None:
    dp = partners.dp()
    env = {
        **os.environ,
        "PRAKERJA_SANDBOX_URL": server_url,
        "PRAKERJA_CLIENT_CODE": dp.creds.client_code,
        "PRAKERJA_SIGN_KEY": dp.creds.sign_key,
        "COLUMNS": "200",
    }
    reports = tmp_path / "reports"
    run = subprocess.run(
        [*PRAKERJA, "certify", "--role", "dp", "--driver", DRIVER, "--report-dir", str(reports), "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout)
    assert outcome["passed"] and outcome["submitted"] and outcome["certificate"]
    assert sorted(p.name for p in reports.iterdir()) == [
        "certificate.json", "junit.xml", "report.html", "report.json",
    ]  # fmt: skip
    cli = CliRunner()
    key = cli.invoke(
        certify_app, ["public-key", "--sandbox", server_url, "--out", str(tmp_path / "pmo.pub")]
    )
    assert key.exit_code == 0, key.output
    verify = [
        "verify",
        str(reports / "certificate.json"),
        "--public-key",
        str(tmp_path / "pmo.pub"),
    ]
    checked = cli.invoke(certify_app, [*verify, "--report", str(reports / "report.json")])
    assert checked.exit_code == 0 and "valid" in checked.output, checked.output
    for name in ("report.json", "report.html", "junit.xml"):
        assert dp.creds.sign_key not in (reports / name).read_text()
    forged = json.loads((reports / "certificate.json").read_text())
    forged["certificate"]["role"] = "pp"
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    verify[1] = str(tmp_path / "forged.json")
    refused = cli.invoke(certify_app, verify)
    assert refused.exit_code == 1 and "signature does not match" in refused.output
