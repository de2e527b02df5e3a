"""``prakerja government serve``: flags to profiles, and the three sources as one process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from contract.government import DTKS_CHECK, LIVENESS
from simulators.framework.behaviour import Profile
from simulators.government.cli import SOURCES, app, apply_overrides
from tests.simulators.government_rows import person, write_population

ROOT = Path(__file__).parent.parent.parent


def test_overrides_change_one_field_of_one_source() -> None:
    common = Profile(latency_ms=5.0)
    profiles = apply_overrides(
        dict.fromkeys(SOURCES, common),
        ["dukcapil.error_rate=0.3", "dukcapil.timeout_rate=0.1", "dtks.seed=9"],
    )

    assert profiles["dukcapil"] == Profile(latency_ms=5.0, error_rate=0.3, timeout_rate=0.1)
    assert profiles["dtks"] == Profile(latency_ms=5.0, seed=9)
    assert profiles["biometrics"] == common


def test_an_override_may_unset_an_optional_field() -> None:
    start = Profile(latency_ms=5.0, latency_p99_ms=50.0)
    assert apply_overrides({"dtks": start}, ["dtks.latency_p99_ms=none"])["dtks"] == Profile(
        latency_ms=5.0
    )


@pytest.mark.parametrize(
    "assignment",
    [
        "dukcapil.error_rate",  # no value
        "police.error_rate=0.1",  # no such source
        "dukcapil.colour=red",  # no such field
        "dukcapil.error_rate=lots",  # not a number
        "dukcapil.error_rate=1.5",  # not a rate
    ],
)
def test_a_bad_override_is_refused(assignment: str) -> None:
    with pytest.raises(typer.BadParameter):
        apply_overrides(dict.fromkeys(SOURCES, Profile()), [assignment])


def test_serve_refuses_an_impossible_profile(tmp_path: Path) -> None:
    path = write_population(tmp_path / "p.csv", [person()])
    result = CliRunner().invoke(
        app, ["serve", "--population", str(path), "--error-rate", "0.7", "--timeout-rate", "0.5"]
    )

    assert result.exit_code == 2
    assert "must not exceed 1" in result.output


def test_serve_runs_the_three_sources_until_interrupted(tmp_path: Path) -> None:
    row = person(dtks=True)
    path = write_population(tmp_path / "p.csv", [row])
    command = [
        sys.executable, "-m", "simulators.government.cli", "serve", "--population", str(path),
        "--dukcapil-port", "0", "--dtks-port", "0", "--biometrics-port", "0",
        "--set", "biometrics.error_rate=1",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while not any("Ctrl-C" in line for line in lines) and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        output = "".join(lines)
        exports = dict(re.findall(r"export (PRAKERJA_\w+_URL)=(\S+)", output))
        assert set(exports) == {
            "PRAKERJA_DUKCAPIL_URL",
            "PRAKERJA_DTKS_URL",
            "PRAKERJA_BIOMETRICS_URL",
        }, output
        assert "Loaded 1 people, 1 selfies and 1 DTKS recipients" in output
        assert row["nik"] not in output

        dtks = httpx.post(exports["PRAKERJA_DTKS_URL"] + DTKS_CHECK, json={"nik": row["nik"]})
        assert dtks.json() == {"nik": row["nik"], "recipient": True}
        biometrics = httpx.post(
            exports["PRAKERJA_BIOMETRICS_URL"] + LIVENESS, json={"selfie": row["selfie"]}
        )
        assert biometrics.status_code == 503  # --set biometrics.error_rate=1

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
