"""The bulk loader: history cards from a population file (idempotent, ledger = balance), joiners."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from contract.endpoints import CLOSE_WAVE, COMMIT_WAVE
from contract.population import COLUMNS, Case
from reference_server import admin_cli, bulkload
from reference_server.domain.cards import is_valid_card_number
from reference_server.runtime import Runtime
from reference_server.settings import ServerSettings
from reference_server.storage.tables import (
    Account,
    Beneficiary,
    Card,
    LedgerEntry,
    Wave,
    WaveJoiner,
)
from tests.factories import Partners
from tests.reference_server import waves_support as ws

CASES = [Case.PAST_BENEFICIARY, Case.REVOKED, Case.ELIGIBLE, Case.PAST_BENEFICIARY, Case.UNDERAGE]


def population_file(path: Path, niks: list[str], cases: list[Case]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for i, (nik, case) in enumerate(zip(niks, cases, strict=True)):
            row = dict.fromkeys(COLUMNS, "0")
            row.update(
                nik=nik,
                kk=nik,
                name=f"Orang {i}",
                declared_name=f"Orang {i}",
                sex="F",
                birth_date="1990-05-17",
                phone=f"0812{nik[-8:]}",
                email=f"p{nik}@example.test",
                education="SMA",
                case=case.value,
            )
            writer.writerow(row)
    return path


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(admin_cli.population_load)
    return app


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: ServerSettings) -> None:
    monkeypatch.setenv("PRAKERJA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PRAKERJA_SECRET_KEY", settings.secret_key or "")


def test_history_is_loaded_once_with_ledgers_matching_balances(
    tmp_path: Path, runtime: Runtime, env: None
) -> None:
    niks = ws.niks(ws.nik_prefix(), len(CASES))
    path = population_file(tmp_path / "people.csv", niks, CASES)
    first = CliRunner().invoke(cli(), [str(path)])
    assert first.exit_code == 0, first.output
    assert "Loaded 3 earlier card(s) from 5 row(s)" in " ".join(first.output.split())
    again = bulkload.load_history(runtime.engine, bulkload.read_population(path))
    assert (again.rows, again.written, again.skipped) == (5, 0, 5)
    with runtime.sessions() as session:
        rows = session.execute(
            select(Beneficiary.nik, Card)
            .join(Card, Card.beneficiary_id == Beneficiary.id)
            .where(Beneficiary.nik.in_(niks))
        ).all()
        assert sorted(nik for nik, _ in rows) == sorted([niks[0], niks[1], niks[3]])
        for nik, card in rows:
            assert is_valid_card_number(card.card_number) and card.card_number.startswith("4")
            ledger = session.scalar(
                select(func.sum(LedgerEntry.amount)).where(LedgerEntry.card_id == card.id)
            )
            assert ledger == card.balance
            if nik == niks[1]:
                assert card.status == "revoked" and card.revoked_at is not None
            else:
                assert card.status in ("active", "used")


def test_joiners_option_loads_every_row_into_the_wave_idempotently(
    tmp_path: Path, runtime: Runtime, partners: Partners, env: None
) -> None:
    office = ws.pmo(partners)
    code = ws.create(office, quota=1)["wave_code"]
    niks = ws.niks(ws.nik_prefix(), 5)
    path = population_file(tmp_path / "j.csv", [*niks, niks[0]], [*CASES, Case.ELIGIBLE])
    for _ in range(2):
        result = CliRunner().invoke(cli(), [str(path), "--joiners", code])
        assert result.exit_code == 0, result.output
    with runtime.sessions() as session:
        joined = session.scalars(select(WaveJoiner.nik).where(WaveJoiner.nik.in_(niks))).all()
    assert sorted(joined) == sorted(niks)
    missing = CliRunner().invoke(cli(), [str(path), "--joiners", "NO-SUCH-WAVE"])
    assert missing.exit_code == 2
    ws.step(office, COMMIT_WAVE.path, code)
    ws.step(office, CLOSE_WAVE.path, code)


def test_joiners_already_loaded_elsewhere_are_joined_once_in_mixed_chunks(
    runtime: Runtime, partners: Partners
) -> None:
    """NIKs loaded into an earlier wave keep their loader account and are joined to the next
    wave too, in chunks that mix them with fresh NIKs and repeat a NIK across chunks."""
    office = ws.pmo(partners)
    niks = ws.niks(ws.nik_prefix(), 12)
    first = ws.create(office, quota=1)["wave_code"]
    earlier = bulkload.load_joiners(runtime.engine, first, [{"nik": n} for n in niks[::2]])
    assert (earlier.rows, earlier.written) == (6, 6)
    for step in (COMMIT_WAVE, CLOSE_WAVE):
        ws.step(office, step.path, first)
    second = ws.create(office, quota=1)["wave_code"]
    rows = [{"nik": n} for n in [*niks, niks[3], niks[4]]]
    report = bulkload.load_joiners(runtime.engine, second, rows, chunk=5)
    assert (report.rows, report.written, report.skipped) == (14, 12, 2)
    again = bulkload.load_joiners(runtime.engine, second, rows, chunk=5)
    assert (again.written, again.skipped) == (0, 14)
    with runtime.sessions() as session:
        joined = session.scalars(
            select(WaveJoiner.nik)
            .join(Wave, Wave.id == WaveJoiner.wave_id)
            .where(Wave.wave_code == second)
        ).all()
        accounts = session.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.account_id.in_([f"bulk-{n}" for n in niks]))
        )
    assert sorted(joined) == sorted(niks)
    assert accounts == len(niks)
    for step in (COMMIT_WAVE, CLOSE_WAVE):
        ws.step(office, step.path, second)
