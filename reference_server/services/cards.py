"""Cards of the beneficiary journey: issued at selection, revoked when unused past the deadline.

Issue. A winner of a wave's draw becomes a Beneficiary with a Card: a 16-digit Luhn number
``5`` + the wave id (5 digits) + the draw rank (9 digits) + check digit, so numbers are unique
without a counter (and never collide with the fixtures' cards, which start with ``9``, or with
the loaded history's, which start with ``4``); status ``active``; the scheme's training balance
credited by a ``grant`` ledger entry in the same transaction; a purchase deadline the scheme's
``purchase_deadline_days`` after selection; one audit event per card.

Revoke. A wave-issued card still ``active`` whose deadline has passed and that holds no live
purchase is revoked: status ``revoked``, ``revoked_at``, its whole balance debited by a
``revoke_return`` ledger entry (balance 0), its holder's applicant barred (stage ``REVOKED``,
reason ``REVOKED``), audited. *A purchase* is a transaction in status ``SUCCESS``: a voided
purchase was undone (its money came back through the ledger), so a card bought-then-voided counts
as unused; otherwise buy-and-void would keep a card forever. The UPDATE is conditional on the
status and on the balance read (``... WHERE status = 'active' AND balance = :seen``), so a
purchase racing the job wins or loses cleanly, and running the job twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from contract.admin import RevokeData
from contract.endpoints import Role
from contract.payments import PaymentStatus
from contract.population import Case
from contract.registration import Stage
from contract.webhooks import EventType
from reference_server import audit, webhooks
from reference_server.domain import cards as card_rules
from reference_server.domain.people import Education
from reference_server.domain.schemes import scheme as scheme_named
from reference_server.services.payments import iso_utc
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Account,
    Applicant,
    AuditEvent,
    Beneficiary,
    Card,
    LedgerEntry,
    Transaction,
    utcnow,
)

WAVE_PREFIX = "5"
HISTORY_PREFIX = "4"
ACTIVE = "active"
REVOKED = "revoked"
GRANT = "grant"
REVOKE_RETURN = "revoke_return"
ISSUE_ACTOR = "wave-draw"
REVOKE_ACTOR = "revoke-job"
CHUNK = 1_000


def wave_card_number(wave_id: int, rank: int) -> str:
    """The card of the ``rank``-th winner of wave ``wave_id`` (Luhn-checked, 16 digits)."""
    if not 0 < wave_id < 100_000:
        raise ValueError("wave id out of the card-number range (1..99999)")
    return card_rules.card_number(f"{WAVE_PREFIX}{wave_id:05d}", rank)


def history_card_number(beneficiary_id: int) -> str:
    """A card of the loaded history (earlier years), from the beneficiary's id."""
    return card_rules.card_number(HISTORY_PREFIX, beneficiary_id)


def education_value(code: str | None) -> int:
    """The beneficiaries table's education number for a registration code (SMA -> 3)."""
    try:
        return Education[code or "SMA"].value
    except KeyError:
        return Education.SMA.value


@dataclass(frozen=True)
class Winner:
    """One selected applicant: its applicant id and its rank in the draw (1 = first)."""

    applicant_id: int
    rank: int


def issue_cards(
    session: Session,
    *,
    wave_id: int,
    wave_code: str,
    scheme_name: str,
    winners: Sequence[Winner],
    selected_at: datetime,
    actor: str = ISSUE_ACTOR,
) -> int:
    """Beneficiary, card, grant entry and audit event per winner, in the caller's transaction."""
    terms = scheme_named(scheme_name)
    deadline = selected_at + timedelta(days=terms.purchase_deadline_days)
    for start in range(0, len(winners), CHUNK):
        chunk = winners[start : start + CHUNK]
        rank_of = {w.applicant_id: w.rank for w in chunk}
        people = session.execute(
            select(Applicant, Account.email, Account.phone)
            .join(Account, Account.id == Applicant.account_id)
            .where(Applicant.id.in_(rank_of))
        ).all()
        beneficiaries: list[dict[str, Any]] = []
        for applicant, email, phone in people:
            rank = rank_of[applicant.id]
            beneficiaries.append(
                {
                    "user_id": f"USRW{wave_id:05d}{rank:09d}",
                    "nik": applicant.nik,
                    "name": applicant.name or "",
                    "birth_date": applicant.birth_date or date(2000, 1, 1),
                    "sex": applicant.sex or "M",
                    "education": education_value(applicant.education),
                    "phone_number": phone,
                    "email": email,
                    "created_at": selected_at,
                }
            )
        if not beneficiaries:
            continue
        session.execute(insert(Beneficiary), beneficiaries)
        rank_by_nik = {b["nik"]: int(b["user_id"][-9:]) for b in beneficiaries}
        ids = session.execute(
            select(Beneficiary.id, Beneficiary.nik).where(Beneficiary.nik.in_(rank_by_nik))
        ).all()
        cards = [
            {
                "beneficiary_id": bid,
                "card_number": wave_card_number(wave_id, rank_by_nik[nik]),
                "scheme": scheme_name,
                "status": ACTIVE,
                "balance": terms.training_balance,
                "created_at": selected_at,
                "wave_id": wave_id,
                "purchase_deadline": deadline,
            }
            for bid, nik in ids
        ]
        session.execute(insert(Card), cards)
        numbers = [c["card_number"] for c in cards]
        card_ids = session.execute(
            select(Card.id, Card.card_number).where(Card.card_number.in_(numbers))
        ).all()
        session.execute(
            insert(LedgerEntry),
            [
                {
                    "card_id": cid,
                    "amount": terms.training_balance,
                    "kind": GRANT,
                    "reference": wave_code,
                    "actor": actor,
                    "created_at": selected_at,
                }
                for cid, _ in card_ids
            ],
        )
        session.execute(
            insert(AuditEvent),
            [
                {
                    "entity": "card",
                    "entity_id": number,
                    "action": "issued",
                    "actor": actor,
                    "detail": f'{{"wave":"{wave_code}","balance":{terms.training_balance}}}',
                    "at": selected_at,
                }
                for _, number in card_ids
            ],
        )
    return len(winners)


def _expired(as_of: datetime, after_id: int) -> Any:
    live_purchase = exists().where(
        and_(Transaction.card_id == Card.id, Transaction.status == PaymentStatus.SUCCESS.value)
    )
    return (
        select(Card.id, Card.card_number, Card.balance, Beneficiary.nik)
        .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
        .where(
            Card.wave_id.is_not(None),
            Card.status == ACTIVE,
            Card.purchase_deadline < as_of,
            Card.id > after_id,
            ~live_purchase,
        )
        .order_by(Card.id)
        .limit(CHUNK)
    )


def revoke_expired(
    sessions: sessionmaker[Session], as_of: datetime | None = None, actor: str = REVOKE_ACTOR
) -> RevokeData:
    """Revoke every wave-issued card unused past its deadline, ``CHUNK`` cards a transaction.

    Each chunk commits on its own; a card is revoked whole (status, balance, ledger, applicant,
    audit) or not at all, and a run cut short is finished by the next one. The worker calls this
    periodically; the admin endpoint runs it on demand (with ``as_of`` in the sandbox).
    """
    as_of = as_of or utcnow()
    revoked = returned = 0
    after = 0
    while True:
        with transaction(sessions) as session:
            rows = session.execute(_expired(as_of, after)).all()
            if not rows:
                break
            after = rows[-1].id
            for card_id, number, balance, nik in rows:
                done = cast(
                    CursorResult[Any],
                    session.execute(
                        update(Card)
                        .where(Card.id == card_id, Card.status == ACTIVE, Card.balance == balance)
                        .values(status=REVOKED, balance=0, revoked_at=as_of)
                    ),
                ).rowcount
                if not done:
                    continue
                if balance:
                    session.add(
                        LedgerEntry(
                            card_id=card_id,
                            amount=-balance,
                            kind=REVOKE_RETURN,
                            reference=iso_utc(as_of),
                            actor=actor,
                            created_at=as_of,
                        )
                    )
                session.execute(
                    update(Applicant)
                    .where(Applicant.nik == nik, Applicant.stage == Stage.BENEFICIARY.value)
                    .values(stage=Stage.REVOKED.value, reason=Case.REVOKED.value, updated_at=as_of)
                )
                audit.record(session, "card", number, "revoked", actor, returned=balance)
                webhooks.emit_to_role(
                    session,
                    Role.DP,
                    EventType.CARD_REVOKED,
                    {"prakerja_id": number, "revoked_at": iso_utc(as_of)},
                    as_of,
                )
                revoked += 1
                returned += balance
    return RevokeData(revoked=revoked, returned=returned, as_of=iso_utc(as_of))
