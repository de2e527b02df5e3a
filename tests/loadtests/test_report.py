"""The report from what a run leaves in its folder: figures, the server's view, the plots."""

from __future__ import annotations

import json
from pathlib import Path

from contract import metrics as names
from loadtests import report
from loadtests.plots import axis, line_chart
from loadtests.tally import Tally

STATS = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
POST,POST registration/accounts,40,0,70,80,30,400,300,2.0,0.0,70,80,90,100,200,300,350,400,400,400,400
,Aggregated,400,0,7,20,1,400,300,20.0,0.0,7,10,12,15,31,74,200,250,400,400,400
"""
HISTORY_HEAD = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count\n"


def _scrape(t: float, requests: float, cpu: float, bucket_03: float, full: bool) -> str:
    labels = {"method": "POST", "route": "/api/v1/registration/accounts"}
    samples = [
        [names.CPU_SECONDS, {}, cpu],
        [names.PROCESSES, {}, 2],
        [names.IN_PROGRESS, {}, 3],
        [names.OUTBOX_JOBS, {"status": "pending"}, 5],
        [names.DB_POOL_CHECKED_OUT, {}, 4],
        [names.DB_POOL_CONNECTIONS, {}, 6],
        [names.DB_POOL_CAPACITY, {}, 60],
    ]
    if full:
        samples += [
            [f"{names.REQUESTS}_total", {**labels, "status": "200"}, requests],
            [f"{names.REQUEST_SECONDS}_count", labels, requests],
            [f"{names.REQUEST_SECONDS}_sum", labels, requests * 0.1],
            [f"{names.REQUEST_SECONDS}_bucket", {**labels, "le": "0.3"}, bucket_03],
            [f"{names.REQUEST_SECONDS}_bucket", {**labels, "le": "0.5"}, requests],
        ]
    else:
        samples.append([f"{names.REQUESTS}_total", {}, requests])
    return json.dumps({"t": t, "full": full, "samples": samples}) + "\n"


def test_a_run_folder_becomes_figures_and_one_html_file(tmp_path: Path) -> None:
    (tmp_path / "locust_stats.csv").write_text(STATS)
    rows = [f"{1000 + t},{4},,Aggregated,{t * 2},0,7,10,12,15,31,74,200,250,400,400,400,{t * 20},0\n" for t in range(10)]  # fmt: skip
    (tmp_path / "locust_stats_history.csv").write_text(HISTORY_HEAD + "".join(rows))
    (tmp_path / "locust_failures.csv").write_text("Method,Name,Error,Occurrences\n")
    tally = Tally()
    tally.count("started", 12)
    tally.count("eligible", 8)
    tally.count("ineligible: UNDERAGE", 2)
    for _ in range(10):
        tally.time("selfie to verdict", 1.2)
    summary = {
        "plan": {"mix": {"registrant": 1}},
        "tally": tally.to_data(),
        "rows": {"first": 0, "next": 64},
    }
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    (tmp_path / "metrics.jsonl").write_text(
        _scrape(0, 10, 1.0, 10, True)
        + _scrape(10, 60, 3.0, 0, False)
        + _scrape(20, 110, 5.0, 108, True)
    )
    (tmp_path / "run.json").write_text(
        json.dumps({"profile": "wave-opening", "sandbox": "http://x"})
    )

    figures = report.build(tmp_path)

    assert figures["funnel"]["verdict"] == 10  # eligible + every ineligible reason
    assert figures["p99_ms"] == 250 and figures["failures"] == 0
    server = figures["server"]
    assert server["processes"] == 2 and server["cpu_seconds"] == 4.0 and server["cores_busy"] == 0.2
    (route,) = server["routes"]
    assert route["requests"] == 100 and route["mean_ms"] == 100.0
    assert route["p99_ms_at_most"] == 500  # 98 of 100 under 0.3 s: the 99th is in the 0.5 bucket
    capacity = figures["capacity"]
    assert capacity["journeys"] == 10 and capacity["cpu_per_journey"] == 0.4
    html = (tmp_path / "report.html").read_text()
    assert "server cores" in html and "No failed request" in html and "UNDERAGE" in html
    assert html.count("<svg") == 7 and "no data" not in html  # 3 of the run, 4 of the server


def test_charts_have_round_ticks_and_say_when_there_is_nothing() -> None:
    assert axis(21) == (25, [0, 5, 10, 15, 20, 25])
    assert axis(3300)[0] == 4000
    assert "no data" in line_chart("empty", {"a": []}, "x")
    chart = line_chart("one", {"a": [(0, 1), (10, 3)]}, "per second")
    assert chart.startswith("<svg") and "<polyline" in chart
