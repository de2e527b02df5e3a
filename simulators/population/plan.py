"""How many people of each case a file holds, and how they split over the generator's chunks.

The counts are a pure function of the arguments, so tests and the end-to-end driver can compute
them without reading the file: ``round(count * bad_share)`` bad people spread evenly over every
ineligible case (the first cases in ``Case`` order take the remainder), unless a case's share is
given explicitly, in which case that case gets ``round(count * share)`` and the rest of the bad
share is spread over the others. Everyone else is ``ELIGIBLE``, including the partners the group
cases need: the original of each ``DUPLICATE_NIK`` copy and ``DUPLICATE_FACE`` twin, and the two
eligible members of each ``KK_LIMIT`` family card.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from contract.population import INELIGIBLE_CASES, Case

DEFAULT_BAD_SHARE = 0.30
CHUNK_SIZE = 50_000  # people generated (and written) at a time; the last chunk up to twice that
MAX_CHUNKS = 1_000  # chunk numbers are 3 digits of every phone, e-mail, face and selfie
MAX_COUNT = CHUNK_SIZE * MAX_CHUNKS


class PlanError(ValueError):
    """The arguments ask for a population that cannot be built."""


@dataclass(frozen=True)
class Plan:
    """Exact case counts for the whole file and for each chunk."""

    count: int
    counts: dict[Case, int]
    chunks: tuple[dict[Case, int], ...]

    @property
    def serials_per_chunk(self) -> int:
        """NIK serials 0001-9999 are cut into one disjoint range per chunk (see generator)."""
        return 9999 // len(self.chunks)


def _needed_eligible(counts: Mapping[Case, int]) -> int:
    """Eligible partners the group cases need: one original per duplicate, two per KK limit."""
    return counts[Case.DUPLICATE_NIK] + counts[Case.DUPLICATE_FACE] + 2 * counts[Case.KK_LIMIT]


def case_counts_for(
    count: int, bad_share: float = DEFAULT_BAD_SHARE, shares: Mapping[Case, float] | None = None
) -> dict[Case, int]:
    """The exact number of people of each case in a file of ``count`` people."""
    if count < 1:
        raise PlanError("count must be at least 1")
    if not 0.0 <= bad_share < 1.0:
        raise PlanError("bad share must be at least 0 and below 1")
    fixed = dict(shares or {})
    if Case.ELIGIBLE in fixed:
        raise PlanError("ELIGIBLE takes whatever the bad cases leave; give bad cases only")
    if any(not 0.0 <= share < 1.0 for share in fixed.values()):
        raise PlanError("a case share must be at least 0 and below 1")
    counts = {case: round(count * share) for case, share in fixed.items()}
    rest = [case for case in INELIGIBLE_CASES if case not in fixed]
    spread = round(count * bad_share) - sum(counts.values())
    if spread < 0:
        raise PlanError("the case shares given add up to more than the bad share")
    if rest:
        each, extra = divmod(spread, len(rest))
        for i, case in enumerate(rest):
            counts[case] = each + (1 if i < extra else 0)
    bad = sum(counts.values())
    result: dict[Case, int] = {Case.ELIGIBLE: count - bad}
    result.update((case, counts[case]) for case in INELIGIBLE_CASES)
    if result[Case.ELIGIBLE] < _needed_eligible(result):
        raise PlanError(
            "too few eligible people to pair with the duplicate and KK-limit cases: "
            "lower the bad share"
        )
    return result


def plan(
    count: int, bad_share: float = DEFAULT_BAD_SHARE, shares: Mapping[Case, float] | None = None
) -> Plan:
    """Counts for the file and for each chunk of ``CHUNK_SIZE`` people (the last takes the rest,
    up to twice that: a short last chunk could lack the eligible partners of its group cases).

    Each bad case is cut over the chunks in proportion to their size (cumulative rounding, so the
    chunks add up exactly); each chunk's eligible people are what its bad people leave.
    """
    if count > MAX_COUNT:
        raise PlanError(f"at most {MAX_COUNT:,} people per file")
    counts = case_counts_for(count, bad_share, shares)
    chunks: list[dict[Case, int]] = []
    n_chunks = max(1, count // CHUNK_SIZE)
    bounds = [i * CHUNK_SIZE for i in range(n_chunks)] + [count]
    for start, end in itertools.pairwise(bounds):
        bad: dict[Case, int] = {
            case: counts[case] * end // count - counts[case] * start // count
            for case in INELIGIBLE_CASES
        }
        chunk: dict[Case, int] = {Case.ELIGIBLE: (end - start) - sum(bad.values())}
        chunk.update(bad)
        if chunk[Case.ELIGIBLE] < _needed_eligible(chunk):
            raise PlanError(
                "too few eligible people to pair with the duplicate and KK-limit cases: "
                "lower the bad share"
            )
        chunks.append(chunk)
    return Plan(count=count, counts=counts, chunks=tuple(chunks))
