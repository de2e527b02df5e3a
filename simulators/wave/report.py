"""The funnel for people: a Rich table, a JSON file, and one self-contained HTML page with the
funnel chart (inline SVG: no script, no network, opens anywhere)."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from rich.console import Console
from rich.table import Table

from simulators.wave.funnel import Funnel

BAR_WIDTH = 560
ROW_HEIGHT = 26


def rupiah(amount: int) -> str:
    """``Rp1.234.500`` (Indonesian grouping)."""
    return "Rp" + f"{amount:,}".replace(",", ".")


def _share(count: int, base: int) -> str:
    return f"{count / base:.1%}" if base else "–"


def print_funnel(funnel: Funnel, console: Console) -> None:
    """The funnel, the branches, the reasons, the money and the checks, as tables."""
    base = funnel.counts["people"]
    table = Table(title=f"Wave {funnel.wave_code} — seed {funnel.seed}, scheme {funnel.scheme}")
    table.add_column("step")
    table.add_column("people", justify="right")
    table.add_column("of all", justify="right")
    for _, label, count in funnel.rows():
        table.add_row(label, f"{count:,}", _share(count, base))
    console.print(table)
    if funnel.branch_rows() or funnel.reasons or funnel.problems:
        side = Table(title="Branches and reasons")
        side.add_column("what")
        side.add_column("people", justify="right")
        for _, label, count in funnel.branch_rows():
            side.add_row(label, f"{count:,}")
        for reason, count in sorted(funnel.reasons.items(), key=lambda kv: -kv[1]):
            side.add_row(f"  ineligible: {reason}", f"{count:,}")
        for problem, count in sorted(funnel.problems.items(), key=lambda kv: -kv[1]):
            side.add_row(problem, f"{count:,}")
        console.print(side)
    if funnel.money:
        money = Table(title="Money moved (integer rupiah)")
        money.add_column("what")
        money.add_column("amount", justify="right")
        for kind, amount in sorted(funnel.money.items()):
            money.add_row(kind, rupiah(amount))
        console.print(money)
    checks = Table(title="Rules checked on the run")
    checks.add_column("rule")
    checks.add_column("result")
    checks.add_column("detail")
    for check in funnel.checks:
        checks.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAILED[/]", check.detail)
    console.print(checks)
    console.print(
        f"{funnel.requests:,} requests ({funnel.retries:,} retried); "
        + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in funnel.stages)
    )


def funnel_svg(funnel: Funnel) -> str:
    """Horizontal bars, one per step, widths proportional to the people who reached it."""
    rows = funnel.rows()
    base = max((count for _, _, count in rows), default=0) or 1
    label_width = 300
    height = ROW_HEIGHT * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + BAR_WIDTH + 120}" '
        f'height="{height}" role="img" aria-label="funnel">'
    ]
    for i, (_, label, count) in enumerate(rows):
        y = 5 + i * ROW_HEIGHT
        width = max(1.0, BAR_WIDTH * count / base)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{width:.1f}" height="{ROW_HEIGHT - 6}" '
            f'fill="#0b5ed7" rx="3"><title>{count:,}</title></rect>'
            f'<text x="{label_width + width + 6:.1f}" y="{y + 17}" font-size="13">'
            f"{count:,} ({_share(count, funnel.counts['people'])})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def html_report(funnel: Funnel) -> str:
    """The whole report as one HTML document."""

    def rows(items: list[tuple[str, str]]) -> str:
        return "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td></tr>" for a, b in items)

    branches = [(label, f"{count:,}") for _, label, count in funnel.branch_rows()]
    branches += [(p, f"{c:,}") for p, c in sorted(funnel.problems.items(), key=lambda kv: -kv[1])]
    reasons = [(r, f"{c:,}") for r, c in sorted(funnel.reasons.items(), key=lambda kv: -kv[1])]
    money = [(k, rupiah(v)) for k, v in sorted(funnel.money.items())]
    checks = "".join(
        f'<tr class="{"ok" if c.ok else "bad"}"><td>{escape(c.name)}</td>'
        f"<td>{'ok' if c.ok else 'FAILED'}</td><td>{escape(c.detail)}</td></tr>"
        for c in funnel.checks
    )
    stages = [(name, f"{seconds:.1f} s") for name, seconds in funnel.stages]
    notes = "".join(f"<li>{escape(n)}</li>" for n in funnel.notes)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Simulated wave {escape(funnel.wave_code)}</title><style>
body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}}h1{{font-size:1.4rem}}
table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}td,th{{border-bottom:1px solid #ddd;
padding:.3rem .8rem;text-align:left}}tr.bad td{{color:#b02a37;font-weight:600}}
tr.ok td:nth-child(2){{color:#146c43}}section{{max-width:1100px}}</style></head><body><section>
<h1>Simulated wave {escape(funnel.wave_code)}</h1>
<p>Seed {funnel.seed}, scheme {escape(funnel.scheme)}, {funnel.counts["people"]:,} people;
{funnel.requests:,} requests ({funnel.retries:,} retried).
{"All rules held." if funnel.ok else "<strong>Some rules failed: see below.</strong>"}</p>
<h2>Funnel</h2>{funnel_svg(funnel)}
<h2>Branches</h2><table>{rows(branches)}</table>
<h2>Ineligible, by reason</h2><table>{rows(reasons)}</table>
<h2>Money moved</h2><table>{rows(money)}</table>
<h2>Rules checked on the run</h2><table><tr><th>rule</th><th>result</th><th>detail</th></tr>
{checks}</table>
<h2>Stages</h2><table>{rows(stages)}</table>
<h2>Notes</h2><ul>{notes}</ul>
</section></body></html>
"""


def write_reports(funnel: Funnel, folder: Path) -> dict[str, Path]:
    """``funnel.json`` and ``funnel.html`` in ``folder``; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {"json": folder / "funnel.json", "html": folder / "funnel.html"}
    written["json"].write_text(json.dumps(funnel.as_dict(), indent=2) + "\n", encoding="utf-8")
    written["html"].write_text(html_report(funnel), encoding="utf-8")
    return written
