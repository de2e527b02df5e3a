"""``prakerja lottery verify``: recomputes a draw from exported files, exit 0 agree, 1 disagree."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reference_server import admin_cli
from reference_server.domain import lottery

SEED = "ab" * 32
JOINERS = [f"3175{i:012d}" for i in range(3_000)]
runner = CliRunner()


def write(path: Path, niks: list[str]) -> Path:
    path.write_text("nik\n" + "".join(f"{n}\n" for n in niks), encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(admin_cli.lottery_app, ["verify", *args])
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    winners = lottery.draw(SEED, JOINERS, 250)
    return write(tmp_path / "j.csv", JOINERS), write(tmp_path / "w.csv", winners), winners


def test_agrees_with_the_draw_and_its_commitment(files: tuple[Path, Path, list[str]]) -> None:
    joiners, winners, _ = files
    code, out = run(
        "--seed",
        SEED,
        "--joiners",
        str(joiners),
        "--winners",
        str(winners),
        "--commitment",
        lottery.commitment(SEED),
    )
    assert code == 0, out
    assert "agree" in out and "250 winner(s) of 3000 joiner(s), quota 250" in out


def test_sorted_winners_still_agree(files: tuple[Path, Path, list[str]], tmp_path: Path) -> None:
    joiners, _, winners = files
    shuffled = write(tmp_path / "sorted.csv", sorted(winners))
    code, out = run("--seed", SEED, "--joiners", str(joiners), "--winners", str(shuffled))
    assert code == 0 and "different order" in out


def test_tampered_winner_disagrees(files: tuple[Path, Path, list[str]], tmp_path: Path) -> None:
    joiners, _, winners = files
    outsider = next(n for n in JOINERS if n not in winners)
    tampered = write(tmp_path / "t.csv", [*winners[:-1], outsider])
    code, out = run("--seed", SEED, "--joiners", str(joiners), "--winners", str(tampered))
    assert code == 1
    assert "disagree" in out and "1 listed winner(s) not drawn" in out


def test_wrong_seed_for_the_commitment_disagrees(files: tuple[Path, Path, list[str]]) -> None:
    joiners, winners, _ = files
    code, out = run(
        "--seed",
        SEED,
        "--joiners",
        str(joiners),
        "--winners",
        str(winners),
        "--commitment",
        lottery.commitment("cd" * 32),
    )
    assert code == 1 and "does not match the commitment" in out


def test_wrong_quota_and_duplicate_joiner_disagree(
    files: tuple[Path, Path, list[str]], tmp_path: Path
) -> None:
    joiners, winners, listed = files
    code, out = run(
        "--seed", SEED, "--joiners", str(joiners), "--winners", str(winners), "--quota", "251"
    )
    assert code == 1 and "missing from the winners" in out
    repeated = write(tmp_path / "dup.csv", [*JOINERS, JOINERS[10]])
    code, out = run("--seed", SEED, "--joiners", str(repeated), "--winners", str(winners))
    assert code == 1 and "joiners list repeats a NIK" in out


def test_bad_files_are_usage_errors(tmp_path: Path, files: tuple[Path, Path, list[str]]) -> None:
    joiners, winners, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text("nik\n12345\n", encoding="utf-8")
    assert run("--seed", SEED, "--joiners", str(bad), "--winners", str(winners))[0] == 2
    assert run("--seed", "xyz", "--joiners", str(joiners), "--winners", str(winners))[0] == 2


def test_duplicate_finder_is_exact() -> None:
    class Listed(admin_cli.NikFile):
        def __init__(self, niks: list[str]) -> None:
            self.niks = niks

        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(self.niks)

    assert admin_cli.duplicate_and_count(Listed(JOINERS), buckets=7) == (None, 3_000)
    assert admin_cli.duplicate_and_count(Listed([*JOINERS, JOINERS[-1]]), buckets=7) == (
        JOINERS[-1],
        3_001,
    )
