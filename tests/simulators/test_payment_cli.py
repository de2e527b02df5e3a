"""``prakerja payment-partners``: serve the six as one process, list them, look up a person's accounts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from contract.payouts import ACCOUNT_INQUIRY_PATH, DISBURSE_PATH
from simulators.payment.accounts import FIXTURE_NIK
from simulators.payment.cli import app, parse_changes, parse_mutants
from simulators.payment.launch import Credentials
from tests.simulators.payment_support import Prakerja

ROOT = Path(__file__).parent.parent.parent


def test_changes_are_per_partner_or_for_all_and_bad_ones_are_refused() -> None:
    assert parse_changes(
        ["timeout_rate=0.3", "ovo.settle_ms=0", "ovo.latency_p99_ms=none"], "--set"
    ) == {
        "": {"timeout_rate": 0.3},
        "ovo": {"settle_ms": 0.0, "latency_p99_ms": None},
    }
    for bad in ("mandiri.error_rate=0.1", "ovo.colour=red", "ovo.error_rate", "error_rate=lots"):
        with pytest.raises(typer.BadParameter):
            parse_changes([bad], "--set")
    assert parse_mutants(["dana=never-calls-back"]) == {"dana": "never-calls-back"}
    with pytest.raises(typer.BadParameter, match="mutants:"):
        parse_mutants(["dana=pays-thrice"])


def test_serve_refuses_an_impossible_profile() -> None:
    result = CliRunner().invoke(
        app, ["serve", "--every", "error_rate=0.8", "--every", "timeout_rate=0.5"]
    )
    assert result.exit_code == 2 and "must not exceed" in result.output


def test_list_names_the_six_partners_and_the_mutants() -> None:
    result = CliRunner().invoke(app, ["list", "--json"])
    listed = json.loads(result.output)
    assert [(p["name"], p["kind"], p["port"]) for p in listed["partners"]] == [
        ("BNI", "bank", 8401),
        ("BCA", "bank", 8402),
        ("OVO", "ewallet", 8403),
        ("GoPay", "ewallet", 8404),
        ("LinkAja", "ewallet", 8405),
        ("DANA", "ewallet", 8406),
    ]
    assert "pays-twice-on-retry" in listed["mutants"]


def test_serve_runs_the_six_with_the_given_credentials_until_interrupted(tmp_path: Path) -> None:
    ovo = Credentials("pp-ovo-test", "sign-key-of-ovo", "webhook-key-of-ovo")
    keys = tmp_path / "pp.json"
    keys.write_text(json.dumps({"ovo": {**ovo.__dict__, "name": "OVO"}}))
    command = [
        sys.executable, "-m", "simulators.payment.cli", "serve", "--credentials", str(keys),
        "--port-base", "0", "--sandbox", "http://127.0.0.1:9", "--set", "ovo.error_rate=0",
        "--mutant", "dana=never-calls-back", "--json",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        deadline, line = time.monotonic() + 20, ""
        while not line.startswith("{") and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, "the command ended before it was ready"
        served = json.loads(line)
        assert list(served) == ["bni", "bca", "ovo", "gopay", "linkaja", "dana"]
        assert served["ovo"]["client_code"] == "pp-ovo-test"
        assert served["ovo"]["webhook_url"] == served["ovo"]["url"] + "/webhooks/prakerja"
        call = Prakerja(served["ovo"]["url"], ovo)
        try:
            inquiry = {
                "account_type": "EWALLET",
                "account_number": "0899000000001",
                "nik": FIXTURE_NIK,
            }
            assert call.data(ACCOUNT_INQUIRY_PATH, inquiry)["nik_match"] is True
            assert call.post(DISBURSE_PATH, {}, key="another-key").status_code == 401
            assert call.get("/_sim/info")["instance"] == "ovo"
        finally:
            call.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_accounts_shows_where_a_person_is_paid(tmp_path: Path) -> None:
    import datetime as dt

    from simulators.population.generator import generate
    from simulators.population.reader import read_population

    path = tmp_path / "people.csv"
    generate(path, 50, 1, dt.date(2024, 1, 1), progress=False)
    person = next(p for p in read_population(path) if p.has_account)
    result = CliRunner().invoke(
        app, ["accounts", "--population", str(path), "--nik", person.nik, "--seed", "3", "--json"]
    )
    shown = json.loads(result.output)
    assert shown["must_open"] is False and shown["choice"] in {
        a["partner"] for a in shown["accounts"]
    }
    assert person.nik not in result.output
    nobody = CliRunner().invoke(app, ["accounts", "--population", str(path), "--phone", "0800"])
    assert nobody.exit_code == 2
