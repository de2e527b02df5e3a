"""``report.html``: one self-contained page (no scripts, no fetches) with every check's evidence.

The verdict and a bar of the outcomes first; then the checks that did not pass, opened, each with
what was received and expected and its exchanges; then every other check, folded. All text is
escaped; the evidence is already redacted.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from conformance.events import Event, RunFinished
from contract.certification import CheckResult, Exchange, Outcome, RunReport
from contract.requirements import REQUIREMENTS

COLOURS = {
    Outcome.PASSED: "#2e7d32",
    Outcome.FAILED: "#c62828",
    Outcome.ERRORED: "#8e24aa",
    Outcome.WAIVED: "#f9a825",
    Outcome.STALE_WAIVER: "#ef6c00",
}
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1c1e21}
main{max-width:70rem;margin:auto;padding:1.5rem}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.meta{color:#555}.meta code{color:#333}
.verdict{display:inline-block;padding:.2rem .7rem;border-radius:4px;color:#fff;font-weight:700}
.bar{display:flex;height:1.1rem;border-radius:4px;overflow:hidden;margin:.8rem 0 .3rem}
.legend span{margin-right:1rem}.dot{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.3rem}
details{background:#fff;border-radius:6px;margin:.35rem 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
summary{cursor:pointer;padding:.5rem .8rem;list-style-position:inside}
summary .id{font-weight:600;font-family:ui-monospace,monospace}
.body{padding:.2rem .9rem .8rem}.tag{font-size:.75rem;padding:.05rem .4rem;border-radius:3px;color:#fff;margin-left:.4rem}
pre{background:#f0f1f3;padding:.5rem;border-radius:4px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
.ex{border-left:3px solid #ccd;padding-left:.6rem;margin:.6rem 0}.k{color:#555}
"""


def _tag(outcome: Outcome) -> str:
    return f'<span class="tag" style="background:{COLOURS[outcome]}">{outcome.value}</span>'


def _exchange(e: Exchange) -> str:
    arrow = "harness → partner" if e.direction == "to_partner" else "partner → harness/sandbox"
    status = str(e.status) if e.status is not None else "no answer"
    headers = "\n".join(f"{k}: {v}" for k, v in e.request_headers.items())
    answer_headers = "\n".join(f"{k}: {v}" for k, v in e.response_headers.items())
    parts = [
        f'<div class="ex"><div><b>{escape(e.method)} {escape(e.url)}</b> → <b>{escape(status)}</b>'
        f' <span class="k">{escape(arrow)}, {escape(e.at)}'
        + (f", {e.elapsed_ms} ms" if e.elapsed_ms is not None else "")
        + "</span></div>"
    ]
    if e.note:
        parts.append(f"<div>{escape(e.note)}</div>")
    if headers or e.request_body:
        parts.append(f"<pre>{escape(headers)}\n\n{escape(e.request_body or '')}</pre>")
    if answer_headers or e.response_body:
        parts.append(f"<pre>{escape(answer_headers)}\n\n{escape(e.response_body or '')}</pre>")
    parts.append("</div>")
    return "".join(parts)


def _result(r: CheckResult, *, open_: bool) -> str:
    requirement = REQUIREMENTS.get(r.requirement_id)
    statement = requirement.statement if requirement else ""
    clause = requirement.clause if requirement else ""
    variant = f" <span class='k'>[{escape(r.variant)}]</span>" if r.variant else ""
    lines = [
        f"<details{' open' if open_ else ''}><summary><span class='id'>{escape(r.requirement_id)}"
        f"</span> {escape(r.level.value)} {_tag(r.outcome)} {escape(r.check)}{variant} "
        f"<span class='k'>— {escape(statement)}</span></summary><div class='body'>",
        f"<div class='k'>Clause: {escape(clause)} · {r.duration_ms} ms</div>",
    ]
    if r.message:
        lines.append(f"<p>{escape(r.message)}</p>")
    if r.received is not None:
        lines.append(f"<div><b>Received</b><pre>{escape(r.received)}</pre></div>")
    if r.expected is not None:
        lines.append(f"<div><b>Expected</b><pre>{escape(r.expected)}</pre></div>")
    if r.waiver:
        lines.append(f"<p>Waived until {escape(r.waiver.expires)}: {escape(r.waiver.reason)}</p>")
    lines.extend(_exchange(e) for e in r.evidence)
    if not r.evidence:
        lines.append("<div class='k'>No exchanges.</div>")
    lines.append("</div></details>")
    return "".join(lines)


def html_report(report: RunReport) -> str:
    """The report as one HTML page."""
    s = report.summary
    total = max(1, s.checks)
    counts = {o: sum(1 for r in report.results if r.outcome is o) for o in Outcome}
    bar = "".join(
        f'<div style="width:{100 * n / total:.2f}%;background:{COLOURS[o]}" '
        f'title="{o.value}: {n}"></div>'
        for o, n in counts.items()
        if n
    )
    legend = "".join(
        f'<span><span class="dot" style="background:{COLOURS[o]}"></span>{o.value} {n}</span>'
        for o, n in counts.items()
    )
    bad = [r for r in report.results if r.outcome is not Outcome.PASSED]
    good = [r for r in report.results if r.outcome is Outcome.PASSED]
    verdict_colour = COLOURS[Outcome.PASSED if s.passed_run else Outcome.FAILED]
    title = f"{report.partner} — {report.role.value} ({report.mode.value})"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Certification report: {escape(title)}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>Certification report: {escape(title)}</h1>"
        f'<span class="verdict" style="background:{verdict_colour}">'
        f"{'PASSED' if s.passed_run else 'FAILED'}</span> "
        f"<span class='meta'>{s.must_failures} MUST and {s.should_failures} SHOULD failures "
        f"in {s.checks} checks</span>"
        f'<div class="bar">{bar}</div><div class="legend meta">{legend}</div>'
        f"<p class='meta'>Target <code>{escape(report.target)}</code> · capabilities "
        f"<code>{escape(', '.join(report.capabilities) or 'none')}</code> · contract "
        f"{escape(report.contract_version)} · catalogue {escape(report.catalogue_version)} · "
        f"harness {escape(report.harness_version)}<br>Run <code>{escape(report.run_id)}</code>, "
        f"{escape(report.started_at)} – {escape(report.finished_at)} · digest "
        f"<code>{escape(report.digest)}</code></p>"
        f"<h2>Not passed ({len(bad)})</h2>"
        + ("".join(_result(r, open_=True) for r in bad) or "<p class='meta'>None.</p>")
        + f"<h2>Passed ({len(good)})</h2>"
        + "".join(_result(r, open_=False) for r in good)
        + "<p class='meta'>Secrets and NIKs are redacted: equal fingerprints (fp:…) stand for "
        "equal values within this report.</p></main></body></html>\n"
    )


class HtmlReporter:
    """Writes ``report.html`` when the run finishes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def handle(self, event: Event) -> None:
        """Write the file at the end."""
        if isinstance(event, RunFinished):
            self.path.write_text(html_report(event.report), encoding="utf-8")
