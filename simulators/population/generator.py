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

Speed: values are drawn 50,000 at a time from weighted lookup tables (``tables``) and rows are
joined from ready CSV pieces; see ``benchmarks/population.py`` for the ratio to Faker.
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
    dates,
    draw,
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
    positions = list(range(_POSITIONS))
    rng.shuffle(positions)
    order = list(range(2 * CHUNK_SIZE))
    rng.shuffle(order)
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
class _Columns:
    """The per-person pieces that come from the case blocks, in generation order."""

    nik_date: list[str] = field(default_factory=list)
    sex_date: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    email_local: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    def add_block(self, rng: random.Random, as_of: date, case: Case, n: int) -> None:
        """``n`` people of ``case``, women first then men (rows are shuffled on output)."""
        if n <= 0:
            return
        voc, ages = vocabulary(), dates(as_of).ages[_AGE_CLASS.get(case, "adult")]
        women = rng.randbytes(n).translate(_WOMEN_BYTES).count(1)
        for sex, m in ((FEMALE, women), (MALE, n - women)):
            born, named, profile, tail = random_indices(rng, m, 4)
            self.nik_date += gather(ages[sex].nik_part, born)
            self.sex_date += gather(ages[sex].sex_and_date, born)
            names = voc.names[sex]
            declared = names.mismatched if case is Case.DATA_MISMATCH else names.pieces
            self.names += gather(declared, named)
            self.email_local += gather(names.email_local, named)
            self.profile += gather(voc.profiles[case], profile)
            self.tail += gather(voc.tails[case], tail)

    def copy_people(self, start: int, stop: int, tails: Mapping[str, str]) -> None:
        """Append copies of people ``start:stop`` with their tail re-labelled."""
        self.nik_date += self.nik_date[start:stop]
        self.sex_date += self.sex_date[start:stop]
        self.names += self.names[start:stop]
        self.email_local += self.email_local[start:stop]
        self.profile += self.profile[start:stop]
        self.tail += [tails[t] for t in self.tail[start:stop]]


def _serials(
    chunk: int, per_chunk: int, offsets: list[int], prefix: list[str], nik_date: list[str]
) -> list[str]:
    """A serial piece ("0042,") per person, unique per (district, birth date) in the chunk."""
    table = [f"{chunk * per_chunk + 1 + r:04d}," for r in range(per_chunk)]
    serial = gather(table, offsets)
    if len(set(zip(prefix, nik_date, serial, strict=True))) == len(serial):
        return serial
    used: dict[tuple[str, str], set[str]] = {}
    for i, (district, born, piece) in enumerate(zip(prefix, nik_date, serial, strict=True)):
        taken = used.setdefault((district, born), set())
        if piece in taken:
            free = next((s for s in table if s not in taken), None)
            if free is None:
                raise RuntimeError(
                    f"more than {per_chunk} people born on one day in one district in one chunk"
                )
            serial[i] = piece = free
        taken.add(piece)
    return serial


def _chunk_text(seed: int, as_of: date, the_plan: Plan, chunk: int) -> str:
    """The CSV lines of one chunk (no header)."""
    counts = the_plan.chunks[chunk]
    rng = random.Random(f"population:{seed}:{as_of.isoformat()}:{chunk}")
    voc, st = vocabulary(), _seed_tables(seed)
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
    cols = _Columns()
    starts: dict[Case, int] = {}
    for case, n in (*slot_blocks, *twin_blocks, *other_blocks, *trio_blocks):
        starts.setdefault(case, len(cols.names))
        cols.add_block(rng, as_of, case, n)
    n_slot = sum(n for _, n in slot_blocks)
    n_other = sum(n for _, n in other_blocks)
    n_unique = len(cols.names)
    relabel = {t: t.replace(",ELIGIBLE\n", ",DUPLICATE_NIK\n") for t in set(cols.tail[:n_dn])}
    cols.copy_people(0, n_dn, relabel)
    n = len(cols.names)

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
    district = draw(rng, voc.districts, n_families)
    family_prefix = gather(voc.district_prefix, district)
    family_place = list(
        map(
            "".join,
            zip(
                draw(rng, voc.birth_places, n_families),
                gather(voc.district_code, district),
                draw(rng, voc.addresses, n_families),
                strict=True,
            ),
        )
    )
    prefix = gather(family_prefix, family)
    kk = gather(st.five_comma, family)  # the family's position: KK = prefix + chunk5 + this
    place = gather(family_place, family)

    per_chunk = the_plan.serials_per_chunk
    offsets = _serial_offsets(seed, per_chunk)[:n_unique]
    serial = _serials(chunk, per_chunk, offsets, prefix[:n_unique], cols.nik_date[:n_unique])
    serial += serial[:n_dn]

    phone = draw_bytes(rng, [p + chunk3 for p in voc.phone_prefixes], n)
    domain = draw_bytes(rng, [f"{chunk3}@{d}," for d in voc.email_domains], n)
    face, mismatched, selfie = (
        f"fc{st.tag}-{chunk3}",
        f"fx{st.tag}-{chunk3}",
        f"lv_{st.tag}.{chunk3}",
    )
    own = st.five_comma[:n]
    face_position = list(own)
    twins = starts.get(Case.DUPLICATE_FACE, 0)
    face_position[twins : twins + n_df] = own[n_dn : n_dn + n_df]
    face_position[n_unique:n] = own[0:n_dn]
    selfie_face = [face] * n
    spoofed = starts.get(Case.FACE_MISMATCH, 0)
    selfie_face[spoofed : spoofed + counts[Case.FACE_MISMATCH]] = [mismatched] * counts[
        Case.FACE_MISMATCH
    ]
    assert len(prefix) == len(kk) == len(serial) == len(cols.tail) == n, "column lengths differ"

    rows = list(
        map(
            "".join,
            zip(
                prefix,
                cols.nik_date,
                serial,
                prefix,
                repeat(chunk5),
                kk,
                cols.names,
                cols.sex_date,
                place,
                phone,
                own,
                cols.email_local,
                st.five[:n],
                domain,
                cols.profile,
                repeat(face),
                face_position,
                repeat(selfie),
                own,
                selfie_face,
                face_position,
                cols.tail,
            ),
        )
    )
    order = st.full_order if n == CHUNK_SIZE else [i for i in st.order if i < n]
    return "".join(gather(rows, order))


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
            text = _chunk_text(seed, as_of, the_plan, chunk)
        yield text


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
            text = _chunk_text(seed, as_of, the_plan, chunk)
        out.write(text)
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
