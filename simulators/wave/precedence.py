"""Who submits their identity only after whom, so that first-come is the same in every run.

The sandbox gives a NIK, a face and the two slots of a family card to whoever claims them first:
the copy of a NIK, the twin of a face, the third of a family card are refused, their original is
not. Many people in flight at once would make "first" a race, and a copy that won it would change
who goes on to buy, learn and be paid. So a person who shares a NIK or a face with someone earlier
in the simulation's seeded order, or who is the third (or later) of a family card, submits only
once those earlier people have their verdict. Pure: rows in, levels out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from contract.population import RECIPIENTS_PER_FAMILY_CARD


@dataclass
class Precedence:
    """Built row by row, in the seeded order: each row's earlier rows it must wait for."""

    _by_key: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    _levels: list[int] = field(default_factory=list)

    def add(self, row: dict[str, str]) -> tuple[list[int], int]:
        """The indexes of the earlier rows this one waits for, and its level (0: waits for
        nobody; otherwise one more than the highest level it waits for)."""
        index = len(self._levels)
        shared = {("nik", row["nik"]), ("face", row["face_id"]), ("face", row["selfie_face"])}
        earlier = {i for key in shared for i in self._by_key[key]}
        family = self._by_key[("kk", row["kk"])]
        if len(family) >= RECIPIENTS_PER_FAMILY_CARD:  # the first ones hold both, in any order
            earlier.update(family)
        for key in (*shared, ("kk", row["kk"])):
            self._by_key[key].append(index)
        after = sorted(earlier)
        level = 1 + max(self._levels[i] for i in after) if after else 0
        self._levels.append(level)
        return after, level


def levels(rows: Sequence[dict[str, str]]) -> list[tuple[list[int], int]]:
    """``Precedence.add`` over every row, in order."""
    precedence = Precedence()
    return [precedence.add(row) for row in rows]
