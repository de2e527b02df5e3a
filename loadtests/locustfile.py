"""The Locust file of the sandbox's load tests: journeys, the plan's shape, a failure stop.

Run by ``prakerja loadtest`` (which writes the plan, provisions fixtures and builds the report),
or by Locust itself, e.g. a worker on another machine::

    locust -f "$(python -c 'import loadtests.locustfile as f; print(f.__file__)')" \\
        --worker --master-host 10.0.0.5

Options of its own (a master forwards them to its workers): ``--prakerja-plan`` (JSON of
``loadtests.profiles.Plan``), ``--prakerja-population`` (population CSV; the same file on every
machine), ``--prakerja-first-row``, ``--prakerja-fixtures`` (the partners' units), ``--prakerja-join``
(1 when a wave is open) and ``--prakerja-summary`` (where the deciding node writes the funnel).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from functools import cache
from pathlib import Path
from typing import Any

import gevent
from locust import LoadTestShape, User, events
from locust.env import Environment
from locust.runners import STATE_CLEANUP, STATE_STOPPED, STATE_STOPPING, MasterRunner, WorkerRunner

from loadtests import runtime
from loadtests.coordination import Coordinator, People
from loadtests.data import Fixtures, PeopleReader
from loadtests.journeys import Buyer, Learner, Payer, Registrant
from loadtests.profiles import Journey, Plan, stage_at
from loadtests.tally import Tally

log = logging.getLogger("prakerja.loadtest")
USERS: dict[str, type[User]] = {
    Journey.REGISTRANT.value: Registrant,
    Journey.BUYER.value: Buyer,
    Journey.LEARNER.value: Learner,
    Journey.PAYER.value: Payer,
}
TALLY_KEY = "prakerja_tally"
WATCH_SECONDS = 1.0

__all__ = ["Buyer", "Learner", "Payer", "PlanShape", "Registrant"]


def _options(parser: Any) -> None:
    parser.add_argument("--prakerja-plan", default="", help="The run's plan (JSON).")
    parser.add_argument("--prakerja-population", default="", help="Population CSV file.")
    parser.add_argument("--prakerja-first-row", type=int, default=0, help="First row to use.")
    parser.add_argument("--prakerja-fixtures", default="", help="Partners' units (JSON file).")
    parser.add_argument("--prakerja-join", type=int, default=1, help="1: eligible people join.")
    parser.add_argument("--prakerja-summary", default="", help="Where to write the funnel.")


def _option(environment: Environment, name: str) -> Any:
    return getattr(environment.parsed_options, name)


@cache
def _plan(text: str) -> Plan:
    if not text:
        raise RuntimeError("no --prakerja-plan: run through `prakerja loadtest`")
    return Plan.from_json(text)


def _weights(environment: Environment, **_: Any) -> None:
    """The plan's mix as the user classes' weights (what the master spawns by)."""
    if isinstance(environment.runner, WorkerRunner) or not environment.parsed_options:
        return
    text = _option(environment, "prakerja_plan")
    if text:
        for journey, weight in _plan(text).mix.items():
            USERS[journey].weight = weight


def _start(environment: Environment, **_: Any) -> None:
    """This process's context, once the options are known (a worker gets them at its spawn)."""
    try:
        runtime.context()
        return  # a second test in the same process keeps its leases
    except RuntimeError:
        pass
    plan = _plan(_option(environment, "prakerja_plan"))
    fixtures_file = _option(environment, "prakerja_fixtures")
    fixtures = Fixtures.read(Path(fixtures_file) if fixtures_file else None)
    coordinator = Coordinator(
        environment,
        _option(environment, "prakerja_first_row"),
        {
            "cards": len(fixtures.cards),
            "codes": len(fixtures.codes),
            "disbursements": len(fixtures.disbursements),
        },
    )
    population = _option(environment, "prakerja_population")
    people = None
    if coordinator.asking and plan.mix.get(Journey.REGISTRANT.value) and population:
        people = People(coordinator, PeopleReader(Path(population)))
    context = runtime.Context(
        plan, coordinator, fixtures, people, bool(_option(environment, "prakerja_join"))
    )
    runtime.install(context)
    if coordinator.deciding:
        gevent.spawn(_watch, environment, context)


def _watch(environment: Environment, context: runtime.Context) -> None:
    """Stop the run once its failure ratio passes the plan's threshold (after enough requests)."""
    runner = environment.runner
    assert runner is not None
    plan = context.plan
    while runner.state not in (STATE_STOPPING, STATE_STOPPED, STATE_CLEANUP):
        gevent.sleep(WATCH_SECONDS)
        total = runner.stats.total
        if total.num_requests >= plan.min_requests and total.fail_ratio > plan.fail_ratio:
            context.stopped_by = (
                f"failure ratio {total.fail_ratio:.1%} > {plan.fail_ratio:.0%} "
                f"after {total.num_requests} requests"
            )
            log.error("stopping the run: %s", context.stopped_by)
            environment.process_exit_code = 3
            gevent.spawn(runner.quit)  # not from this greenlet: quit waits for the users
            return


def _report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    """A worker sends what it counted since its last report."""
    with contextlib.suppress(RuntimeError):
        data[TALLY_KEY] = runtime.context().tally.drain()


def _collect(client_id: str, data: dict[str, Any], **_: Any) -> None:
    """The master adds a worker's counts to its own."""
    _reporters.add(client_id)
    if TALLY_KEY in data:
        with contextlib.suppress(RuntimeError):
            runtime.context().tally.merge(Tally.from_data(data[TALLY_KEY]))


def _stopped(environment: Environment, **_: Any) -> None:
    _write_summary(environment)


def _quit(exit_code: int, **_: Any) -> None:
    environment = _environment
    if environment is not None:
        _write_summary(environment)


_environment: Environment | None = None
_reporters: set[str] = set()  # the workers that reported: how many took part


def _remember(environment: Environment, **_: Any) -> None:
    global _environment
    _environment = environment


def _write_summary(environment: Environment) -> None:
    """The funnel, timings, rows used and why the run stopped: for the report (deciding node)."""
    if isinstance(environment.runner, WorkerRunner) or not environment.parsed_options:
        return
    path = _option(environment, "prakerja_summary")
    try:
        context = runtime.context()
    except RuntimeError:
        return
    if not path:
        return
    runner = environment.runner
    assert runner is not None
    summary = {
        "plan": json.loads(context.plan.to_json()),
        "tally": context.tally.to_data(),
        "rows": {"first": context.coordinator.first_row, "next": context.coordinator.next_row},
        "stopped_by": context.stopped_by,
        "workers": len(_reporters) if isinstance(runner, MasterRunner) else 0,
        "requests": runner.stats.total.num_requests,
        "failures": runner.stats.total.num_failures,
    }
    temporary = f"{path}.{os.getpid()}.tmp"
    Path(temporary).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    os.replace(temporary, path)


class PlanShape(LoadTestShape):
    """The plan's stages: users and spawn rate by the clock, then the end of the run."""

    def tick(self) -> tuple[int, float, list[type[User]]] | None:
        """Users, spawn rate and classes now; None once the last stage is over."""
        assert self.runner is not None
        environment = self.runner.environment
        plan = _plan(_option(environment, "prakerja_plan"))
        stage = stage_at(plan.stages, float(self.get_run_time()))  # type: ignore[no-untyped-call]
        if stage is None:
            return None
        classes = [USERS[j] for j, weight in plan.mix.items() if weight > 0]
        return stage.users, stage.spawn_rate, classes


# Locust's hooks are untyped: registered here rather than as decorators.
HOOKS: tuple[tuple[str, Any], ...] = (
    ("init_command_line_parser", _options),
    ("init", _weights),
    ("test_start", _start),
    ("report_to_master", _report),
    ("worker_report", _collect),
    ("test_stop", _stopped),
    ("quit", _quit),
    ("init", _remember),
)
for _hook, _listener in HOOKS:
    getattr(events, _hook).add_listener(_listener)
