"""The revoke job: unused wave cards past the deadline lose their balance; a purchase keeps one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from contract.endpoints import REVOKE_EXPIRED
from contract.population import Case
from contract.registration import Stage
from reference_server.runtime import Runtime
from reference_server.services.cards import revoke_expired
from reference_server.storage.tables import (
    Applicant,
    Beneficiary,
    Card,
    LedgerEntry,
    Transaction,
    Wave,
)
from tests.factories import Partners, success_data
from tests.reference_server import waves_support as ws


def _cards(runtime: Runtime, wave_code: str) -> list[Card]:
    with runtime.sessions() as session:
        wave_id = session.scalar(select(Wave.id).where(Wave.wave_code == wave_code))
        return list(session.scalars(select(Card).where(Card.wave_id == wave_id).order_by(Card.id)))


def _mark_purchased(runtime: Runtime, card: Card, status: str) -> None:
    """A transaction on the card, as a DP purchase leaves it (voided or live)."""
    with runtime.sessions() as session, session.begin():
        other = session.scalars(select(Transaction).limit(1)).first()
        assert other is not None, "the fixtures hold purchases to copy the references from"
        session.add(
            Transaction(
                transaction_code=f"TX{card.id:010d}{status[:1]}",
                dp_id=other.dp_id,
                invoice_code=f"INV-REVOKE-{card.card_number}",
                invoice_url="http://127.0.0.1/invoice",
                user_platform_id="u",
                card_id=card.id,
                course_id=other.course_id,
                schedule_id=other.schedule_id,
                amount=100_000,
                status=status,
            )
        )


def test_unused_cards_are_revoked_a_bought_one_kept_idempotent(
    partners: Partners, runtime: Runtime
) -> None:
    office = ws.pmo(partners)
    drawn = ws.drawn_wave(office, runtime, quota=4, joiners=ws.niks(ws.nik_prefix(), 4))
    bought, voided, *unused = _cards(runtime, drawn["wave_code"])
    _mark_purchased(runtime, bought, "SUCCESS")
    _mark_purchased(runtime, voided, "VOIDED")  # undone: the card counts as unused
    deadline = bought.purchase_deadline
    assert deadline is not None

    revoke_expired(runtime.sessions, deadline - timedelta(minutes=1))
    # Cards of earlier tests (older deadlines) may go; none of this wave's may, before its own.
    assert {c.status for c in _cards(runtime, drawn["wave_code"])} == {"active"}

    as_of = bought.created_at + timedelta(days=31)
    result = success_data(office.post(REVOKE_EXPIRED.path, {"as_of": as_of.isoformat()}))
    mine = {c.id: c for c in _cards(runtime, drawn["wave_code"])}
    assert result["revoked"] >= 3  # other tests' unused cards may go too
    assert mine[bought.id].status == "active" and mine[bought.id].balance == bought.balance
    for card in (voided, *unused):
        after = mine[card.id]
        assert after.status == "revoked" and after.balance == 0
        assert after.revoked_at == as_of.astimezone(UTC)
        with runtime.sessions() as session:
            entries = session.execute(
                select(LedgerEntry.kind, LedgerEntry.amount)
                .where(LedgerEntry.card_id == card.id)
                .order_by(LedgerEntry.id)
            ).all()
            assert entries == [("grant", card.balance), ("revoke_return", -card.balance)]
            applicant = session.execute(
                select(Applicant.stage, Applicant.reason)
                .join(Beneficiary, Beneficiary.nik == Applicant.nik)
                .where(Beneficiary.id == card.beneficiary_id)
            ).one()
            assert applicant == (Stage.REVOKED.value, Case.REVOKED.value)

    again = revoke_expired(runtime.sessions, as_of + timedelta(days=1))
    assert again.revoked == 0 and again.returned == 0
    with runtime.sessions() as session:
        assert (
            session.scalar(
                select(func.sum(LedgerEntry.amount)).where(LedgerEntry.card_id == voided.id)
            )
            == 0
        )


def test_revoke_job_default_time_is_now(runtime: Runtime) -> None:
    before = datetime.now(UTC)
    result = revoke_expired(runtime.sessions)
    assert datetime.fromisoformat(result.as_of.replace("Z", "+00:00")) >= before.replace(
        microsecond=0
    )
