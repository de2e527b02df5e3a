"""The runner and its reporters, with a small suite of checks written for the purpose: outcomes
by base class, events in order, waivers, and reports that carry evidence but no secret or NIK."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from conformance.errors import HarnessError, PartnerFailure, UsageError
from conformance.events import CheckFinished, CheckStarted, Event, Progress, RunFinished, RunStarted
from conformance.evidence import RawExchange, Redactor
from conformance.files import WaiverEntry
from conformance.reporters.html import HtmlReporter
from conformance.reporters.json_report import JsonReporter
from conformance.reporters.junit import JunitReporter
from conformance.runner import Runner, exit_code
from conformance.suite import Context, Suite
from contract.certification import Outcome, RunReport, report_digest
from contract.endpoints import Role
from contract.requirements import Mode

SIGN_KEY = "k3y-of-the-partner-0123456789abcdef"
NIK = "3171014505950002"  # a woman born 5 May 1995 in Jakarta Pusat: shaped like a real NIK
OTP = "482913"


class Recorder:
    """Keeps every event."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        """Keep it."""
        self.events.append(event)


def _suite() -> Suite[Context]:
    suite: Suite[Context] = Suite(Role.DP, Mode.CLIENT, "test")

    @suite.prepare
    def _prepare(ctx: Context) -> None:
        ctx.progress("prepared")

    @suite.check("DP-SIGN-001")
    def passes(ctx: Context) -> None:
        ctx.evidence.add(
            RawExchange(
                "from_partner", "POST", "http://127.0.0.1:9/api/v1/integration/payment/send-otp",
                {"signature": "ab" * 20, "client_code": "dp-1", "X-Key": SIGN_KEY},
                json.dumps({"otp": OTP, "nik": NIK, "note": f"nik {NIK} key {SIGN_KEY}"}).encode(),
                200, {}, json.dumps({"payment_token": "tok-secret-123456"}).encode(),
            )
        )  # fmt: skip

    @suite.check("DP-SIGN-002")
    def fails(ctx: Context) -> None:
        raise PartnerFailure("Wrong signature.", received="ERRAUT40103", expected="200")

    @suite.check("DP-SIGN-003")
    def cannot_judge(ctx: Context) -> None:
        raise HarnessError("scenario not driven")

    @suite.check("DP-SIGN-004")
    def has_a_bug(ctx: Context) -> None:
        raise KeyError("oops")

    @suite.check("DP-ERR-001", variants=("a", "b"))
    def per_variant(ctx: Context) -> None:
        if ctx.variant == "b":
            raise PartnerFailure(f"variant {ctx.variant}")

    @suite.check("DP-PAY-003")  # a SHOULD
    def should_fails(ctx: Context) -> None:
        raise PartnerFailure("no quota check")

    return suite


def _context(capabilities: frozenset[str] = frozenset({"quota_check"})) -> Context:
    return Context(
        role=Role.DP,
        mode=Mode.CLIENT,
        partner="dp-test",
        target="http://127.0.0.1:9",
        capabilities=capabilities,
        redactor=Redactor([SIGN_KEY]),
    )


def _run(waivers: list[WaiverEntry] | None = None) -> tuple[RunReport, Recorder]:
    recorder = Recorder()
    report = Runner(
        _suite(), _context(), handlers=[recorder], waivers=waivers, today=lambda: date(2025, 6, 1)
    ).run()
    return report, recorder


def _outcomes(report: RunReport) -> dict[tuple[str, str | None], Outcome]:
    return {(r.requirement_id, r.variant): r.outcome for r in report.results}


def test_outcomes_follow_the_base_class_and_gaps_error() -> None:
    report, _ = _run()
    outcomes = _outcomes(report)
    assert outcomes[("DP-SIGN-001", None)] is Outcome.PASSED
    assert outcomes[("DP-SIGN-002", None)] is Outcome.FAILED
    assert outcomes[("DP-SIGN-003", None)] is Outcome.ERRORED
    assert outcomes[("DP-SIGN-004", None)] is Outcome.ERRORED
    assert (outcomes[("DP-ERR-001", "a")], outcomes[("DP-ERR-001", "b")]) == (
        Outcome.PASSED, Outcome.FAILED,
    )  # fmt: skip
    bug = next(r for r in report.results if r.requirement_id == "DP-SIGN-004")
    assert "KeyError" in bug.message and "test_runner.py" in bug.message
    failed = next(r for r in report.results if r.requirement_id == "DP-SIGN-002")
    assert (failed.received, failed.expected) == ("ERRAUT40103", "200")
    gaps = {r.requirement_id for r in report.results if r.check == "not_implemented"}
    assert "DP-PAY-001" in gaps and "DP-VOID-001" not in gaps  # void is not declared
    assert all(outcomes[(g, None)] is Outcome.ERRORED for g in gaps)
    assert report.summary.should_failures == 1
    assert report.summary.must_failures == len(report.results) - 3  # 2 passes, 1 SHOULD
    assert exit_code(report) == 1 and report.digest == report_digest(report)


def test_events_come_in_order_and_the_report_is_the_last() -> None:
    report, recorder = _run()
    kinds = [type(e) for e in recorder.events]
    assert kinds[0] is RunStarted and kinds[1] is Progress and kinds[-1] is RunFinished
    started = [e for e in recorder.events if isinstance(e, CheckStarted)]
    finished = [e for e in recorder.events if isinstance(e, CheckFinished)]
    assert len(started) == len(finished) == len(report.results)
    assert [e.result for e in finished] == report.results
    run_started = recorder.events[0]
    assert isinstance(run_started, RunStarted) and len(run_started.planned) == len(report.results)


def test_waivers_hide_a_failure_until_they_expire_and_a_fixed_check_fails_the_run() -> None:
    waivers = [
        WaiverEntry("DP-SIGN-002", None, "known: fixed in 2.3", date(2025, 7, 1)),
        WaiverEntry("DP-SIGN-001", "passes", "was broken", date(2025, 7, 1)),
        WaiverEntry("DP-ERR-001", None, "expired one", date(2025, 5, 1)),
    ]
    report, _ = _run(waivers)
    outcomes = _outcomes(report)
    assert outcomes[("DP-SIGN-002", None)] is Outcome.WAIVED
    assert outcomes[("DP-SIGN-001", None)] is Outcome.STALE_WAIVER
    assert outcomes[("DP-ERR-001", "b")] is Outcome.FAILED
    expired = next(r for r in report.results if r.variant == "b")
    assert "waiver expired on 2025-05-01" in expired.message
    stale = next(r for r in report.results if r.requirement_id == "DP-SIGN-001")
    assert stale.waiver is not None and "remove the waiver" in stale.message


def test_a_run_with_nothing_to_judge_is_refused() -> None:
    suite: Suite[Context] = Suite(Role.DP, Mode.SERVER, "webhooks")
    with pytest.raises(UsageError, match="nothing to judge"):
        Runner(suite, _context(frozenset())).run()


def test_reports_carry_the_evidence_but_no_secret_or_nik(tmp_path: Path) -> None:
    recorder = Recorder()
    handlers = [
        recorder,
        JsonReporter(tmp_path / "report.json"),
        JunitReporter(tmp_path / "junit.xml"),
        HtmlReporter(tmp_path / "report.html"),
    ]
    report = Runner(_suite(), _context(), handlers=handlers).run()
    for name in ("report.json", "junit.xml", "report.html"):
        text = (tmp_path / name).read_text()
        for secret in (SIGN_KEY, NIK, OTP, "tok-secret-123456", "ab" * 20):
            assert secret not in text, f"{secret} in {name}"
    html = (tmp_path / "report.html").read_text()
    assert "send-otp" in html and "317101******0002" in html and "Wrong signature." in html
    assert RunReport.model_validate_json((tmp_path / "report.json").read_text()) == report
    suite = ET.fromstring((tmp_path / "junit.xml").read_bytes())
    assert suite.get("tests") == str(len(report.results))
    failures = suite.findall("testcase/failure")
    assert len(failures) == report.summary.failed
    assert any("Received: ERRAUT40103" in (f.text or "") for f in failures)
    assert len(suite.findall("testcase/error")) == report.summary.errored
