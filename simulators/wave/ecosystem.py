"""What a running sandbox is made of, as ``prakerja up`` writes it for ``prakerja simulate``.

``prakerja-sandbox.json`` in the working folder (mode 0600: it holds the programme office's sign
key and the simulators' credentials, all sandbox-only): the server's URL, the population file,
the office's credentials, and every simulator instance by kind with its URL and client code.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = "prakerja-sandbox.json"


@dataclass(frozen=True, kw_only=True)
class Instance:
    """One running simulator."""

    kind: str
    instance: str
    url: str
    client_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class Ecosystem:
    """A running sandbox."""

    sandbox_url: str
    population: str
    pmo_client_code: str
    pmo_sign_key: str
    simulators: tuple[Instance, ...] = field(default_factory=tuple)

    def of_kind(self, kind: str) -> list[Instance]:
        """The instances of one kind, in start order."""
        return [s for s in self.simulators if s.kind == kind]

    def save(self, path: Path) -> None:
        """Write the state file at once (a reader never sees half of it), owner-only."""
        text = json.dumps(asdict(self), indent=2) + "\n"
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(partial, path)

    @classmethod
    def load(cls, path: Path) -> Ecosystem:
        """Read a state file; ``ValueError`` saying what is wrong with it."""
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            instances = tuple(Instance(**item) for item in raw.pop("simulators", ()))
            return cls(**raw, simulators=instances)
        except FileNotFoundError:
            raise ValueError(
                f"{path} not found: start the sandbox with `prakerja up` in this folder first"
            ) from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path} is not a sandbox state file: {exc}") from None
