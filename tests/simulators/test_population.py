"""The synthetic population: reproducible, structurally valid, and every case built as its label says.

Every invariant is recomputed from the written file, not taken from the generator's word: the
NIK layout, uniqueness, the family cards, each case's one failing check, the exact case counts
and the demographics of program-facts.md.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contract import regions
from contract.population import COLUMNS, OCCUPATION_STUDENT, OFFICIAL_OCCUPATIONS, Case
from contract.registration import EmploymentStatus
from simulators.population import (
    Person,
    PlanError,
    case_counts,
    case_counts_for,
    generate,
    plan,
    read_population,
)
from simulators.population.cli import app
from simulators.population.plan import CHUNK_SIZE

AS_OF = date(2021, 3, 1)
COUNT = 2 * CHUNK_SIZE + 3  # two chunks: uniqueness must hold across them
SELFIE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# People who pass every check other than the KK limit under one scheme or another (a duplicate
# NIK and its original are one NIK: only one of them can pass).
PASSING = {Case.ELIGIBLE, Case.SOCIAL_ASSISTANCE, Case.DUPLICATE_FACE, Case.KK_LIMIT}


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Person]]:
    path = tmp_path_factory.mktemp("population") / "people.csv"
    generate(path, COUNT, seed=7, as_of=AS_OF, progress=False)
    return path, list(read_population(path))


@pytest.fixture(scope="module")
def people(population: tuple[Path, list[Person]]) -> list[Person]:
    return population[1]


def test_header_is_the_contract_columns(population: tuple[Path, list[Person]]) -> None:
    path, people = population
    with path.open(encoding="utf-8") as handle:
        assert tuple(handle.readline().rstrip("\n").split(",")) == COLUMNS
    assert len(people) == COUNT


def test_same_arguments_give_the_same_bytes_and_others_do_not(tmp_path: Path) -> None:
    def make(name: str, seed: int, as_of: date = AS_OF, bad_share: float = 0.3) -> bytes:
        generate(tmp_path / name, 3_000, seed, as_of, bad_share, progress=False)
        return (tmp_path / name).read_bytes()

    first = make("a.csv", 11)
    assert make("b.csv", 11) == first
    assert make("c.csv", 12) != first
    assert make("d.csv", 11, AS_OF + timedelta(days=1)) != first
    assert make("e.csv", 11, bad_share=0.2) != first


def test_case_counts_are_exact(people: list[Person]) -> None:
    expected = case_counts_for(COUNT)
    assert case_counts(people) == expected
    assert sum(expected.values()) == COUNT
    bad = COUNT - expected[Case.ELIGIBLE]
    assert bad == round(COUNT * 0.30)
    assert (
        max(expected[c] for c in Case if c is not Case.ELIGIBLE)
        - min(expected[c] for c in Case if c is not Case.ELIGIBLE)
        <= 1
    )


def test_every_nik_is_structurally_valid(people: list[Person]) -> None:
    for p in people:
        assert re.fullmatch(r"[0-9]{16}", p.nik), p
        district = regions.district_of_nik_prefix(p.nik[:6])
        assert district is not None and district.code == p.region_code, p
        day = p.birth_date.day + (40 if p.sex == "F" else 0)
        assert p.nik[6:12] == f"{day:02d}{p.birth_date.month:02d}{p.birth_date.year % 100:02d}"
        assert 1 <= int(p.nik[12:]) <= 9999, p
        assert re.fullmatch(r"[0-9]{16}", p.kk) and p.kk[:6] == p.nik[:6], p
        assert p.sex in ("F", "M")


def test_niks_are_unique_but_for_the_duplicate_nik_copies(people: list[Person]) -> None:
    originals = [p for p in people if p.case is not Case.DUPLICATE_NIK]
    assert len({p.nik for p in originals}) == len(originals)
    by_nik = {p.nik: p for p in originals}
    registry = ("kk", "name", "declared_name", "sex", "birth_date", "region_code", "face_id")
    for copy in (p for p in people if p.case is Case.DUPLICATE_NIK):
        original = by_nik[copy.nik]
        assert original.case is Case.ELIGIBLE
        assert all(getattr(copy, f) == getattr(original, f) for f in registry), copy
        assert copy.selfie_face == original.selfie_face and copy.selfie_live
        assert copy.email != original.email and copy.phone != original.phone
        assert copy.selfie != original.selfie


def test_contacts_selfies_and_faces_are_unique(people: list[Person]) -> None:
    assert len({p.email for p in people}) == COUNT
    assert len({p.phone for p in people}) == COUNT
    assert len({p.selfie for p in people}) == COUNT
    for p in people:
        assert re.fullmatch(r"08[1-9][0-9]{9}", p.phone), p.phone
        assert re.fullmatch(r"[a-z]+\.[a-z]+[0-9]+@[a-z.]+", p.email), p.email
        assert SELFIE.fullmatch(p.selfie), p.selfie
    # A face appears once, except the duplicate-NIK copy (same person) and the duplicate-face
    # twin, each beside exactly one eligible original.
    faces = Counter(p.face_id for p in people)
    for p in people:
        if p.case in (Case.DUPLICATE_NIK, Case.DUPLICATE_FACE):
            assert faces[p.face_id] == 2, p
    shared = {face for face, n in faces.items() if n > 1}
    assert (
        len(shared)
        == case_counts_for(COUNT)[Case.DUPLICATE_NIK] + case_counts_for(COUNT)[Case.DUPLICATE_FACE]
    )


def test_each_case_fails_its_one_check(people: list[Person]) -> None:
    faces = {p.face_id for p in people}
    by_face: dict[str, list[Person]] = defaultdict(list)
    for p in people:
        by_face[p.face_id].append(p)
    for p in people:
        case = p.case
        assert (_norm(p.declared_name) != _norm(p.name)) == (case is Case.DATA_MISMATCH), p
        assert p.selfie_live == (case is not Case.LIVENESS_FAILED), p
        if case is Case.FACE_MISMATCH:
            assert p.selfie_face != p.face_id and p.selfie_face not in faces, p
        else:
            assert p.selfie_face == p.face_id, p
        if case is Case.DUPLICATE_FACE:
            (original,) = [q for q in by_face[p.face_id] if q is not p]
            assert original.case is Case.ELIGIBLE
            assert original.nik != p.nik and original.kk != p.kk
        student = p.occupation == OCCUPATION_STUDENT
        assert student == (case is Case.STUDENT), p
        assert (p.employment_status == EmploymentStatus.STUDENT) == (case is Case.STUDENT), p
        official = p.occupation in OFFICIAL_OCCUPATIONS
        assert official == p.is_official == (case is Case.OFFICIAL), p
        assert p.dtks == (case is Case.SOCIAL_ASSISTANCE), p
        age = _age(p.birth_date, AS_OF)
        # Seven days either side of the as-of date the age is the same: no edge case.
        assert (
            _age(p.birth_date, AS_OF - timedelta(7))
            == age
            == _age(p.birth_date, AS_OF + timedelta(7))
        ), p
        if case is Case.UNDERAGE:
            assert 15 <= age <= 17, p
        else:
            assert age >= 18, p


def test_family_cards_reach_the_limit_only_where_labelled(people: list[Person]) -> None:
    families: dict[str, list[Person]] = defaultdict(list)
    for p in people:
        families[p.kk].append(p)
    limited = 0
    for kk, members in families.items():
        assert len({m.region_code for m in members}) == 1, kk
        assert len({m.address for m in members}) == 1, kk
        passing = {m.nik for m in members if m.case in PASSING or m.case is Case.DUPLICATE_NIK}
        labels = Counter(m.case for m in members)
        if labels[Case.KK_LIMIT]:
            limited += 1
            assert labels == {Case.ELIGIBLE: 2, Case.KK_LIMIT: 1}, kk
            assert not any(m.dtks for m in members)
        else:
            assert len(passing) <= 2, (kk, members)
        if labels[Case.DUPLICATE_FACE]:
            assert len(members) == 1
    assert limited == case_counts_for(COUNT)[Case.KK_LIMIT]


def _share(people: list[Person], test: object) -> float:
    assert callable(test)
    return sum(1 for p in people if test(p)) / len(people)


def test_eligible_people_follow_the_programme_demographics(people: list[Person]) -> None:
    eligible = [p for p in people if p.case is Case.ELIGIBLE]
    assert len(eligible) > 30_000

    def age(p: Person) -> int:
        return _age(p.birth_date, AS_OF)

    expected = {
        "women": (_share(eligible, lambda p: p.sex == "F"), 0.52),
        "rural": (_share(eligible, lambda p: p.rural), 0.62),
        "18-41": (_share(eligible, lambda p: 18 <= age(p) <= 41), 0.73),
        "over 60": (_share(eligible, lambda p: age(p) > 60), 0.02),
        "primary only": (_share(eligible, lambda p: p.education == "SD"), 0.18),
        "not working": (
            _share(eligible, lambda p: p.employment_status in ("UNEMPLOYED", "LAID_OFF")),
            0.90,
        ),
        "no account": (_share(eligible, lambda p: not p.has_account), 0.28),
        "disability": (_share(eligible, lambda p: p.disability), 0.02),
        "migrant": (_share(eligible, lambda p: p.migrant_worker), 0.03),
    }
    off = {k: v for k, v in expected.items() if abs(v[0] - v[1]) > 0.015}
    assert not off, off
    provinces = Counter(p.region_code[:2] for p in eligible)
    assert len(provinces) >= 34  # spread over the country
    top = provinces.most_common(3)
    assert {code for code, _ in top} == {"32", "33", "35"}  # Java's three big provinces lead


def test_plan_refuses_what_cannot_be_built() -> None:
    with pytest.raises(PlanError):
        plan(0)
    with pytest.raises(PlanError):
        plan(1_000, bad_share=1.0)
    with pytest.raises(PlanError):
        plan(1_000, bad_share=0.95)  # too few eligible partners for the group cases
    with pytest.raises(PlanError):
        plan(1_000, shares={Case.ELIGIBLE: 0.5})
    with pytest.raises(PlanError):
        plan(1_000, bad_share=0.1, shares={Case.UNDERAGE: 0.2})
    counts = case_counts_for(1_000, 0.26, {Case.KK_LIMIT: 0.05})
    assert counts[Case.KK_LIMIT] == 50
    assert sum(counts.values()) == 1_000 and counts[Case.ELIGIBLE] == 740
    chunked = plan(2 * CHUNK_SIZE + 7)
    assert [sum(c.values()) for c in chunked.chunks] == [CHUNK_SIZE, CHUNK_SIZE + 7]
    for case in Case:
        assert sum(c[case] for c in chunked.chunks) == chunked.counts[case]


def test_tiny_and_clean_populations_work(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    generate(path, 1, seed=1, as_of=AS_OF, progress=False)
    (only,) = read_population(path)
    assert only.case is Case.ELIGIBLE
    generate(path, 500, seed=1, as_of=AS_OF, bad_share=0.0, progress=False)
    assert case_counts(path)[Case.ELIGIBLE] == 500


def test_reader_refuses_another_file(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a population file"):
        list(read_population(path))


def test_cli_generates_and_summarises(tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    args = ["generate", "--count", "2000", "--seed", "5", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--as-of", "2021-03-01", "--bad-share", "0.2"])
    assert result.exit_code == 0, result.output
    assert "2,000" in result.output and "KK_LIMIT" in result.output
    assert case_counts(out) == case_counts_for(2000, 0.2)
    again = tmp_path / "again.csv"
    result = CliRunner().invoke(
        app,
        ["generate", "--count", "2000", "--seed", "5", "--out", str(again), "--as-of",
         "2021-03-01", "--bad-share", "0.2", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0 and result.output == ""
    assert again.read_bytes() == out.read_bytes()
    refused = CliRunner().invoke(app, [*args, "--bad-share", "0.99"])
    assert refused.exit_code != 0 and "bad share" in refused.output
    bad_date = CliRunner().invoke(app, [*args, "--as-of", "yesterday"])
    assert bad_date.exit_code != 0
    shares = CliRunner().invoke(app, [*args, "--case", "kk_limit=0.05", "--case", "UNDERAGE=0"])
    assert shares.exit_code == 0, shares.output
    counts = case_counts(out)
    assert counts[Case.KK_LIMIT] == 100 and counts[Case.UNDERAGE] == 0
    assert counts == case_counts_for(2000, shares={Case.KK_LIMIT: 0.05, Case.UNDERAGE: 0.0})
    unknown = CliRunner().invoke(app, [*args, "--case", "NOPE=0.1"])
    assert unknown.exit_code != 0 and "CASE=SHARE" in unknown.output


def test_rows_are_shuffled_not_grouped(people: list[Person]) -> None:
    """Cases and family cards are spread over the file: a reader taking the first rows gets every
    case in about its share, and neighbours are no more alike than in a random order."""
    head = Counter(p.case for p in people[:5_000])
    expected = case_counts_for(COUNT)
    for case in Case:
        assert abs(head[case] / 5_000 - expected[case] / COUNT) < 0.02, case
    same_case = sum(a.case is b.case for a, b in zip(people, people[1:], strict=False))
    random_order = sum((n / COUNT) ** 2 for n in expected.values()) * (COUNT - 1)
    assert same_case < 1.1 * random_order
    same_card = sum(a.kk == b.kk for a, b in zip(people, people[1:], strict=False))
    assert same_card < 0.001 * COUNT
