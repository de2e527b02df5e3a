"""``prakerja catalogue`` as the programme office types it, against the live server: pending, assess
(all good, a file of scores, overrides), show, list, indicators; refusals exit non-zero."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contract.catalogue import AssessmentKind
from contract.endpoints import SHOW_SUBMISSION
from prakerja_cli.main import app
from reference_server.domain import curation
from tests.factories import Partner, Partners
from tests.reference_server import catalogue_support as cs


@pytest.fixture(scope="module")
def office(partners: Partners) -> Partner:
    return cs.pmo(partners)


@pytest.fixture
def run(office: Partner, server_url: str) -> CliRunner:
    return CliRunner(
        env={
            "PRAKERJA_SANDBOX_URL": server_url,
            "PRAKERJA_CLIENT_CODE": office.creds.client_code,
            "PRAKERJA_SIGN_KEY": office.creds.sign_key,
            "COLUMNS": "200",
        }
    )


def test_the_office_approves_rejects_and_reads_the_catalogue(
    run: CliRunner, partners: Partners, tmp_path: Path
) -> None:
    dp, lp = partners.dp(), partners.lp()
    good, poor = cs.course_body(lp), cs.course_body(lp, title="Kursus yang Kurang Siap")
    cs.submit(dp, good)
    cs.submit(dp, poor)

    waiting = run.invoke(app, ["catalogue", "pending", "--dp", dp.creds.client_code, "--json"])
    assert waiting.exit_code == 0, waiting.output
    assert [s["course_code"] for s in json.loads(waiting.output)["submissions"]] == [
        good["course_code"],
        poor["course_code"],
    ]
    table = run.invoke(app, ["catalogue", "pending", "--dp", dp.creds.client_code])
    assert good["course_code"] in table.output and "2 pending" in table.output

    approved = run.invoke(app, ["catalogue", "assess", good["course_code"], "--all-good"])
    assert approved.exit_code == 0, approved.output
    assert "passed" in approved.output and "APPROVED" in approved.output

    scores, critical = cs.failing(AssessmentKind.ENTRY)
    (tmp_path / "scores.json").write_text(
        json.dumps(
            {
                "scores": scores,
                "notes": {critical: "Tidak sesuai pasar kerja."},
                "summary": "Perbaiki.",
            }
        )
    )
    rejected = run.invoke(
        app, ["catalogue", "assess", poor["course_code"], "--scores", str(tmp_path / "scores.json")]
    )
    assert rejected.exit_code == 0, rejected.output
    assert "REJECTED" in rejected.output and "Tidak sesuai pasar kerja." in rejected.output

    shown = json.loads(run.invoke(app, ["catalogue", "show", poor["course_code"], "--json"]).output)
    assert (
        shown["status"] == "REJECTED"
        and shown["versions"][0]["assessment"]["summary"] == "Perbaiki."
    )
    overview = run.invoke(app, ["catalogue", "show", good["course_code"]])
    assert (
        "APPROVED" in overview.output and good["schedules"][0]["schedule_code"] in overview.output
    )

    listed = run.invoke(app, ["catalogue", "list", "--lp", lp.creds.client_code, "--json"])
    assert [c["course_code"] for c in json.loads(listed.output)["courses"]] == [good["course_code"]]
    table = run.invoke(app, ["catalogue", "list", "--lp", lp.creds.client_code])
    assert good["course_code"] in table.output and "Rp650.000" in table.output


def test_overrides_fail_a_live_course_in_monitoring(
    run: CliRunner, partners: Partners, office: Partner
) -> None:
    dp, lp = partners.dp(), partners.lp()
    course = cs.approved(dp, lp, office)
    critical = next(
        i for i in curation.indicator_set(AssessmentKind.MONITORING).indicators if i.critical
    )
    suspended = run.invoke(
        app,
        [
            "catalogue",
            "assess",
            course["course_code"],
            "--kind",
            "monitoring",
            "--all-good",
            "--score",
            f"{critical.id}=1",
            "--note",
            f"{critical.id}=Materi tidak sesuai judul",
            "--json",
        ],
    )
    assert suspended.exit_code == 0, suspended.output
    data = json.loads(suspended.output)
    assert data["status"] == "SUSPENDED"
    assert data["assessment"]["reasons"][0]["note"] == "Materi tidak sesuai judul"


def test_indicators_are_listed(run: CliRunner) -> None:
    monitoring = json.loads(
        run.invoke(app, ["catalogue", "indicators", "--kind", "monitoring", "--json"]).output
    )
    assert len(monitoring["indicators"]) == 40 and monitoring["pass_mean"] == "3.00"
    table = run.invoke(app, ["catalogue", "indicators"])
    assert "E52" in table.output and "weighted mean at least 3.50" in table.output


def test_refusals_exit_non_zero_and_say_why(run: CliRunner, tmp_path: Path) -> None:
    unknown = run.invoke(app, ["catalogue", "assess", "NO-SUCH-COURSE", "--all-good"])
    assert unknown.exit_code == 1 and "ERRCAT40401" in unknown.output
    as_json = run.invoke(app, ["catalogue", "show", "NO-SUCH-COURSE", "--json"])
    assert as_json.exit_code == 1 and json.loads(as_json.output)["code"] == "ERRCAT40401"
    neither = run.invoke(app, ["catalogue", "assess", "X"])
    assert neither.exit_code == 2 and "--all-good or --scores" in neither.output
    bad = run.invoke(app, ["catalogue", "assess", "X", "--all-good", "--score", "E01"])
    assert bad.exit_code == 2 and "ID=VALUE" in bad.output
    (tmp_path / "broken.json").write_text("[1, 2]")
    broken = run.invoke(
        app, ["catalogue", "assess", "X", "--scores", str(tmp_path / "broken.json")]
    )
    assert broken.exit_code == 2 and "JSON object" in broken.output
    unsigned = run.invoke(
        app, ["catalogue", "pending"], env={"PRAKERJA_CLIENT_CODE": "", "PRAKERJA_SIGN_KEY": ""}
    )
    assert unsigned.exit_code == 2 and "role pmo" in unsigned.output


def test_the_same_command_twice_in_one_second_is_not_a_replay(
    run: CliRunner, office: Partner
) -> None:
    """Each signature is accepted once; a repeated command signs itself a little earlier."""
    body = {"course_code": "NO-SUCH-COURSE"}
    now = int(time.time())
    for ahead in range(3):  # the signatures this command would carry for the next seconds
        office.post(SHOW_SUBMISSION.path, body, timestamp=now + ahead)
    again = run.invoke(app, ["catalogue", "show", "NO-SUCH-COURSE", "--json"])
    assert json.loads(again.output)["code"] == "ERRCAT40401", again.output
