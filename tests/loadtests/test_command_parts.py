"""Pieces of `prakerja loadtest` a user meets: durations, rows remembered per sandbox, Locust's argv."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from loadtests.profiles import Plan, Waits, steady
from loadtests.run import RunOptions, locust_command
from prakerja_cli.loadtest import next_row, parse_duration, record_rows


def test_durations_read_as_people_write_them() -> None:
    assert parse_duration("30s") == 30 and parse_duration("2m") == 120
    assert parse_duration("1m30s") == 90 and parse_duration("1h") == 3600
    assert parse_duration("45") == 45 and parse_duration("0.5s") == 0.5
    for bad in ("", "soon", "0s", "1d"):
        with pytest.raises(typer.BadParameter):
            parse_duration(bad)


def test_rows_used_are_remembered_per_sandbox_and_never_go_back(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    assert next_row(people, "http://127.0.0.1:8000") == 0
    record_rows(people, "http://127.0.0.1:8000/", 640)
    record_rows(people, "http://127.0.0.1:9000", 64)
    record_rows(people, "http://127.0.0.1:8000", 128)  # a run with --first-row 0 used fewer
    assert next_row(people, "http://127.0.0.1:8000") == 640
    assert next_row(people, "http://127.0.0.1:9000/") == 64


def test_workers_and_remote_workers_make_a_distributed_locust(tmp_path: Path) -> None:
    plan = Plan("wave-opening", {"registrant": 1}, steady(4, 10), Waits())
    local = locust_command(RunOptions("http://127.0.0.1:8000", plan, tmp_path))
    assert "--processes" not in local and "--master" not in local and "--headless" in local
    both = locust_command(
        RunOptions("http://127.0.0.1:8000", plan, tmp_path, workers=2, remote_workers=3)
    )
    assert both[both.index("--processes") + 1] == "2"
    assert both[both.index("--expect-workers") + 1] == "5"
    assert Plan.from_json(both[both.index("--prakerja-plan") + 1]) == plan
