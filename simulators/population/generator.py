"""The synthetic population: seeded, reproducible, column-wise and fast.

Same (count, seed, as_of, bad share, case shares) give a byte-identical file (on one Python version
and byte order: the draws use ``random.Random.randbytes``). The file is written in chunks of
``CHUNK_SIZE`` people; every chunk has its own ``random.Random`` seeded from (seed, chunk number),
so a chunk never depends on another and memory stays bounded by the chunk, whatever the count.

Every person fails exactly one check of the verification pipeline, the one their ``case`` names,
or none (see the shared brief and ``contract.population``):

- ``NIK_NOT_FOUND``: an ordinary person with a valid-looking NIK; the civil-registry simulator
  leaves them out. ``DATA_MISMATCH``: the declared name is another first name than the
  registry's. ``LIVENESS_FAILED``: a spoofed selfie of their own face. ``FACE_MISMATCH``: a live
  selfie of a face found nowhere in the registry.
- ``DUPLICATE_NIK``: a copy of an eligible person (NIK, KK, name, birth, face, selfie face, all
  registry data) with their own phone, e-mail and selfie token: a second account.
  ``DUPLICATE_FACE``: someone with their own NIK whose registry photo and selfie show an eligible
  person's face.
- ``UNDERAGE`` 15-17, ``STUDENT`` (registry occupation and declared status), ``OFFICIAL``
  (registry occupation and declaration), ``SOCIAL_ASSISTANCE`` (in DTKS), ``PAST_BENEFICIARY`` and
  ``REVOKED`` (the bulk loader writes their earlier card): otherwise ordinary.
- ``KK_LIMIT``: the third of a family card that holds exactly two eligible people and them.

Family cards. A family card holds one or two people who can pass every check (eligible people,
their duplicate-face twins, social-assistance recipients, who pass where the scheme ignores
DTKS) plus any number who fail an earlier check (under-age children, students…); the
``DUPLICATE_NIK`` copy shares its original's card and can take no second slot. So no card reaches
the limit except the ``KK_LIMIT`` cards, under either scheme and in any verification order.

NIK uniqueness with bounded memory. A NIK is district (6) + birth date (6) + serial (4). The
serials 0001-9999 are cut into one range per chunk (``9999 // chunks`` serials each), so two
chunks can never produce the same NIK; inside a chunk each person gets a pseudo-random serial of
the chunk's range and the rare collisions (same district, same birth day, same serial) are
re-assigned by probing the range, with one set of the chunk's keys. Phones, e-mails, face ids,
selfie tokens and KK numbers are unique by construction: each carries the chunk number (3 or 5
digits, distinct per chunk) and the person's (or family's) position in the chunk through a
seeded permutation of 0-99,999 (5 digits).

Speed: each column's random indices for a whole chunk come from one ``randbytes`` draw into
stacked weighted tables (``tables``), so a column is one ``gather`` whatever the cases; rows are
joined from ready CSV pieces, and gathered, joined and shuffled out ``_SLICE``/``_OUT_SLICE``
rows at a time so the pieces are still in the CPU cache. See ``benchmarks/population.py`` for the
ratio to Faker.
"""

from __future__ import annotations

import gc
import hashlib
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import chain, islice, repeat
from pathlib import Path
from typing import TextIO

from contract.population import COLUMNS, Case
from simulators.population import demographics as demo
from simulators.population.plan import CHUNK_SIZE, DEFAULT_BAD_SHARE, Plan, plan
from simulators.population.tables import (
    FEMALE,
    MALE,
    TABLE_SIZE,
    Vocabulary,
    date_table,
    dates,
    draw_bytes,
    gather,
    random_indices,
    vocabulary,
    weighted,
)

HEADER = ",".join(COLUMNS) + "\n"
# People in these cases fail a check before the KK slot, whatever the order of verification.
_OTHER_CASES = (
    Case.NIK_NOT_FOUND,
    Case.DATA_MISMATCH,
    Case.LIVENESS_FAILED,
    Case.FACE_MISMATCH,
    Case.UNDERAGE,
    Case.STUDENT,
    Case.OFFICIAL,
    Case.PAST_BENEFICIARY,
    Case.REVOKED,
)
_AGE_CLASS = {Case.UNDERAGE: "underage", Case.STUDENT: "student", Case.OFFICIAL: "official"}
_WOMEN_BYTES = bytes(1 if b < round(demo.WOMEN * 256) else 0 for b in range(256))
_FAMILY_SIZES = weighted(
    list(demo.SLOT_FAMILY_SIZES), list(demo.SLOT_FAMILY_SIZES.values()), size=256
)
_ALONE = int(demo.ALONE * 2**32)
_POSITIONS = 2 * CHUNK_SIZE  # 5-digit position numbers: as many as a chunk's people at most
_SLICE = 512  # rows built at a time (see _chunk_parts)
_OUT_SLICE = 4_096  # rows shuffled into one part of the output at a time


@dataclass(frozen=True)
class Summary:
    """What one generation wrote."""

    path: Path
    count: int
    seconds: float
    counts: dict[Case, int]

    @property
    def rate(self) -> float:
        """People per second."""
        return self.count / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class _SeedTables:
    tag: str  # 6 hex digits of the seed: face ids and selfie tokens differ between seeds
    positions: list[int]  # a permutation of 0..99,999
    five: list[str]  # the permutation as 5-digit pieces
    five_comma: list[str]  # the same with a comma
    order: list[int]  # the order rows of the longest chunk are written in
    full_order: list[int]  # the same for a chunk of CHUNK_SIZE
    chunk_shift: tuple[int, int]


@cache
def _seed_tables(seed: int) -> _SeedTables:
    rng = random.Random(f"population:{seed}:tables")
    order = list(range(_POSITIONS))
    rng.shuffle(order)
    # A second permutation without a second shuffle: ``order`` composed with itself.
    positions = gather(order, order)
    five = [f"{p:05d}" for p in positions]
    return _SeedTables(
        tag=hashlib.sha256(f"population:{seed}".encode()).hexdigest()[:6],
        positions=positions,
        five=five,
        five_comma=[f"{p}," for p in five],
        order=order,
        full_order=[i for i in order if i < CHUNK_SIZE],
        chunk_shift=(rng.randrange(1000), rng.randrange(100_000)),
    )


@cache
def _serial_offsets(seed: int, per_chunk: int) -> list[int]:
    """Each position's serial within its chunk's range: pseudo-random, the same in every chunk."""
    return [p % per_chunk for p in _seed_tables(seed).positions]


@dataclass
class _Draws:
    """Per person, in generation order: indices into the stacked tables of ``tables``."""

    born: list[int] = field(default_factory=list)  # Dates.nik_part / sex_and_date
    named: list[int] = field(default_factory=list)  # Vocabulary.names / email_local
    profile: list[int] = field(default_factory=list)  # Vocabulary.profiles
    tail: list[int] = field(default_factory=list)  # Vocabulary.tails

    def add_block(self, rng: random.Random, voc: Vocabulary, case: Case, n: int) -> None:
        """``n`` people of ``case``, women first then men (rows are shuffled on output)."""
        if n <= 0:
            return
        age_class = _AGE_CLASS.get(case, "adult")
        women = rng.randbytes(n).translate(_WOMEN_BYTES).count(1)
        for sex, m in ((FEMALE, women), (MALE, n - women)):
            tables = (
                date_table(age_class, sex),
                voc.name_table(sex, mismatched=case is Case.DATA_MISMATCH),
                voc.profile_table[case],
                voc.tail_table[case],
            )
            born, named, profile, tail = random_indices(rng, m, tables)
            self.born += born
            self.named += named
            self.profile += profile
            self.tail += tail

    def copy_people(self, stop: int, tail_shift: int) -> None:
        """Append copies of people ``0:stop``, their tail moved by ``tail_shift`` tables."""
        self.born += self.born[:stop]
        self.named += self.named[:stop]
        self.profile += self.profile[:stop]
        shift = tail_shift * TABLE_SIZE
        self.tail += [t + shift for t in self.tail[:stop]]


def _chunk_parts(seed: int, as_of: date, the_plan: Plan, chunk: int) -> list[str]:
    """The CSV lines of one chunk (no header), in parts of ``_OUT_SLICE`` lines."""
    counts = the_plan.chunks[chunk]
    rng = random.Random(f"population:{seed}:{as_of.isoformat()}:{chunk}")
    voc, days, st = vocabulary(), dates(as_of), _seed_tables(seed)
    n_dn, n_df, n_kk = (
        counts[Case.DUPLICATE_NIK],
        counts[Case.DUPLICATE_FACE],
        counts[Case.KK_LIMIT],
    )
    n_general = counts[Case.ELIGIBLE] - n_dn - n_df - 2 * n_kk

    # Case blocks in generation order: the slot area (people who may take a KK slot), the other
    # area (people who fail before it), the KK-limit trios, then the duplicate-NIK copies.
    slot_blocks = [
        (Case.ELIGIBLE, n_dn),  # originals of the duplicate-NIK copies: positions 0..n_dn
        (Case.ELIGIBLE, n_df),  # originals of the duplicate faces: next n_df positions
        (Case.ELIGIBLE, n_general),
        (Case.SOCIAL_ASSISTANCE, counts[Case.SOCIAL_ASSISTANCE]),
    ]
    twin_blocks = [(Case.DUPLICATE_FACE, n_df)]  # each on a family card of their own
    other_blocks = [(case, counts[case]) for case in _OTHER_CASES]
    trio_blocks = [(Case.ELIGIBLE, 2 * n_kk), (Case.KK_LIMIT, n_kk)]
    draws = _Draws()
    starts: dict[Case, int] = {}
    for case, n in (*slot_blocks, *twin_blocks, *other_blocks, *trio_blocks):
        starts.setdefault(case, len(draws.born))
        draws.add_block(rng, voc, case, n)
    n_slot = sum(n for _, n in slot_blocks)
    n_other = sum(n for _, n in other_blocks)
    n_unique = len(draws.born)
    draws.copy_people(n_dn, voc.tail_table[Case.DUPLICATE_NIK] - voc.tail_table[Case.ELIGIBLE])
    n = len(draws.born)

    # Family cards: one or two slot people each (spread over the slot area), duplicate-face
    # twins alone, the other people attached to a random slot family or alone, the trios on
    # cards of their own.
    sizes = draw_bytes(rng, _FAMILY_SIZES, n_slot)
    slot_family = list(islice(chain.from_iterable(map(repeat, range(n_slot), sizes)), n_slot))
    n_slot_families = slot_family[-1] + 1 if slot_family else 0
    slot_family = slot_family[0::3] + slot_family[1::3] + slot_family[2::3]
    picks = memoryview(rng.randbytes(4 * n_other)).cast("I").tolist()
    twin_family = list(range(n_slot_families, n_slot_families + n_df))
    alone = n_slot_families + n_df
    other_family = [
        alone + j if v < _ALONE or not n_slot_families else v % n_slot_families
        for j, v in enumerate(picks)
    ]
    trio_base = alone + n_other
    trio_family = [trio_base + t for t in range(n_kk) for _ in (0, 1)]
    trio_family += range(trio_base, trio_base + n_kk)
    family = slot_family + twin_family + other_family + trio_family + slot_family[:n_dn]
    n_families = trio_base + n_kk

    shift3, shift5 = st.chunk_shift
    chunk3 = f"{(chunk * 7 + shift3) % 1000:03d}"  # distinct for chunks 0..999
    chunk5 = f"{(chunk * 7919 + shift5) % 100_000:05d}"
    district, birth_place, address = random_indices(rng, n_families, (0, 0, 0))
    family_prefix = gather(voc.district_prefix, district)
    family_kk: list[str] = []  # district prefix + chunk5 + the family's position (5 digits)
    family_place: list[str] = []  # birth place, district code, address, rural
    positions = iter(st.five_comma)
    for a, b in _slices(n_families):
        family_kk += map("".join, zip(family_prefix[a:b], repeat(chunk5), positions))
        family_place += map(
            "".join,
            zip(
                gather(voc.birth_places, birth_place[a:b]),
                gather(voc.district_code, district[a:b]),
                gather(voc.addresses, address[a:b]),
                strict=True,
            ),
        )

    per_chunk = the_plan.serials_per_chunk
    offsets = _serial_offsets(seed, per_chunk)
    serials = [f"{chunk * per_chunk + 1 + r:04d}," for r in range(per_chunk)]
    nik: list[str] = []
    for a, b in _slices(n_unique):
        nik += map(
            "".join,
            zip(
                gather(family_prefix, family[a:b]),
                gather(days.nik_part, draws.born[a:b]),
                gather(serials, offsets[a:b]),
                strict=True,
            ),
        )
    if len(set(nik)) < n_unique:
        _renumber(nik, serials)
    nik += nik[:n_dn]

    phone = draw_bytes(rng, [p + chunk3 for p in voc.phone_prefixes], n)
    domain = draw_bytes(rng, [f"{chunk3}@{d}," for d in voc.email_domains], n)
    face, mismatched, selfie = (
        f"fc{st.tag}-{chunk3}",
        f"fx{st.tag}-{chunk3}",
        f"lv_{st.tag}.{chunk3}",
    )
    own, five = st.five_comma[:n], st.five[:n]
    face_position = list(own)
    twins = starts.get(Case.DUPLICATE_FACE, 0)
    face_position[twins : twins + n_df] = own[n_dn : n_dn + n_df]
    face_position[n_unique:n] = own[0:n_dn]
    selfie_face = [face] * n
    spoofed = starts.get(Case.FACE_MISMATCH, 0)
    selfie_face[spoofed : spoofed + counts[Case.FACE_MISMATCH]] = [mismatched] * counts[
        Case.FACE_MISMATCH
    ]
    assert len(nik) == len(family) == len(phone) == len(draws.tail) == n, "column lengths differ"

    # Rows a slice at a time: the pieces a slice gathers are still in the CPU cache when its
    # rows are joined (a chunk's worth would not be), then shuffled out a slice at a time.
    rows: list[str] = []
    # Whole-chunk columns are read through one iterator each across the slices; ``zip`` stops
    # at the end of its first argument, a slice, before it takes from them.
    columns = map(iter, (phone, own, five, domain, face_position, selfie_face))
    phones, owns, fives, domains, face_positions, selfie_faces = columns
    owns_again, face_positions_again = iter(own), iter(face_position)
    for a, b in _slices(n):
        named, fam = draws.named[a:b], family[a:b]
        rows += map(
            "".join,
            zip(
                nik[a:b],
                gather(family_kk, fam),
                gather(voc.names, named),
                gather(days.sex_and_date, draws.born[a:b]),
                gather(family_place, fam),
                phones,
                owns,
                gather(voc.email_local, named),
                fives,
                domains,
                gather(voc.profiles, draws.profile[a:b]),
                repeat(face),
                face_positions,
                repeat(selfie),
                owns_again,
                selfie_faces,
                face_positions_again,
                gather(voc.tails, draws.tail[a:b]),
            ),
        )
    order = st.full_order if n == CHUNK_SIZE else [i for i in st.order if i < n]
    return ["".join(gather(rows, order[a:b])) for a, b in _slices(n, _OUT_SLICE)]


def _slices(n: int, size: int = _SLICE) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of consecutive slices of ``range(n)``."""
    for start in range(0, n, size):
        yield start, min(start + size, n)


def _renumber(nik: list[str], serials: list[str]) -> None:
    """Give each NIK already taken earlier in the list the first free serial of its district
    and day (rare: the pseudo-random serials of two people of one district and day agree)."""
    seen: set[str] = set()
    for i, piece in enumerate(nik):
        if piece in seen:
            head = piece[:12]
            free = next((head + s for s in serials if head + s not in seen), None)
            if free is None:
                raise RuntimeError(
                    f"more than {len(serials)} people born on one day in one district in one chunk"
                )
            nik[i] = piece = free
        seen.add(piece)


def chunk_texts(
    count: int,
    seed: int,
    as_of: date,
    bad_share: float = DEFAULT_BAD_SHARE,
    shares: Mapping[Case, float] | None = None,
) -> Iterator[str]:
    """The file's text, header first, one chunk at a time."""
    the_plan = plan(count, bad_share, shares)
    yield HEADER
    for chunk in range(len(the_plan.chunks)):
        with _no_cyclic_gc():
            parts = _chunk_parts(seed, as_of, the_plan, chunk)
        yield "".join(parts)


def write_population(
    out: TextIO,
    count: int,
    seed: int,
    as_of: date,
    bad_share: float = DEFAULT_BAD_SHARE,
    shares: Mapping[Case, float] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> dict[Case, int]:
    """Write the population to an open text stream; ``on_chunk(people)`` after each chunk."""
    the_plan = plan(count, bad_share, shares)
    out.write(HEADER)
    for chunk, counts in enumerate(the_plan.chunks):
        with _no_cyclic_gc():
            parts = _chunk_parts(seed, as_of, the_plan, chunk)
            for part in parts:
                out.write(part)
            del parts
        if on_chunk is not None:
            on_chunk(sum(counts.values()))
    return the_plan.counts


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A chunk allocates hundreds of thousands of short-lived tuples and no reference cycle;
    the cyclic collector would walk the growing lists again and again for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def generate(
    path: Path,
    count: int,
    seed: int,
    as_of: date,
    bad_share: float = DEFAULT_BAD_SHARE,
    shares: Mapping[Case, float] | None = None,
    progress: bool | None = None,
) -> Summary:
    """Write ``count`` people to ``path`` (a CSV with the contract's columns) and say what.

    ``progress``: a rich progress bar; by default only when standard error is a terminal.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    the_plan = plan(count, bad_share, shares)  # refuse bad arguments before touching the file
    show = sys.stderr.isatty() if progress is None else progress
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (
        path.open("w", encoding="utf-8", newline="") as out,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            disable=not show,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("people", total=count)
        write_population(out, count, seed, as_of, bad_share, shares, lambda n: bar.advance(task, n))
    return Summary(path, count, time.perf_counter() - started, the_plan.counts)
