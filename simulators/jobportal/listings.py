"""A job portal's own vacancies and the change log its feed serves.

Every publication (new or changed) and every withdrawal is a change with the next sequence
number; the feed after cursor ``c<n>`` lists, oldest first, the vacancies whose *latest* change
came after change ``n``, each once, with its current content and status. So a vacancy changed
twice between two pulls appears once, as it is now, and the cursor only ever moves forward.
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass
from typing import Any

CURSOR = re.compile(r"^c([0-9]{1,12})$")
OPEN, WITHDRAWN = "open", "withdrawn"


def cursor_of(seq: int) -> str:
    """The feed cursor after change ``seq``."""
    return f"c{seq}"


def seq_of(cursor: str | None) -> int | None:
    """The change a cursor names (None or absent: before the first, 0); None when not a cursor."""
    if cursor is None:
        return 0
    match = CURSOR.fullmatch(cursor)
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the feed: changed vacancies (with ``status``), where the next page starts."""

    vacancies: list[dict[str, Any]]
    last_seq: int  # the change of the last vacancy listed (the cursor's if none)
    seqs: list[int]  # each listed vacancy's change
    has_more: bool


class Listings:
    """Thread-safe store of one portal's vacancies."""

    def __init__(self) -> None:
        self._current: dict[str, tuple[int, str, dict[str, Any]]] = {}  # id -> (seq, status, body)
        self._log: list[tuple[int, str]] = []  # (seq, id), seq increasing; superseded entries stay
        self._seq = 0
        self._lock = threading.Lock()

    def _change(self, vacancy_id: str, status: str, body: dict[str, Any]) -> int:
        self._seq += 1
        self._current[vacancy_id] = (self._seq, status, body)
        self._log.append((self._seq, vacancy_id))
        return self._seq

    def publish(self, body: dict[str, Any]) -> int:
        """Add or change a vacancy (open again if withdrawn); the change's number."""
        with self._lock:
            return self._change(str(body["vacancy_id"]), OPEN, dict(body))

    def withdraw(self, vacancy_id: str) -> bool:
        """Withdraw an open vacancy; False when it is unknown or already withdrawn."""
        with self._lock:
            found = self._current.get(vacancy_id)
            if found is None or found[1] == WITHDRAWN:
                return False
            self._change(vacancy_id, WITHDRAWN, found[2])
            return True

    def get(self, vacancy_id: str) -> tuple[str, dict[str, Any]] | None:
        """A vacancy's status and content."""
        with self._lock:
            found = self._current.get(vacancy_id)
            return None if found is None else (found[1], dict(found[2]))

    def open_ids(self) -> list[str]:
        """The open vacancies, oldest change first."""
        with self._lock:
            return [v for v, (_, status, _) in self._current.items() if status == OPEN]

    def counts(self) -> dict[str, int]:
        """How many vacancies are open and withdrawn, and the last change's number."""
        with self._lock:
            opened = sum(status == OPEN for _, status, _ in self._current.values())
            return {
                "open": opened,
                "withdrawn": len(self._current) - opened,
                "last_change": self._seq,
            }

    @property
    def last_seq(self) -> int:
        """The number of the newest change (0 before any)."""
        return self._seq

    def page_after(self, seq: int, limit: int) -> Page:
        """Up to ``limit`` vacancies whose latest change is after change ``seq``, oldest first."""
        with self._lock:
            position = bisect.bisect_right(self._log, seq, key=lambda entry: entry[0])
            listed: list[dict[str, Any]] = []
            seqs: list[int] = []
            while position < len(self._log) and len(listed) < limit:
                change, vacancy_id = self._log[position]
                position += 1
                latest, status, body = self._current[vacancy_id]
                if latest != change:  # superseded: the vacancy is listed at its latest change
                    continue
                listed.append({**body, "status": status})
                seqs.append(change)
            # The newest change is always some vacancy's latest: more exist iff it is unlisted.
            more = bool(seqs) and seqs[-1] < self._seq
            return Page(listed, seqs[-1] if seqs else seq, seqs, more)
