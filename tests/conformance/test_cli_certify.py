"""The command line end to end, as a partner engineer runs it: the example DP driver certified in
client mode, the four reports and a certificate that verifies offline (and a forged one that
does not). The suite against the simulators and their mutants is test_client_suites."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from conformance.cli import app as certify_app
from reference_server.settings import ServerSettings
from tests.factories import Partners

PRAKERJA = [sys.executable, "-m", "prakerja_cli.main"]
DRIVER = f"{sys.executable} -m conformance.examples.dp_driver"


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
