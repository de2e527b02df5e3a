"""The synthetic population: seeded, reproducible, column-wise and fast.

Same (count, seed, as_of, bad share, case shares) give a byte-identical file (on one Python version:
every draw is ``random.Random.randbytes``, read as little-endian numbers on any machine). The file is written in chunks of
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
the chunk's range and the rare collisions (same district, same birth day, same serial; found by
sorting the chunk's NIKs as numbers) are re-assigned by probing the range. Phones, e-mails, face ids,
selfie tokens and KK numbers are unique by construction: each carries the chunk number (3 or 5
digits, distinct per chunk) and the person's (or family's) position in the chunk through a
seeded permutation of 0-99,999 (5 digits).

Speed (vectorised, written in chunks): each column's random indices for a whole block of people
come from one ``randbytes`` draw into stacked weighted tables (``tables``), as numpy arrays; the
shuffle is applied to those indices, not to rows. Rows are then assembled ``_SLICE`` at a time
(so the pieces are still in the CPU cache): every column is one numpy gather of fixed-width,
NUL-padded CSV pieces, the columns are laid side by side as the fields of a packed record, and
one ``bytes.translate`` drops the padding, leaving the CSV lines. No per-person Python code runs.
See ``benchmarks/population.py`` for the ratio to Faker.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TextIO

import numpy as np

from contract.population import COLUMNS, Case
from simulators.population import demographics as demo
from simulators.population.plan import CHUNK_SIZE, DEFAULT_BAD_SHARE, Plan, plan
from simulators.population.tables import (
    FEMALE,
    MALE,
    TABLE_SIZE,
    Indices,
    Pieces,
    date_table,
    dates,
    pieces,
    random_bytes,
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
_FAMILY_SIZES = np.array(
    weighted(list(demo.SLOT_FAMILY_SIZES), list(demo.SLOT_FAMILY_SIZES.values()), size=256)
)
_ALONE = int(demo.ALONE * 2**32)
_POSITIONS = 2 * CHUNK_SIZE  # 5-digit position numbers: as many as a chunk's people at most
_SLICE = 4_096  # rows assembled at a time: their pieces stay in the CPU cache


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
    positions: Indices  # a permutation of 0..99,999
    five: Pieces  # the permutation as 5-digit pieces
    five_comma: Pieces  # the same with a comma
    order: Indices  # the order rows of the longest chunk are written in
    chunk_shift: tuple[int, int]


@cache
def _seed_tables(seed: int) -> _SeedTables:
    rng = random.Random(f"population:{seed}:tables")
    # A permutation: the positions sorted by a random 64-bit key each (ties keep their order).
    keys = np.frombuffer(rng.randbytes(8 * _POSITIONS), "<u8")
    order = np.argsort(keys, kind="stable").astype(np.int64)
    # A second permutation without a second shuffle: ``order`` composed with itself.
    positions = order[order]
    five = pieces([f"{p:05d}" for p in positions.tolist()])
    return _SeedTables(
        tag=hashlib.sha256(f"population:{seed}".encode()).hexdigest()[:6],
        positions=positions,
        five=five,
        five_comma=np.char.add(five, b","),
        order=order,
        chunk_shift=(rng.randrange(1000), rng.randrange(100_000)),
    )


def _join(*columns: Pieces | bytes) -> Pieces:
    """Row-wise concatenation of equal-length piece columns (a ``bytes`` repeats on every row).

    The pieces are laid side by side as the fields of a packed record, so each piece keeps its
    NUL padding; ``_rows`` drops all of it at once at the end.
    """
    n = max(len(c) for c in columns if isinstance(c, np.ndarray))
    record = np.dtype(
        [
            (f"f{i}", c.dtype if isinstance(c, np.ndarray) else f"S{len(c)}")
            for i, c in enumerate(columns)
        ]
    )
    out = np.empty(n, record)
    for i, c in enumerate(columns):
        out[f"f{i}"] = c
    return out.view(f"S{record.itemsize}")


def _chunk_text(seed: int, as_of: date, the_plan: Plan, chunk: int) -> list[bytes]:
    """The CSV lines of one chunk (no header), rows shuffled, UTF-8 encoded, in parts."""
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
    # Per person, in generation order: indices into the stacked tables of ``tables``.
    drawn: list[list[Indices]] = [[], [], [], []]  # born, named, profile, tail
    starts: dict[Case, int] = {}
    n_unique = 0
    for case, n in (*slot_blocks, *twin_blocks, *other_blocks, *trio_blocks):
        starts.setdefault(case, n_unique)
        if n <= 0:
            continue
        age_class = _AGE_CLASS.get(case, "adult")
        women = rng.randbytes(n).translate(_WOMEN_BYTES).count(1)
        for sex, m in ((FEMALE, women), (MALE, n - women)):  # rows are shuffled on output
            tables = (
                date_table(age_class, sex),
                voc.name_table(sex, mismatched=case is Case.DATA_MISMATCH),
                voc.profile_table[case],
                voc.tail_table[case],
            )
            for column, indices in zip(drawn, random_indices(rng, m, tables), strict=True):
                column.append(indices)
        n_unique += n
    # The duplicate-NIK copies: people 0..n_dn again, their tail from the DUPLICATE_NIK table.
    tail_shift = (voc.tail_table[Case.DUPLICATE_NIK] - voc.tail_table[Case.ELIGIBLE]) * TABLE_SIZE
    born, named, profile, tail = (np.concatenate(column) for column in drawn)
    born, named, profile = (np.concatenate([c, c[:n_dn]]) for c in (born, named, profile))
    tail = np.concatenate([tail, tail[:n_dn] + tail_shift])
    n = len(born)
    n_slot = sum(n for _, n in slot_blocks)
    n_other = sum(n for _, n in other_blocks)

    # Family cards: one or two slot people each (spread over the slot area), duplicate-face
    # twins alone, the other people attached to a random slot family or alone, the trios on
    # cards of their own.
    sizes = _FAMILY_SIZES[random_bytes(rng, n_slot)]
    slot_family = np.repeat(np.arange(n_slot), sizes)[:n_slot]
    n_slot_families = int(slot_family[-1]) + 1 if n_slot else 0
    slot_family = np.concatenate([slot_family[0::3], slot_family[1::3], slot_family[2::3]])
    picks = np.frombuffer(rng.randbytes(4 * n_other), "<u4").astype(np.int64)
    twin_family = np.arange(n_slot_families, n_slot_families + n_df)
    alone = n_slot_families + n_df
    other_family = alone + np.arange(n_other)
    if n_slot_families:
        other_family = np.where(picks < _ALONE, other_family, picks % n_slot_families)
    trio_base = alone + n_other
    trio_family = np.arange(trio_base, trio_base + n_kk)
    family = np.concatenate(
        [
            slot_family,
            twin_family,
            other_family,
            trio_family.repeat(2),
            trio_family,
            slot_family[:n_dn],
        ]
    )
    n_families = trio_base + n_kk

    shift3, shift5 = st.chunk_shift
    chunk3 = f"{(chunk * 7 + shift3) % 1000:03d}"  # distinct for chunks 0..999
    chunk5 = f"{(chunk * 7919 + shift5) % 100_000:05d}"
    district, birth_place, address = random_indices(rng, n_families, (0, 0, 0))
    # KK: district prefix + chunk5 + the family's position (5 digits).
    family_kk = _join(voc.district_prefix[district], chunk5.encode(), st.five_comma[:n_families])
    family_place = _join(  # birth place, district code, address, rural
        voc.birth_places[birth_place], voc.district_code[district], voc.addresses[address]
    )

    per_chunk = the_plan.serials_per_chunk
    offsets = st.positions[:n_unique] % per_chunk
    serial_numbers = chunk * per_chunk + 1 + offsets
    serials = [f"{chunk * per_chunk + 1 + r:04d}," for r in range(per_chunk)]
    person_district = district[family[:n_unique]]
    nik = _join(
        voc.district_prefix[person_district],
        days.nik_part[born[:n_unique]],
        pieces(serials)[offsets],
    )
    key = np.sort(
        voc.district_number[person_district] * 10**10
        + days.nik_number[born[:n_unique]] * 10**4
        + serial_numbers
    )
    if (key[1:] == key[:-1]).any():
        texts = [piece.decode("utf-8") for piece in nik.tolist()]
        _renumber(texts, serials)
        nik = pieces(texts)
    nik = np.concatenate([nik, nik[:n_dn]])

    phone = random_bytes(rng, n)  # into the 256-entry tables
    domain = random_bytes(rng, n)
    face, mismatched, selfie = (
        f"fc{st.tag}-{chunk3}",
        f"fx{st.tag}-{chunk3}",
        f"lv_{st.tag}.{chunk3}",
    )
    # Person i's own position is st.five[i]; twins and copies show their original's face.
    face_position = np.arange(n)
    twins = starts.get(Case.DUPLICATE_FACE, 0)
    face_position[twins : twins + n_df] = np.arange(n_dn, n_dn + n_df)
    face_position[n_unique:n] = np.arange(n_dn)
    selfie_face = np.zeros(n, np.int64)  # face, or mismatched for FACE_MISMATCH
    spoofed = starts.get(Case.FACE_MISMATCH, 0)
    selfie_face[spoofed : spoofed + counts[Case.FACE_MISMATCH]] = 1

    # Rows in output order: every per-person index is taken through the shuffle first.
    order = st.order[st.order < n] if n < _POSITIONS else st.order
    fam, named, face_position = family[order], named[order], face_position[order]
    columns: list[tuple[Pieces, Indices] | bytes] = [
        (nik, order),
        (family_kk, fam),
        (voc.names, named),
        (days.sex_and_date, born[order]),
        (family_place, fam),
        (pieces([p + chunk3 for p in voc.phone_prefixes]), phone[order]),
        (st.five_comma, order),
        (voc.email_local, named),
        (st.five, order),
        (pieces([f"{chunk3}@{d}," for d in voc.email_domains]), domain[order]),
        (voc.profiles, profile[order]),
        face.encode(),
        (st.five_comma, face_position),
        selfie.encode(),
        (st.five_comma, order),
        (pieces([face, mismatched]), selfie_face[order]),
        (st.five_comma, face_position),
        (voc.tails, tail[order]),
    ]
    return [_rows(columns, start, min(start + _SLICE, n)) for start in range(0, n, _SLICE)]


def _rows(columns: list[tuple[Pieces, Indices] | bytes], start: int, stop: int) -> bytes:
    """Rows ``start:stop`` of the output as CSV lines."""
    rows = _join(*(c if isinstance(c, bytes) else np.take(c[0], c[1][start:stop]) for c in columns))
    return rows.tobytes().translate(None, b"\0")


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
        yield b"".join(_chunk_text(seed, as_of, the_plan, chunk)).decode("utf-8")


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
    return _write(
        lambda text: out.write(text.decode("utf-8")),
        count,
        seed,
        as_of,
        bad_share,
        shares,
        on_chunk,
    )


def _write(
    write: Callable[[bytes], object],
    count: int,
    seed: int,
    as_of: date,
    bad_share: float,
    shares: Mapping[Case, float] | None,
    on_chunk: Callable[[int], None] | None,
) -> dict[Case, int]:
    """The file as UTF-8 parts to ``write``: ``generate`` hands them to a binary file as they
    are (a text layer would encode megabytes again), ``write_population`` decodes them."""
    the_plan = plan(count, bad_share, shares)
    write(HEADER.encode("utf-8"))
    for chunk, counts in enumerate(the_plan.chunks):
        for part in _chunk_text(seed, as_of, the_plan, chunk):
            write(part)
        if on_chunk is not None:
            on_chunk(sum(counts.values()))
    return the_plan.counts


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
        path.open("wb") as out,  # UTF-8 as it comes: no text layer to encode it again
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
        _write(out.write, count, seed, as_of, bad_share, shares, lambda n: bar.advance(task, n))
    return Summary(path, count, time.perf_counter() - started, the_plan.counts)
