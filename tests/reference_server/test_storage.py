"""The schema: migrations match the models, seeding is idempotent, money adds up."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from reference_server.fixtures import seed
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Base,
    Beneficiary,
    Card,
    Course,
    LedgerEntry,
    Partner,
    RedeemCode,
    Schedule,
)


def test_migrations_match_the_models(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; add a revision: {diff}"


def _counts(runtime: Runtime) -> dict[str, int]:
    with runtime.sessions() as session:
        return {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
            for t in (Partner, Beneficiary, Card, Course, Schedule, RedeemCode, LedgerEntry)
        }


def test_seeding_twice_changes_nothing(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        seed(session, runtime.keys)
    before = _counts(runtime)
    with transaction(runtime.sessions) as session:
        seed(session, runtime.keys)
    assert _counts(runtime) == before
    assert before["courses"] >= 3 and before["redeem_codes"] >= 7


def test_every_card_balance_is_the_sum_of_its_ledger(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        sums = dict(
            session.execute(
                select(LedgerEntry.card_id, func.sum(LedgerEntry.amount)).group_by(
                    LedgerEntry.card_id
                )
            ).all()
        )
        cards = session.execute(select(Card.id, Card.balance)).all()
    assert cards
    for card_id, balance in cards:
        assert sums.get(card_id, 0) == balance, f"card {card_id}"
