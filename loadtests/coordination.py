"""One node decides what must not be shared; every node asks it. Locust messages carry it.

The deciding node is the master in distributed mode (``--workers``, or workers on other
machines) and the only process otherwise. It hands out:

- population rows in blocks, in increasing order from the run's first row, so that no two users
  anywhere register the same person, however many workers join, and the run can say where the
  next run should start;
- fixture units (a DP card, an LP redeem code) one at a time: a user keeps its unit until it
  stops, then gives it back for the next user.

A worker asks with a message and waits (bounded) for the answer; on a single process Locust
delivers the same messages locally, so there is one code path.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import gevent
from gevent.event import AsyncResult
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadtests.data import PeopleReader

ASK = "prakerja_ask"
ANSWER = "prakerja_answer"
GIVE_BACK = "prakerja_give_back"
ANSWER_TIMEOUT = 30.0
PEOPLE_BLOCK = 64  # rows per grant: few messages, little left unused at the end


class Coordinator:
    """Leases of population rows and fixture units, decided on one node."""

    def __init__(self, environment: Environment, first_row: int, units: dict[str, int]) -> None:
        runner = environment.runner
        assert runner is not None
        self.runner = runner
        self.deciding = not isinstance(runner, WorkerRunner)
        self.asking = not isinstance(runner, MasterRunner)
        # deciding side
        self.next_row = first_row
        self.first_row = first_row
        self.free: dict[str, list[int]] = {kind: list(range(n)) for kind, n in units.items()}
        # asking side
        self._asks = itertools.count(1)
        self._waiting: dict[int, AsyncResult] = {}
        self._lock = threading.Lock()
        if self.deciding:
            runner.register_message(ASK, self._on_ask)
            runner.register_message(GIVE_BACK, self._on_give_back)
        if self.asking:
            runner.register_message(ANSWER, self._on_answer)

    # --- deciding node ---------------------------------------------------------------------

    def _on_ask(self, environment: Environment, msg: Any, **_: Any) -> None:
        what = msg.data["what"]
        if what == "rows":
            value: Any = [self.next_row, self.next_row + PEOPLE_BLOCK]
            self.next_row += PEOPLE_BLOCK
        else:
            free = self.free.get(what, [])
            value = free.pop(0) if free else None
        self.runner.send_message(
            ANSWER, {"ask": msg.data["ask"], "value": value}, client_id=msg.node_id
        )

    def _on_give_back(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.free.setdefault(msg.data["what"], []).append(int(msg.data["index"]))

    # --- asking nodes --------------------------------------------------------------------------

    def _on_answer(self, environment: Environment, msg: Any, **_: Any) -> None:
        waiting = self._waiting.pop(int(msg.data["ask"]), None)
        if waiting is not None:
            waiting.set(msg.data["value"])

    def ask(self, what: str) -> Any:
        """The deciding node's answer: a row range for ``rows``, else a unit index or None."""
        ask = next(self._asks)
        answer = AsyncResult()
        self._waiting[ask] = answer
        self.runner.send_message(ASK, {"what": what, "ask": ask})
        try:
            return answer.get(timeout=ANSWER_TIMEOUT)
        except gevent.Timeout:
            self._waiting.pop(ask, None)
            raise TimeoutError(
                f"no answer to a lease of {what!r} in {ANSWER_TIMEOUT:.0f}s"
            ) from None

    def give_back(self, what: str, index: int) -> None:
        """Return a unit for the next user."""
        self.runner.send_message(GIVE_BACK, {"what": what, "index": index})


class People:
    """This process's share of the population: blocks of rows leased, handed out one by one."""

    def __init__(self, coordinator: Coordinator, reader: PeopleReader) -> None:
        self.coordinator = coordinator
        self.reader = reader
        self._ready: list[dict[str, str]] = []
        self._filling = gevent.lock.Semaphore()

    def take(self) -> dict[str, str] | None:
        """The next person nobody else has; None once the population file is used up."""
        with self._filling:  # one lease at a time; the others wait for its rows
            while not self._ready:
                if self.reader.exhausted:
                    return None
                start, stop = self.coordinator.ask("rows")
                self._ready = self.reader.take(start, stop)
            return self._ready.pop(0)
