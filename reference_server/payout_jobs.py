"""The outbox jobs of incentives, for the worker: send disbursements and webhooks, and the daily
runs (queue what is due; reconcile yesterday's statements)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from reference_server import outbox
from reference_server.outbox import Job
from reference_server.runtime import Runtime
from reference_server.services import payouts, reconciliation
from reference_server.webhook_sender import Sender
from reference_server.webhooks import WEBHOOK_JOB

DUE_JOB = payouts.DUE_JOB


def handlers(runtime: Runtime) -> dict[str, Callable[[Job], object]]:
    """Job kind → handler, for ``Worker``."""
    api = runtime.partner_api

    def due(job: Job) -> None:
        payouts.run_due(runtime)

    return {
        payouts.DISBURSE_JOB: payouts.Disburser(runtime, api),
        WEBHOOK_JOB: Sender(runtime, api),
        payouts.DUE_JOB: due,
        reconciliation.RECONCILE_JOB: reconciliation.DailyReconciliation(runtime, api),
    }


def schedule_daily(session: Session, today: dt.date) -> None:
    """Today's due run and the reconciliation of yesterday (Jakarta), once a day each."""
    outbox.enqueue(session, payouts.DUE_JOB, today.isoformat())
    yesterday = reconciliation.jakarta_today() - dt.timedelta(days=1)
    outbox.enqueue(session, reconciliation.RECONCILE_JOB, yesterday.isoformat())
