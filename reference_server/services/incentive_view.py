"""The incentive schedule as a card holder sees it (read-only): every payment of the scheme,
owed ones as recorded, the others waiting with what they wait for.

Its own module so the dashboard can show it without importing the payout machinery.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.incentives import ScheduleStep, StepStatus
from reference_server.domain import incentives as rules
from reference_server.domain import surveys
from reference_server.domain.schemes import Scheme
from reference_server.services.payments import iso_utc
from reference_server.storage.tables import Card, Disbursement, IncentiveStep


def schedule(session: Session, card: Card, scheme: Scheme) -> list[ScheduleStep]:
    """Every payment of the scheme for this card: the owed ones as recorded, the rest waiting."""
    owed = {
        (s.kind, s.step): s
        for s in session.scalars(select(IncentiveStep).where(IncentiveStep.card_id == card.id))
    }
    latest: dict[int, str] = {}
    for step_id, did in session.execute(
        select(Disbursement.step_id, Disbursement.disbursement_id)
        .where(Disbursement.card_id == card.id)
        .order_by(Disbursement.id)
    ).all():
        latest[step_id] = did
    after = {s.step: s.after_incentive for s in surveys.surveys_of(scheme.name)}
    steps: list[ScheduleStep] = []
    wanted = [(rules.INCENTIVE, n) for n in range(1, scheme.incentive_count + 1)]
    wanted += [(rules.SURVEY, n) for n in range(1, scheme.survey_count + 1)]
    for kind, n in wanted:
        row = owed.get((kind, n))
        amount = scheme.incentive_amount if kind == rules.INCENTIVE else scheme.survey_amount
        steps.append(
            ScheduleStep(
                kind=kind,
                step=n,
                amount=row.amount if row else amount,
                status=StepStatus(row.status) if row else StepStatus.WAITING,
                due_at=iso_utc(row.due_at) if row else None,
                paid_at=iso_utc(row.paid_at) if row and row.paid_at else None,
                disbursement_id=latest.get(row.id) if row else None,
                condition=rules.condition_text(kind, n, scheme, after.get(n, 1)),
            )
        )
    return steps
