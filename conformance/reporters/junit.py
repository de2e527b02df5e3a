"""JUnit XML, for CI: one testsuite per run, one testcase per check, failures with evidence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from conformance.events import Event, RunFinished
from contract.certification import Outcome, RunReport

FAILING = {Outcome.FAILED: "failure", Outcome.STALE_WAIVER: "failure", Outcome.ERRORED: "error"}


def _seconds(start: str, end: str) -> float:
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return 0.0


def junit_xml(report: RunReport) -> bytes:
    """The report as JUnit XML."""
    s = report.summary
    suite = ET.Element(
        "testsuite",
        name=f"prakerja-certify {report.role.value} {report.mode.value}",
        tests=str(s.checks),
        failures=str(s.failed + s.stale_waivers),
        errors=str(s.errored),
        skipped=str(s.waived),
        time=f"{_seconds(report.started_at, report.finished_at):.3f}",
        timestamp=report.started_at,
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("partner", report.partner),
        ("target", report.target),
        ("run_id", report.run_id),
        ("contract_version", report.contract_version),
        ("catalogue_version", report.catalogue_version),
        ("digest", report.digest),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    for r in report.results:
        name = f"{r.requirement_id} {r.check}" + (f" [{r.variant}]" if r.variant else "")
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{report.role.value}.{r.requirement_id.split('-')[1].lower()}",
            name=name,
            time=f"{r.duration_ms / 1000:.3f}",
        )
        detail = "\n".join(
            part
            for part in (
                f"[{r.level.value}] {r.message}",
                f"Received: {r.received}" if r.received is not None else "",
                f"Expected: {r.expected}" if r.expected is not None else "",
            )
            if part
        )
        if r.outcome in FAILING:
            element = ET.SubElement(
                case, FAILING[r.outcome], message=r.message[:500], type=r.outcome.value
            )
            element.text = detail
        elif r.outcome is Outcome.WAIVED:
            reason = r.waiver.reason if r.waiver else ""
            ET.SubElement(
                case,
                "skipped",
                message=f"waived until {r.waiver.expires if r.waiver else '?'}: {reason}",
            )
        if r.evidence:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(
                f"{e.method} {e.url} -> {e.status if e.status is not None else e.note}"
                for e in r.evidence
            )
    ET.indent(suite)
    text: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return text


class JunitReporter:
    """Writes ``junit.xml`` when the run finishes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def handle(self, event: Event) -> None:
        """Write the file at the end."""
        if isinstance(event, RunFinished):
            self.path.write_bytes(junit_xml(event.report))
