"""The runner: prepares a suite, runs its plan check by check, and tells the reporters.

Outcomes: a check that returns passed; ``PartnerFailure`` failed; ``HarnessError`` or any other
exception errored (the harness could not judge, which fails a MUST too: nothing unjudged is
certified). A requirement that applies but has no check in this harness errors as well. Waivers
are applied to each result as it is made.
"""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Generic

from conformance import HARNESS_VERSION
from conformance.errors import HarnessError, PartnerFailure, UsageError
from conformance.events import (
    CheckFinished,
    CheckStarted,
    Event,
    Handler,
    Planned,
    RunFinished,
    RunStarted,
)
from conformance.evidence import keep
from conformance.files import WaiverEntry, apply_waivers
from conformance.suite import C, Check, Suite
from contract import VERSION
from contract.certification import CheckResult, Outcome, RunReport, report_digest, summarize
from contract.requirements import CATALOGUE_VERSION


def _cut(text: str | None, limit: int = 4_000) -> str | None:
    return text if text is None or len(text) <= limit else text[:limit] + "…"


class Runner(Generic[C]):
    """Runs one suite against one context."""

    def __init__(
        self,
        suite: Suite[C],
        context: C,
        *,
        handlers: Iterable[Handler] = (),
        waivers: list[WaiverEntry] | None = None,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
        only: frozenset[str] | None = None,
    ) -> None:
        self.suite = suite
        self.only = only  # judge only these requirements (a partial run: never certified)
        self.context = context
        self.handlers = list(handlers)
        self.waivers = waivers or []
        self.today = today
        context.say = self.emit

    def emit(self, event: Event) -> None:
        """Hand an event to every reporter."""
        for handler in self.handlers:
            handler.handle(event)

    def run(self) -> RunReport:
        """Run the whole plan; the report it returns is also the last event."""
        ctx = self.context
        started_at = datetime.now(UTC)
        plan = self.suite.plan(ctx.capabilities)
        gaps = self.suite.uncovered(ctx.capabilities)
        if self.only is not None:
            plan = [c for c in plan if c.requirement.id in self.only]
            gaps = [r for r in gaps if r.id in self.only]
        planned = [Planned(c.requirement, c.name, c.variant) for c in plan] + [
            Planned(r, "not_implemented", None) for r in gaps
        ]
        if not planned:
            raise UsageError(
                f"no requirement applies to {ctx.role.value} in {ctx.mode.value} mode with "
                f"capabilities {', '.join(sorted(ctx.capabilities)) or '(none)'}: nothing to judge"
            )
        self.emit(
            RunStarted(
                ctx.role, ctx.mode, ctx.partner, ctx.target, tuple(sorted(ctx.capabilities)),
                tuple(planned),
            )
        )  # fmt: skip
        setback: BaseException | None = None
        try:
            self.suite.run_prepare(ctx)
        except (PartnerFailure, HarnessError) as exc:
            setback = exc
        except Exception as exc:  # a bug in the harness: every check errors, with the reason
            setback = HarnessError(f"preparation failed: {exc.__class__.__name__}: {exc}")
        results: list[CheckResult] = []
        for check in plan:
            self.emit(CheckStarted(Planned(check.requirement, check.name, check.variant)))
            result = apply_waivers(self._one(check, setback), self.waivers, self.today())
            results.append(result)
            self.emit(CheckFinished(result))
        for requirement in gaps:
            self.emit(CheckStarted(Planned(requirement, "not_implemented", None)))
            result = CheckResult(
                requirement_id=requirement.id,
                level=requirement.level,
                check="not_implemented",
                outcome=Outcome.ERRORED,
                message=f"This harness ({HARNESS_VERSION}) has no check for {requirement.id} yet.",
                duration_ms=0,
            )
            results.append(result)
            self.emit(CheckFinished(result))
        report = self._report(started_at, results)
        self.emit(RunFinished(report))
        return report

    def _one(self, check: Check[C], setback: BaseException | None) -> CheckResult:
        ctx = self.context
        ctx.variant = check.variant
        ctx.evidence.take()
        started = time.perf_counter()
        outcome, message = Outcome.PASSED, ""
        received = expected = None
        try:
            if setback is not None:
                raise setback
            check.run(ctx)
        except PartnerFailure as exc:
            outcome, message = Outcome.FAILED, exc.message
            received, expected = exc.received, exc.expected
        except HarnessError as exc:
            outcome, message = Outcome.ERRORED, str(exc)
        except (Exception, BaseExceptionGroup) as exc:  # a bug in the check: say where
            where = traceback.extract_tb(exc.__traceback__)[-1]
            outcome = Outcome.ERRORED
            message = (
                f"harness error {exc.__class__.__name__}: {exc} ({where.filename}:{where.lineno})"
            )
        raw = keep(ctx.evidence.take(), failed=outcome is not Outcome.PASSED)
        return CheckResult(
            requirement_id=check.requirement.id,
            level=check.requirement.level,
            check=check.name,
            variant=check.variant,
            outcome=outcome,
            message=_cut(ctx.redactor.text(message)) or "",
            received=_cut(ctx.redactor.text(received)) if received is not None else None,
            expected=_cut(ctx.redactor.text(expected)) if expected is not None else None,
            evidence=[ctx.redactor.exchange(r) for r in raw],
            duration_ms=int((time.perf_counter() - started) * 1000),
        )

    def _report(self, started_at: datetime, results: list[CheckResult]) -> RunReport:
        ctx = self.context
        draft = RunReport(
            run_id=uuid.uuid4().hex,
            partner=ctx.partner,
            role=ctx.role,
            mode=ctx.mode,
            target=ctx.target,
            capabilities=sorted(ctx.capabilities),
            contract_version=VERSION,
            catalogue_version=CATALOGUE_VERSION,
            harness_version=HARNESS_VERSION,
            started_at=started_at.isoformat(timespec="milliseconds"),
            finished_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
            results=results,
            summary=summarize(results),
            digest="0" * 64,
        )
        return draft.model_copy(update={"digest": report_digest(draft)})


def exit_code(report: RunReport) -> int:
    """0 when the run passes, 1 when a MUST requirement fails it."""
    return 0 if report.summary.passed_run else 1
