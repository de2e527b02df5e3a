"""Line charts as inline SVG: the report is one self-contained HTML file, with no plotting library.

A chart is a few named series of (x, y) points on shared axes, x in seconds since the start.
"""

from __future__ import annotations

import math
from html import escape

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf")
WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 40

Series = dict[str, list[tuple[float, float]]]


def nice_step(span: float, most: int = 5) -> float:
    """A round tick step (1, 2, 2.5, 5 × a power of ten) giving at most ``most`` steps."""
    if span <= 0:
        return 1.0
    rough = span / most
    power = 10.0 ** math.floor(math.log10(rough))
    for step in (1, 2, 2.5, 5, 10):
        if rough <= step * power:
            return step * power
    return 10 * power


def axis(span: float) -> tuple[float, list[float]]:
    """The axis end (a whole number of steps at or above ``span``) and its ticks from 0."""
    step = nice_step(span)
    steps = max(1, math.ceil(span / step - 1e-9))
    return step * steps, [step * n for n in range(steps + 1)]


def _label(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def line_chart(title: str, series: Series, y_label: str, *, x_label: str = "seconds") -> str:
    """An SVG chart of ``series`` (points sorted by x); an empty chart says there is no data."""
    points = [p for values in series.values() for p in values]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
    )
    if not points:
        return head + f'<text x="{LEFT}" y="{HEIGHT // 2}" fill="#777">no data</text></svg>'
    x_max, x_ticks = axis(max(x for x, _ in points))
    y_max, y_ticks = axis(max(y for _, y in points))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + plot_w * x / x_max

    def sy(y: float) -> float:
        return TOP + plot_h * (1 - y / y_max)

    parts = [head]
    for y in y_ticks:  # grid and ticks
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" '
            'stroke="#e5e5e5"/>'
            f'<text x="{LEFT - 6}" y="{sy(y) + 4:.1f}" font-size="11" text-anchor="end">'
            f"{_label(y)}</text>"
        )
    for x in x_ticks:
        parts.append(
            f'<text x="{sx(x):.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" '
            f'text-anchor="middle">{_label(x)}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 6}" font-size="11" '
        f'text-anchor="middle">{escape(x_label)}</text>'
        f'<text x="14" y="{TOP + plot_h / 2:.0f}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2:.0f})">{escape(y_label)}</text>'
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#999"/>'
    )
    legend_x = LEFT + 8
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        if values:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in values)
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{path}"/>'
            )
        parts.append(
            f'<rect x="{legend_x}" y="{TOP + 6}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{TOP + 15}" font-size="11">{escape(name)}</text>'
        )
        legend_x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def bars(rows: list[tuple[str, int]], *, total: int | None = None) -> str:
    """Horizontal bars as an HTML table (the funnel): label, count, share of ``total``."""
    top = total or max((n for _, n in rows), default=0) or 1
    out = ['<table class="bars">']
    for name, n in rows:
        width = max(0.0, min(100.0, 100 * n / top))
        out.append(
            f"<tr><td>{escape(name)}</td><td class='num'>{n:,}</td>"
            f"<td class='num'>{100 * n / top:.0f}%</td>"
            f"<td class='bar'><div style='width:{width:.1f}%'></div></td></tr>"
        )
    out.append("</table>")
    return "".join(out)
