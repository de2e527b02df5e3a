"""What the journeys are fed: people from a population file, partners' fixtures from a file.

People: a population CSV (``contract.population.COLUMNS``), read forward in the row ranges the
run hands this process (see ``coordination``), so no two users anywhere register one person.
``DUPLICATE_NIK`` rows are skipped: their NIK is another row's, and a load test must never put
two users on one NIK.

Partners: the credentials and fixtures ``prakerja loadtest`` provisioned for the run, as JSON
(written mode 0600: it holds sign keys). Each DP card and each LP redeem code is one unit a
user leases alone; ``band`` numbers the ``stride`` units of one partner, so their users sign
in different seconds (two identical signed calls in one second would be a replay).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

from contract.population import COLUMNS, Case


class PeopleReader:
    """Rows of a population file by index (0 = the first person), read forward only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: TextIO = path.open(encoding="utf-8", newline="")
        self._rows: Iterator[list[str]] = csv.reader(self._handle)
        header = next(self._rows, None)
        if tuple(header or ()) != COLUMNS:
            self._handle.close()
            raise ValueError(f"{path}: not a population file (header {header!r})")
        self._next = 0  # index of the row the reader yields next
        self.exhausted = False

    def take(self, start: int, stop: int) -> list[dict[str, str]]:
        """The usable people of rows ``start`` … ``stop - 1`` (ranges must come in order)."""
        if start < self._next:
            raise ValueError(f"rows {start}-{stop} asked after row {self._next}: ranges go forward")
        people: list[dict[str, str]] = []
        for row in self._rows:
            index = self._next
            self._next += 1
            if index < start:
                continue
            person = dict(zip(COLUMNS, row, strict=True))
            if person["case"] != Case.DUPLICATE_NIK.value:
                people.append(person)
            if self._next >= stop:
                return people
        self.exhausted = True
        return people

    def close(self) -> None:
        """Close the file."""
        self._handle.close()


@dataclass(frozen=True)
class Signer:
    """A partner's credentials and which of its units' seconds this unit signs in."""

    client_code: str
    sign_key: str
    band: int
    stride: int

    def __repr__(self) -> str:  # never print the key
        return f"Signer(client_code={self.client_code!r}, band={self.band}/{self.stride})"


@dataclass(frozen=True)
class Card:
    """A DP's fixture card a buyer uses alone: it buys ``course_code`` and voids it, over again."""

    client_code: str
    sign_key: str
    band: int
    stride: int
    prakerja_id: str
    course_code: str
    schedule_code: str
    amount: int

    def signer(self) -> Signer:
        """Who signs this card's calls."""
        return Signer(self.client_code, self.sign_key, self.band, self.stride)


@dataclass(frozen=True)
class RedeemCode:
    """An LP's resettable PRAT- code a learner uses alone: every stage, then reset."""

    client_code: str
    sign_key: str
    band: int
    stride: int
    redeem_code: str
    sequences: tuple[int, ...]  # the stages in order, post-test (999) last
    redirect_uri: str
    email: str

    def signer(self) -> Signer:
        """Who signs this code's calls."""
        return Signer(self.client_code, self.sign_key, self.band, self.stride)


@dataclass(frozen=True)
class Disbursement:
    """A disbursement Prakerja sent a payment partner and awaits the callback of: used once."""

    client_code: str
    sign_key: str
    disbursement_id: str
    amount: int

    def signer(self) -> Signer:
        """Who signs the callback (every callback body differs: one band is enough)."""
        return Signer(self.client_code, self.sign_key, 0, 1)


@dataclass(frozen=True)
class Fixtures:
    """Every unit the run may lease."""

    cards: tuple[Card, ...] = ()
    codes: tuple[RedeemCode, ...] = ()
    disbursements: tuple[Disbursement, ...] = ()

    def write(self, path: Path) -> None:
        """Write them for the Locust processes, readable by this user only."""
        text = json.dumps(
            {
                "cards": [asdict(c) for c in self.cards],
                "codes": [asdict(c) for c in self.codes],
                "disbursements": [asdict(d) for d in self.disbursements],
            }
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)

    @classmethod
    def read(cls, path: Path | None) -> Fixtures:
        """The fixtures written by ``write`` (none without a file)."""
        if path is None:
            return cls()
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            tuple(Card(**c) for c in raw.get("cards", [])),
            tuple(
                RedeemCode(**{**c, "sequences": tuple(c["sequences"])})
                for c in raw.get("codes", [])
            ),
            tuple(Disbursement(**d) for d in raw.get("disbursements", [])),
        )
