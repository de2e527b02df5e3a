"""Cards issued at selection: Luhn numbers, the scheme's balance credited by one grant entry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from contract.registration import Stage
from reference_server.domain.cards import is_valid_card_number
from reference_server.domain.schemes import scheme
from reference_server.runtime import Runtime
from reference_server.storage.tables import (
    Applicant,
    AuditEvent,
    Beneficiary,
    Card,
    LedgerEntry,
    Wave,
)
from tests.factories import Partners
from tests.reference_server import waves_support as ws


def test_winners_get_active_cards_with_the_scheme_balance_as_a_ledger_grant(
    partners: Partners, runtime: Runtime
) -> None:
    office = ws.pmo(partners)
    joiners = ws.niks(ws.nik_prefix(), 30)
    drawn = ws.drawn_wave(office, runtime, quota=12, joiners=joiners, scheme="semi_bansos")
    winners = ws.export(office, drawn["wave_code"], "winners")
    amount = scheme("semi_bansos").training_balance
    with runtime.sessions() as session:
        wave = session.scalars(select(Wave).where(Wave.wave_code == drawn["wave_code"])).one()
        rows = session.execute(
            select(Card, Beneficiary.nik)
            .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
            .where(Card.wave_id == wave.id)
        ).all()
        assert sorted(nik for _, nik in rows) == sorted(winners)
        for card, _ in rows:
            assert is_valid_card_number(card.card_number)
            assert card.card_number.startswith("5")
            assert card.status == "active" and card.scheme == "semi_bansos"
            assert card.balance == amount
            assert card.purchase_deadline == card.created_at + timedelta(days=30)
            entries = session.execute(
                select(LedgerEntry.kind, LedgerEntry.amount).where(LedgerEntry.card_id == card.id)
            ).all()
            assert entries == [("grant", amount)]
            audited = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.entity == "card", AuditEvent.entity_id == card.card_number)
            )
            assert audited == 1
        stages = dict(
            session.execute(
                select(Applicant.nik, Applicant.stage).where(Applicant.nik.in_(joiners))
            ).all()
        )
    assert all(stages[nik] == Stage.BENEFICIARY.value for nik in winners)
    assert all(stages[nik] == Stage.NOT_SELECTED.value for nik in set(joiners) - set(winners))
