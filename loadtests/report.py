"""One HTML report of a run, from what the run left in its folder; also its key figures as data.

Read: Locust's CSVs (``locust_stats.csv``, ``_stats_history.csv``, ``_failures.csv``,
``_exceptions.csv``), the deciding node's ``summary.json`` (funnel, timings, rows used, why it
stopped), ``metrics.jsonl`` (the server's ``/metrics`` scraped during the run) and ``run.json``
(what was run, against what, the machine's load). Written: ``report.html``, self-contained
(inline SVG plots): throughput and users, latency percentiles and errors over time, the funnel,
every request's figures, the server's own view (requests, latency, queue, pool, CPU) and the
capacity figure. Nothing here imports Locust.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from contract import metrics as names
from loadtests.capacity import DEFAULT_P99_MS, Capacity, capacity
from loadtests.plots import Series, bars, line_chart
from loadtests.profiles import Journey
from loadtests.tally import Tally

PREFIX = "locust"
REPORT = "report.html"
SUMMARY = "summary.json"
METRICS = "metrics.jsonl"
RUN = "run.json"
FUNNEL = (
    "started", "account", "e-mail verified", "phone verified", "identity submitted",
    "selfie submitted", "verdict", "eligible", "joined",
)  # fmt: skip
# What one completed journey is, per journey kind (a funnel step or timing of the tally).
COMPLETED = {
    Journey.REGISTRANT.value: "verdict",
    Journey.BUYER.value: "buyer: voided",
    Journey.LEARNER.value: "learner: reset",
    Journey.PAYER.value: "payer: paid",
}
Samples = list[tuple[str, dict[str, str], float]]


@dataclass(frozen=True)
class Scrape:
    """One read of the server's ``/metrics``, ``t`` seconds into the run."""

    t: float
    samples: Samples
    full: bool = True  # every sample; else only gauges and the total of requests

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` whose labels include ``labels``."""
        return sum(
            v
            for n, ls, v in self.samples
            if n == name and all(ls.get(k) == want for k, want in labels.items())
        )


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file's rows (none when it is missing)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_scrapes(path: Path) -> list[Scrape]:
    """The scrapes of ``metrics.jsonl``."""
    if not path.exists():
        return []
    scrapes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        samples = [(n, ls, float(v)) for n, ls, v in raw["samples"]]
        scrapes.append(Scrape(raw["t"], samples, bool(raw.get("full", True))))
    return scrapes


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "", "N/A") else None
    except ValueError:
        return None


def completed(tally: Tally, journey: str) -> int:
    """Journeys of a kind that ran to their end."""
    if journey == Journey.REGISTRANT.value:
        timing = tally.timings.get("selfie to verdict")
        return timing.count if timing else 0
    return tally.counts.get(COMPLETED[journey], 0)


def server_routes(first: Scrape, last: Scrape) -> list[dict[str, Any]]:
    """Per route, what the server counted between two scrapes: requests, errors, mean, p99."""
    counted: dict[tuple[str, str], dict[str, Any]] = {}
    total = f"{names.REQUESTS}_total"
    for name, labels, value in last.samples:
        if name != total:
            continue
        key = (labels.get("method", ""), labels.get("route", ""))
        delta = value - first.value(name, **labels)
        row = counted.setdefault(key, {"requests": 0.0, "4xx": 0.0, "5xx": 0.0})
        row["requests"] += delta
        status = labels.get("status", "")
        if status.startswith("4"):
            row["4xx"] += delta
        elif status.startswith("5"):
            row["5xx"] += delta
    out = []
    for (method, route), row in counted.items():
        if row["requests"] <= 0:
            continue
        labels = {"method": method, "route": route}
        count = last.value(f"{names.REQUEST_SECONDS}_count", **labels) - first.value(
            f"{names.REQUEST_SECONDS}_count", **labels
        )
        seconds = last.value(f"{names.REQUEST_SECONDS}_sum", **labels) - first.value(
            f"{names.REQUEST_SECONDS}_sum", **labels
        )
        buckets = sorted(
            (float(ls["le"]), v - first.value(n, **ls))
            for n, ls, v in last.samples
            if n == f"{names.REQUEST_SECONDS}_bucket"
            and ls.get("method") == method
            and ls.get("route") == route
        )
        p99 = next((le for le, n in buckets if count and n >= 0.99 * count), None)
        out.append(
            {
                "method": method,
                "route": route,
                **{k: int(v) for k, v in row.items()},
                "mean_ms": round(1000 * seconds / count, 1) if count else None,
                "p99_ms_at_most": None if p99 is None else p99 * 1000,
            }
        )
    return sorted(out, key=lambda r: -r["requests"])


def build(folder: Path) -> dict[str, Any]:
    """Write ``report.html`` in ``folder``; the run's key figures."""
    run = json.loads((folder / RUN).read_text(encoding="utf-8")) if (folder / RUN).exists() else {}
    summary_path = folder / SUMMARY
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    tally = Tally.from_data(summary.get("tally", {}))
    verdicts = sum(n for step, n in tally.counts.items() if step.startswith("ineligible: "))
    tally.counts["verdict"] = verdicts + tally.counts.get("eligible", 0)
    stats = read_rows(folder / f"{PREFIX}_stats.csv")
    history = read_rows(folder / f"{PREFIX}_stats_history.csv")
    failures = read_rows(folder / f"{PREFIX}_failures.csv")
    exceptions = read_rows(folder / f"{PREFIX}_exceptions.csv")
    scrapes = read_scrapes(folder / METRICS)
    aggregated = next((r for r in stats if r.get("Name") == "Aggregated"), {})
    requests = int(_number(aggregated.get("Request Count")) or 0)
    failed = int(_number(aggregated.get("Failure Count")) or 0)
    p99 = _number(aggregated.get("99%"))
    figures: dict[str, Any] = {
        "profile": run.get("profile"),
        "sandbox": run.get("sandbox"),
        "requests": requests,
        "failures": failed,
        "failure_ratio": round(failed / requests, 4) if requests else 0.0,
        "requests_per_second": _number(aggregated.get("Requests/s")),
        "p50_ms": _number(aggregated.get("50%")),
        "p95_ms": _number(aggregated.get("95%")),
        "p99_ms": p99,
        "funnel": dict(tally.counts),
        "timings": {
            what: {
                "count": t.count,
                "p50_s": t.percentile(0.5),
                "p95_s": t.percentile(0.95),
                "p99_s": t.percentile(0.99),
            }
            for what, t in tally.timings.items()
        },
        "rows": summary.get("rows"),
        "stopped_by": summary.get("stopped_by", ""),
        "locust_exit_code": run.get("exit_code"),
        "report": str(folder / REPORT),
    }
    server = _server_figures(scrapes)
    figures["server"] = server
    cap = _capacity(run, summary, tally, server, p99)
    figures["capacity"] = cap.to_data() if cap else None
    html = _html(run, figures, tally, stats, history, failures, exceptions, scrapes, cap)
    (folder / REPORT).write_text(html, encoding="utf-8")
    return figures


def _server_figures(scrapes: list[Scrape]) -> dict[str, Any]:
    if len(scrapes) < 2:
        return {"available": False}
    first, last = scrapes[0], scrapes[-1]
    full = [s for s in scrapes if s.full]
    wall = last.t - first.t
    cpu = last.value(names.CPU_SECONDS) - first.value(names.CPU_SECONDS)
    return {
        "available": True,
        "processes": int(max(s.value(names.PROCESSES) for s in scrapes)),
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 3),
        "cores_busy": round(cpu / wall, 3) if wall > 0 else None,
        "routes": server_routes(full[0], full[-1]) if len(full) >= 2 else [],
        "max_in_progress": max(s.value(names.IN_PROGRESS) for s in scrapes),
        "max_outbox_pending": max(s.value(names.OUTBOX_JOBS, status="pending") for s in scrapes),
        "max_pool_checked_out": max(s.value(names.DB_POOL_CHECKED_OUT) for s in scrapes),
        "pool_capacity": last.value(names.DB_POOL_CAPACITY),
    }


def _capacity(
    run: dict[str, Any],
    summary: dict[str, Any],
    tally: Tally,
    server: dict[str, Any],
    p99: float | None,
) -> Capacity | None:
    mix = [j for j, w in summary.get("plan", {}).get("mix", {}).items() if w > 0]
    if len(mix) != 1 or not server.get("available"):
        return None  # CPU can be put down to a journey only when one kind ran
    return capacity(
        journey=mix[0],
        journeys=completed(tally, mix[0]),
        cpu_seconds=server["cpu_seconds"],
        wall_seconds=server["seconds"],
        processes=server["processes"],
        p99_ms=p99,
        target_p99_ms=float(run.get("target_p99_ms", DEFAULT_P99_MS)),
        peak_per_minute=int(run.get("peak_per_minute", 80_000)),
    )


# --- HTML ---------------------------------------------------------------------------------------

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;border-bottom:1px solid #eee;
text-align:left}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.bars td.bar{width:320px}.bars td.bar div{background:#1f77b4;height:12px}
.key{display:flex;flex-wrap:wrap;gap:12px}.key div{border:1px solid #ddd;padding:8px 12px;
border-radius:6px}.key b{display:block;font-size:18px}.bad{color:#b00020}.ok{color:#1b7f3b}
.note{color:#666}
"""


def _table(head: Iterable[str], rows: Iterable[Iterable[Any]], numeric_from: int = 1) -> str:
    head = list(head)
    out = ["<table><tr>"]
    out += [
        f"<th class='{'num' if i >= numeric_from else ''}'>{escape(h)}</th>"
        for i, h in enumerate(head)
    ]
    out.append("</tr>")
    for row in rows:
        cells = [
            f"<td class='{'num' if i >= numeric_from else ''}'>{escape(_fmt(v))}</td>"
            for i, v in enumerate(row)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _client_series(history: list[dict[str, str]]) -> dict[str, Series]:
    rows = [r for r in history if r.get("Name") == "Aggregated"]
    stamps = [_number(r.get("Timestamp")) for r in rows]
    start = min((s for s in stamps if s is not None), default=0.0)
    out: dict[str, Series] = {"load": {}, "latency": {}, "errors": {}}
    load: Series = {"users": [], "requests/s": [], "failures/s": []}
    latency: Series = {"p50": [], "p95": [], "p99": []}
    for row, stamp in zip(rows, stamps, strict=True):
        if stamp is None:
            continue
        t = stamp - start
        for key, column in (("users", "User Count"), ("requests/s", "Requests/s"), ("failures/s", "Failures/s")):  # fmt: skip
            value = _number(row.get(column))
            if value is not None:
                load[key].append((t, value))
        for key, column in (("p50", "50%"), ("p95", "95%"), ("p99", "99%")):
            value = _number(row.get(column))
            if value is not None:
                latency[key].append((t, value))
    out["load"] = load
    out["latency"] = latency
    out["errors"] = {"failures/s": load["failures/s"]}
    return out


def _server_series(scrapes: list[Scrape]) -> dict[str, Series]:
    if len(scrapes) < 2:
        return {}
    work: Series = {"requests/s": []}
    cpu: Series = {"cores busy": []}
    for a, b in zip(scrapes, scrapes[1:], strict=False):
        dt = b.t - a.t
        if dt <= 0:
            continue
        done = b.value(f"{names.REQUESTS}_total") - a.value(f"{names.REQUESTS}_total")
        cpu_used = b.value(names.CPU_SECONDS) - a.value(names.CPU_SECONDS)
        work["requests/s"].append((b.t, max(done, 0) / dt))
        cpu["cores busy"].append((b.t, max(cpu_used, 0) / dt))
    queue: Series = {
        "in progress": [(s.t, s.value(names.IN_PROGRESS)) for s in scrapes],
        "outbox pending": [(s.t, s.value(names.OUTBOX_JOBS, status="pending")) for s in scrapes],
        "outbox running": [(s.t, s.value(names.OUTBOX_JOBS, status="running")) for s in scrapes],
    }
    pool: Series = {
        "checked out": [(s.t, s.value(names.DB_POOL_CHECKED_OUT)) for s in scrapes],
        "open": [(s.t, s.value(names.DB_POOL_CONNECTIONS)) for s in scrapes],
        "capacity": [(s.t, s.value(names.DB_POOL_CAPACITY)) for s in scrapes],
    }
    return {"work": work, "cpu": cpu, "queue": queue, "pool": pool}


def _html(
    run: dict[str, Any],
    figures: dict[str, Any],
    tally: Tally,
    stats: list[dict[str, str]],
    history: list[dict[str, str]],
    failures: list[dict[str, str]],
    exceptions: list[dict[str, str]],
    scrapes: list[Scrape],
    cap: Capacity | None,
) -> str:
    client = _client_series(history)
    server = figures["server"]
    ratio = figures["failure_ratio"]
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        f"<title>Load test {escape(str(run.get('profile', '')))}</title><style>{STYLE}</style>",
        f"<h1>Load test: {escape(str(run.get('profile', '?')))} against "
        f"{escape(str(run.get('sandbox', '?')))}</h1>",
        f"<p class='note'>{escape(str(run.get('started', '')))} → "
        f"{escape(str(run.get('ended', '')))}; {escape(str(run.get('machine', '')))}; "
        f"Locust workers: {escape(str(run.get('workers', 0)) or 'none (one process)')}.</p>",
        "<div class='key'>",
        f"<div>requests<b>{figures['requests']:,}</b></div>",
        f"<div>failures<b class='{'bad' if figures['failures'] else 'ok'}'>{figures['failures']:,}"
        f" ({ratio:.2%})</b></div>",
        f"<div>requests/s<b>{_fmt(figures['requests_per_second'])}</b></div>",
        f"<div>p50 / p95 / p99 ms<b>{_fmt(figures['p50_ms'])} / {_fmt(figures['p95_ms'])} / "
        f"{_fmt(figures['p99_ms'])}</b></div>",
        f"<div>verdicts<b>{tally.counts.get('verdict', 0):,}</b></div>",
        f"<div>joined<b>{tally.counts.get('joined', 0):,}</b></div>",
        "</div>",
    ]
    if figures["stopped_by"]:
        parts.append(f"<p class='bad'>The run stopped itself: {escape(figures['stopped_by'])}.</p>")
    parts.append("<h2>Capacity</h2>")
    if cap is not None:
        parts.append(f"<p><b>{escape(cap.sentence())}.</b></p>")
        parts.append(
            "<p class='note'>Server CPU per completed journey (from <code>/metrics</code>, all "
            "worker processes) and the share of the server's cores busy; see "
            "<code>docs/scaling.md</code> for the model.</p>"
        )
    else:
        parts.append(
            "<p class='note'>No figure: it needs a profile of one journey kind and the server's "
            "<code>/metrics</code>.</p>"
        )
    parts.append("<h2>Throughput and users</h2>")
    parts.append(line_chart("Users, requests/s and failures/s", client["load"], "per second"))
    parts.append("<h2>Latency over time</h2>")
    parts.append(line_chart("Response time percentiles (ms)", client["latency"], "ms"))
    parts.append("<h2>Errors</h2>")
    parts.append(line_chart("Failures per second", client["errors"], "failures/s"))
    if failures:
        parts.append(
            _table(
                ("request", "error", "occurrences"),
                (
                    (
                        f"{f.get('Method', '')} {f.get('Name', '')}",
                        f.get("Error", ""),
                        int(_number(f.get("Occurrences")) or 0),
                    )  # fmt: skip
                    for f in failures
                ),
                numeric_from=2,
            )
        )
    else:
        parts.append("<p class='ok'>No failed request.</p>")
    if exceptions:
        parts.append(
            _table(
                ("exception in the load test", "count"),
                ((e.get("Message", ""), e.get("Count", "")) for e in exceptions),
            )
        )
    parts.append("<h2>Funnel</h2>")
    started = tally.counts.get("started", 0)
    if started:
        parts.append(bars([(step, tally.counts.get(step, 0)) for step in FUNNEL], total=started))
    others = sorted((k, v) for k, v in tally.counts.items() if k not in FUNNEL)
    if others:
        parts.append(_table(("journey step or outcome", "count"), others))
    if tally.timings:
        parts.append(
            _table(
                ("journey timing", "count", "p50 s", "p95 s", "p99 s"),
                (
                    (what, t.count, t.percentile(0.5), t.percentile(0.95), t.percentile(0.99))
                    for what, t in sorted(tally.timings.items())
                ),
            )
        )
    rows = figures.get("rows") or {}
    if rows:
        parts.append(
            f"<p class='note'>Population rows {rows.get('first', 0):,} to {rows.get('next', 0):,} "
            "leased; the next run starts after them.</p>"
        )
    parts.append("<h2>Requests</h2>")
    parts.append(
        _table(
            ("request", "count", "failures", "req/s", "median ms", "p95 ms", "p99 ms", "max ms"),
            (
                (
                    r.get("Name", "") if r.get("Name") != "Aggregated" else "all",
                    int(_number(r.get("Request Count")) or 0),
                    int(_number(r.get("Failure Count")) or 0),
                    _number(r.get("Requests/s")),
                    _number(r.get("50%")),
                    _number(r.get("95%")),
                    _number(r.get("99%")),
                    _number(r.get("Max Response Time")),
                )
                for r in stats
            ),
        )
    )
    parts.append("<h2>The server's own metrics</h2>")
    if server.get("available"):
        series = _server_series(scrapes)
        parts.append(
            f"<p>{server['processes']} server process(es); {server['cpu_seconds']:.1f} s of "
            f"server CPU over {server['seconds']:.0f} s ({_fmt(server['cores_busy'])} cores busy); "
            f"at most {server['max_in_progress']:.0f} requests in progress, "
            f"{server['max_outbox_pending']:.0f} outbox jobs pending, "
            f"{server['max_pool_checked_out']:.0f} of {server['pool_capacity']:.0f} database "
            "connections in use.</p>"
        )
        parts.append(line_chart("Requests/s the server answered", series["work"], "per second"))
        parts.append(line_chart("Server CPU: cores busy", series["cpu"], "cores"))
        parts.append(line_chart("In progress and outbox queue", series["queue"], "count"))
        parts.append(line_chart("Database connections", series["pool"], "connections"))
        parts.append(
            _table(
                ("route", "requests", "4xx", "5xx", "mean ms", "p99 ms ≤"),
                (
                    (
                        f"{r['method']} {r['route']}",
                        r["requests"],
                        r["4xx"],
                        r["5xx"],
                        r["mean_ms"],
                        r["p99_ms_at_most"],
                    )  # fmt: skip
                    for r in server["routes"]
                ),
            )
        )
    else:
        parts.append("<p class='note'>The sandbox did not answer <code>/metrics</code>.</p>")
    parts.append("<h2>The run</h2>")
    parts.append(
        _table(
            ("setting", "value"),
            sorted((k, json.dumps(v) if isinstance(v, dict | list) else v) for k, v in run.items()),
        )
    )
    parts.append("</html>")
    return "\n".join(parts)
