"""``prakerja providers serve`` and ``prakerja platforms serve`` as a user runs them."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from prakerja_cli.main import app
from tests.factories import Partner, Partners

PRAKERJA = [sys.executable, "-m", "prakerja_cli.main"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _credentials(path: Path, *partners: Partner) -> Path:
    """What ``prakerja partners add --json >> file`` leaves, one partner a line."""
    lines = [
        json.dumps(
            {
                "client_code": p.creds.client_code,
                "sign_key": p.creds.sign_key,
                "role": p.creds.role,
                "name": p.creds.name,
            }
        )
        for p in partners
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_providers_serve_runs_until_interrupted_and_says_where(
    partners: Partners, server_url: str, tmp_path: Path
) -> None:
    lp = partners.lp(redirect_uris=())
    file = _credentials(tmp_path / "lps.jsonl", lp)
    port = _free_port()
    command = [*PRAKERJA, "providers", "serve", "--credentials", str(file), "--sandbox", server_url]
    with subprocess.Popen(
        [*command, "--port", str(port), "--json"], stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            ready = json.loads(process.stdout.readline())  # printed once listening
            (row,) = ready["providers"]
            assert row["redirect_uri"] == f"http://127.0.0.1:{port}/callback"
            published = httpx.get(f"{row['url']}/courses", timeout=10).json()
            assert published["provider"]["client_code"] == lp.creds.client_code
            assert len(published["courses"]) == 3
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0


@pytest.mark.parametrize("group", ["providers", "platforms"])
def test_serve_refuses_credentials_of_another_role_and_unknown_mutants(
    partners: Partners, tmp_path: Path, group: str
) -> None:
    runner = CliRunner()
    other = partners.dp() if group == "providers" else partners.lp(redirect_uris=())
    file = _credentials(tmp_path / "creds.jsonl", other)
    wrong = runner.invoke(app, [group, "serve", "--credentials", str(file)])
    assert (
        wrong.exit_code == 2 and "not" in wrong.output and other.creds.client_code in wrong.output
    )
    (tmp_path / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    bad = runner.invoke(app, [group, "serve", "--credentials", str(tmp_path / "bad.jsonl")])
    assert bad.exit_code == 2 and "not JSON" in _unboxed(bad.output)
    mutant = runner.invoke(app, [group, "serve", "--credentials", str(file), "--mutant", "nope"])
    assert mutant.exit_code == 2 and "unsigned" in mutant.output


@pytest.mark.parametrize("group", ["providers", "platforms"])
def test_serve_help_has_an_example(group: str) -> None:
    shown = CliRunner().invoke(app, [group, "serve", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and f"prakerja {group} serve --credentials" in shown.output


def _unboxed(output: str) -> str:
    """The words of an error Rich drew in a box, whatever the width it wrapped them at (a long
    temporary path moves the line breaks)."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())
