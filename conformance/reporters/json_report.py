"""``report.json``: the whole report, as the sandbox stores it and the certificate's digest covers."""

from __future__ import annotations

from pathlib import Path

from conformance.events import Event, RunFinished


class JsonReporter:
    """Writes the report when the run finishes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def handle(self, event: Event) -> None:
        """Write the file at the end."""
        if isinstance(event, RunFinished):
            self.path.write_text(event.report.model_dump_json(indent=2) + "\n", encoding="utf-8")
