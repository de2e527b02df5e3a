"""The Rich console summary: a line per check as it finishes, then the failures and the verdict."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from conformance.events import CheckFinished, Event, Progress, RunFinished, RunStarted
from contract.certification import Outcome, RunReport

MARKS = {
    Outcome.PASSED: "[green]✓[/]",
    Outcome.FAILED: "[red]✗[/]",
    Outcome.ERRORED: "[magenta]![/]",
    Outcome.WAIVED: "[yellow]~[/]",
    Outcome.STALE_WAIVER: "[red]⚑[/]",
}


class ConsoleReporter:
    """Prints the run as it goes."""

    def __init__(self, console: Console | None = None, *, quiet: bool = False) -> None:
        self.console = console or Console(stderr=True)
        self.quiet = quiet

    def handle(self, event: Event) -> None:
        """Print one event."""
        out = self.console
        if isinstance(event, RunStarted):
            caps = ", ".join(event.capabilities) or "none"
            out.print(
                f"[bold]Certifying {event.partner}[/] as [bold]{event.role.value}[/] "
                f"({event.mode.value} mode) at {event.target}\n"
                f"[dim]{len(event.planned)} checks; capabilities: {caps}[/]"
            )
        elif isinstance(event, Progress) and not self.quiet:
            out.print(f"[dim]… {event.text}[/]")
        elif isinstance(event, CheckFinished) and not self.quiet:
            r = event.result
            variant = f" [dim]{r.variant}[/]" if r.variant else ""
            out.print(
                f" {MARKS[r.outcome]} {r.requirement_id} [dim]{r.level.value}[/] {r.check}{variant}"
            )
        elif isinstance(event, RunFinished):
            self.summary(event.report)

    def summary(self, report: RunReport) -> None:
        """The failures with what was received and expected, and the verdict."""
        out = self.console
        bad = [r for r in report.results if r.outcome is not Outcome.PASSED]
        if bad:
            table = Table(title="Not passed", show_lines=True, title_justify="left")
            for column in ("requirement", "level", "outcome", "what"):
                table.add_column(column, overflow="fold")
            for r in bad:
                what = r.message
                if r.received is not None:
                    what += f"\nReceived: {r.received}"
                if r.expected is not None:
                    what += f"\nExpected: {r.expected}"
                table.add_row(
                    f"{r.requirement_id}\n[dim]{r.check}{' ' + r.variant if r.variant else ''}[/]",
                    r.level.value,
                    f"{MARKS[r.outcome]} {r.outcome.value}",
                    what,
                )
            out.print(table)
        s = report.summary
        verdict = "[bold green]PASSED[/]" if s.passed_run else "[bold red]FAILED[/]"
        out.print(
            f"{verdict}  {s.checks} checks: {s.passed} passed, {s.failed} failed, "
            f"{s.errored} errored, {s.waived} waived, {s.stale_waivers} stale waivers; "
            f"MUST failures {s.must_failures}, SHOULD failures {s.should_failures}"
        )
