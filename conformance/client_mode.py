"""Partner as client (DP, LP, JP pushes): the sandbox records what the partner does, we judge it.

The harness opens a certification session on the sandbox (which resets the partner's fixtures and
names the fixtures of each scenario), then for each scenario starts it and has the partner drive
it: a driver command the partner supplies (run once per scenario, told what to do through
``PRAKERJA_SCENARIO`` and ``PRAKERJA_SCENARIO_FILE``), or the person at the keyboard. When every
scenario is driven the session is closed and the recorded calls are read back; the checks judge
them. A driver that fails or hangs is noted, never fatal: the checks that needed its calls error.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from conformance.errors import HarnessError
from conformance.evidence import RawExchange, Redactor
from conformance.sandbox import Sandbox
from conformance.suite import Context
from contract.certification import SCENARIOS, CertSessionData, RecordedCall, ScenarioData
from contract.requirements import Mode
from contract.roles import Role

DRIVER_TIMEOUT = 120.0
OUTPUT_TAIL = 2_000


@dataclass(frozen=True)
class Driven:
    """How driving one scenario went."""

    ok: bool
    note: str = ""


class Driver(Protocol):
    """Makes the partner drive one scenario."""

    def drive(self, scenario: ScenarioData, sandbox_url: str) -> Driven:
        """Return once the partner is done with ``scenario``."""


class CommandDriver:
    """Runs the partner's own command once per scenario (in its own process group)."""

    def __init__(self, command: str, *, timeout: float = DRIVER_TIMEOUT) -> None:
        if not command.strip():
            raise HarnessError("the driver command is empty")
        self.command = command
        self.timeout = timeout

    def drive(self, scenario: ScenarioData, sandbox_url: str) -> Driven:
        """Run the command with the scenario in its environment; its exit status is noted."""
        with tempfile.TemporaryDirectory(prefix="prakerja-scenario-") as folder:
            path = Path(folder) / "scenario.json"
            path.write_text(
                json.dumps({**scenario.model_dump(mode="json"), "sandbox_url": sandbox_url}),
                encoding="utf-8",
            )
            env = {
                **os.environ,
                "PRAKERJA_SCENARIO": scenario.name,
                "PRAKERJA_SCENARIO_FILE": str(path),
                "PRAKERJA_SANDBOX_URL": sandbox_url,
            }
            process = subprocess.Popen(
                self.command,
                shell=True,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                output, _ = process.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                return Driven(False, f"the driver did not finish within {self.timeout:.0f} s")
        tail = output.decode("utf-8", errors="replace")[-OUTPUT_TAIL:].strip()
        if process.returncode != 0:
            return Driven(False, f"the driver exited with {process.returncode}: {tail}")
        return Driven(True, tail)


class InteractiveDriver:
    """Asks the person at the keyboard to drive the scenario with their integration."""

    def __init__(self, ask: Callable[[str], str] = input, show: Callable[[str], None] = print):
        self.ask = ask
        self.show = show

    def drive(self, scenario: ScenarioData, sandbox_url: str) -> Driven:
        """Print the instruction and the fixtures; wait for Enter."""
        fixtures = ", ".join(f"{k}={v}" for k, v in scenario.fixtures.items())
        self.show(f"\nScenario {scenario.name}: {scenario.instruction}\n  fixtures: {fixtures}")
        if scenario.fault:
            self.show(f"  the sandbox will: {scenario.fault}")
        answer = self.ask("Press Enter when your integration is done (s to skip): ")
        return Driven(answer.strip().lower() != "s", "skipped" if answer.strip() else "")


def shell_command(argv: list[str]) -> str:
    """A command line from arguments, for ``CommandDriver``."""
    return shlex.join(argv)


@dataclass
class Scenarios:
    """What the run learned: the session, how each scenario went, and the calls recorded."""

    session: CertSessionData
    driven: dict[str, Driven] = field(default_factory=dict)
    calls: list[RecordedCall] = field(default_factory=list)

    def of(self, scenario: str) -> list[RecordedCall]:
        """The calls recorded under one scenario, in order."""
        return [c for c in self.calls if c.scenario == scenario]

    def fixtures(self, scenario: str) -> dict[str, Any]:
        """The fixtures the scenario was given."""
        return next(s.fixtures for s in self.session.scenarios if s.name == scenario)


class ClientContext(Context):
    """A client-mode run: the sandbox session and the partner's driver."""

    def __init__(
        self,
        *,
        role: Role,
        partner: str,
        sandbox: Sandbox,
        driver: Driver,
        capabilities: frozenset[str],
        redactor: Redactor,
        settings: dict[str, int] | None = None,
    ) -> None:
        super().__init__(
            role=role,
            mode=Mode.CLIENT,
            partner=partner,
            target=sandbox.url,
            capabilities=capabilities,
            redactor=redactor,
            settings=settings,
        )
        self.sandbox = sandbox
        self.driver = driver
        self.scenarios: Scenarios | None = None

    def recorded(self) -> Scenarios:
        """The scenarios as driven (a harness error when the session could not be run)."""
        if self.scenarios is None:
            raise HarnessError("the certification session did not run")
        return self.scenarios

    def cite(self, calls: list[RecordedCall]) -> None:
        """Put recorded calls into this check's evidence."""
        for call in calls:
            self.evidence.add(as_exchange(call, self.sandbox.url))

    def close(self) -> None:
        """Close the sandbox connection too."""
        super().close()
        self.sandbox.close()


def as_exchange(call: RecordedCall, sandbox_url: str) -> RawExchange:
    """A recorded call as evidence (its secrets already fingerprinted by the sandbox)."""
    headers = {"timestamp": call.timestamp or "(none)"}
    if call.signature_fingerprint:
        headers["signature"] = call.signature_fingerprint
    if call.authorization_fingerprint:
        headers["authorization"] = call.authorization_fingerprint
    answer = {"retry-after": str(call.retry_after)} if call.retry_after is not None else {}
    note = f"scenario {call.scenario}, call {call.seq}" + (
        f"; the sandbox injected: {call.injected}" if call.injected else ""
    )
    return RawExchange(
        "from_partner",
        call.method,
        sandbox_url + call.path,
        headers,
        call.request_body.encode() if call.request_body is not None else None,
        call.status,
        answer,
        call.response_body.encode() if call.response_body is not None else None,
        call.elapsed_ms,
        call.received_at,
        note,
    )


def scenarios_for(role: Role, capabilities: frozenset[str]) -> list[str]:
    """The scenarios a partner of ``role`` with ``capabilities`` drives."""
    return [
        s.name
        for s in SCENARIOS
        if s.role is role and (s.capability is None or s.capability in capabilities)
    ]


def drive_session(ctx: ClientContext) -> None:
    """Open the session, drive every scenario, close it and read the calls back."""
    names = scenarios_for(ctx.role, ctx.capabilities)
    session = ctx.sandbox.open_session(names)
    ctx.progress(f"session {session.session_id[:8]} opened: {len(session.scenarios)} scenarios")
    state = Scenarios(session)
    ctx.scenarios = state
    try:
        for scenario in session.scenarios:
            ctx.sandbox.start(session.session_id, scenario.name)
            ctx.progress(f"scenario {scenario.name}: {scenario.instruction}")
            outcome = ctx.driver.drive(scenario, ctx.sandbox.url)
            state.driven[scenario.name] = outcome
            if not outcome.ok:
                ctx.progress(f"scenario {scenario.name}: {outcome.note}")
    finally:
        ctx.sandbox.close_session(session.session_id)
    state.calls = ctx.sandbox.calls(session.session_id)
    ctx.progress(f"{len(state.calls)} calls recorded")


# --- helpers the checks share ---------------------------------------------------------------


def body(call: RecordedCall) -> dict[str, Any]:
    """A recorded request body as JSON (an empty dict when it is not an object)."""
    try:
        parsed = json.loads(call.request_body or "")
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def answer(call: RecordedCall) -> dict[str, Any]:
    """A recorded response body as JSON (an empty dict when it is not an object)."""
    try:
        parsed = json.loads(call.response_body or "")
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def at(call: RecordedCall) -> datetime:
    """When the sandbox received the call."""
    return datetime.fromisoformat(call.received_at)


def describe(call: RecordedCall) -> str:
    """One line for a person: which call, what it got."""
    outcome = call.code or str(call.status)
    return f"call {call.seq} {call.method} {call.path.rsplit('/integration', 1)[-1]} -> {outcome}"
