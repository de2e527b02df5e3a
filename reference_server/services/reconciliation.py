"""Reconciliation: fetch a payment partner's statement of a day, compare it with the record,
store the report (the latest run per partner and day), return it.

The statement is read page by page until ``next_cursor`` is null (a cursor seen twice, or more
than ``MAX_PAGES`` pages, is a partner fault and ends the run as unavailable: no half report is
stored). Prakerja's side of the day is every disbursement to the partner whose partner-reported
final time falls on that day in Asia/Jakarta; the rule of comparison is ``domain/reconcile.py``.
The daily job reconciles the day before for every payment partner with an API.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contract import errors as err
from contract.endpoints import Role
from contract.errors import ApiError
from contract.incentives import Mismatch, MismatchKind, PayoutState, ReconciliationData
from contract.payouts import STATEMENT_PAGE_MAX, STATEMENT_TIMEZONE, StatementRequest
from reference_server import audit
from reference_server.domain import reconcile as rules
from reference_server.outbox import Job, RetryLater
from reference_server.partner_api import PartnerApi, PartnerCallError, Target
from reference_server.runtime import Runtime
from reference_server.services import payouts
from reference_server.services.payments import iso_utc
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Disbursement,
    Partner,
    Reconciliation,
    ReconciliationMismatch,
    utcnow,
)

log = logging.getLogger("prakerja.reconciliation")

RECONCILE_JOB = "reconcile"  # ref: the Jakarta day reconciled, every partner
MAX_PAGES = 10_000
SHOWN = 1_000
LOOKUP_CHUNK = 500
JAKARTA = ZoneInfo(STATEMENT_TIMEZONE)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where an Asia/Jakarta day starts and ends."""
    start = dt.datetime.combine(day, dt.time(), JAKARTA)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def jakarta_today() -> dt.date:
    """Today's date in Asia/Jakarta."""
    return dt.datetime.now(JAKARTA).date()


def check_day(day: dt.date) -> None:
    """A statement day: 2000-2099 and not in the future (ERRINC40012)."""
    if not 2000 <= day.year <= 2099 or day > jakarta_today():
        raise ApiError(err.INC_DATE_INVALID)


def _statement(api: PartnerApi, target: Target, day: dt.date) -> list[rules.Line]:
    lines: list[rules.Line] = []
    cursor: str | None = None
    cursors: set[str] = set()
    for _ in range(MAX_PAGES):
        page = api.statement(
            target, StatementRequest(date=day, cursor=cursor, limit=STATEMENT_PAGE_MAX)
        )
        lines += [rules.Line(e.disbursement_id, e.amount, e.status) for e in page.entries]
        cursor = page.next_cursor
        if cursor is None:
            return lines
        if cursor in cursors:
            raise ApiError(err.INC_PARTNER_UNAVAILABLE, "(the statement's cursor repeats)")
        cursors.add(cursor)
    raise ApiError(err.INC_PARTNER_UNAVAILABLE, f"(more than {MAX_PAGES} statement pages)")


def _record(d: Disbursement) -> rules.Record:
    return rules.Record(d.disbursement_id, d.amount, PayoutState(d.state))


def _compare(
    session: Session, partner_id: int, day: dt.date, lines: list[rules.Line]
) -> tuple[rules.Result, dict[str, rules.Record]]:
    start, end = day_bounds(day)
    ours = {
        d.disbursement_id: _record(d)
        for d in session.scalars(
            select(Disbursement).where(
                Disbursement.partner_id == partner_id,
                Disbursement.partner_final_at >= start,
                Disbursement.partner_final_at < end,
            )
        )
    }
    others: dict[str, rules.Record] = {}
    wanted = sorted({line.disbursement_id for line in lines} - set(ours))
    for at in range(0, len(wanted), LOOKUP_CHUNK):
        for d in session.scalars(
            select(Disbursement).where(
                Disbursement.partner_id == partner_id,
                Disbursement.disbursement_id.in_(wanted[at : at + LOOKUP_CHUNK]),
            )
        ):
            others[d.disbursement_id] = _record(d)
    return rules.compare(lines, ours, others.get), ours


def _data(partner_code: str, row: Reconciliation, mismatches: list[Mismatch]) -> ReconciliationData:
    return ReconciliationData(
        partner_code=partner_code,
        date=row.day.isoformat(),
        run_at=iso_utc(row.run_at),
        statement_entries=row.statement_entries,
        ledger_entries=row.ledger_entries,
        matched=row.matched,
        partner_success_amount=row.partner_success_amount,
        ledger_paid_amount=row.ledger_paid_amount,
        mismatches=mismatches,
        mismatch_count=row.mismatch_count,
    )


def reconcile(
    runtime: Runtime, api: PartnerApi, partner_code: str, day: dt.date, actor: str
) -> ReconciliationData:
    """Fetch the partner's statement of ``day``, compare, store and return the report."""
    check_day(day)
    with transaction(runtime.sessions) as session:
        partner = payouts.pp_partner(session, partner_code)
        target = payouts.target_of(session, runtime.keys, partner.id)
    if target is None:
        raise ApiError(err.INC_PARTNER_NOT_FOUND, "(no base URL)")
    try:
        lines = _statement(api, target, day)
    except PartnerCallError as exc:
        raise ApiError(err.INC_PARTNER_UNAVAILABLE, f"({exc.reason})") from None
    now = utcnow()
    with transaction(runtime.sessions) as session:
        result, ours = _compare(session, target.partner_id, day, lines)
        session.execute(
            delete(ReconciliationMismatch).where(
                ReconciliationMismatch.reconciliation_id.in_(
                    select(Reconciliation.id).where(
                        Reconciliation.partner_id == target.partner_id, Reconciliation.day == day
                    )
                )
            )
        )
        session.execute(
            delete(Reconciliation).where(
                Reconciliation.partner_id == target.partner_id, Reconciliation.day == day
            )
        )
        row = Reconciliation(
            partner_id=target.partner_id,
            day=day,
            run_at=now,
            statement_entries=result.statement_entries,
            ledger_entries=len(ours),
            matched=result.matched,
            partner_success_amount=result.partner_success_amount,
            ledger_paid_amount=sum(r.amount for r in ours.values() if r.state is PayoutState.PAID),
            mismatch_count=len(result.differences),
        )
        session.add(row)
        session.flush()
        mismatches = [
            ReconciliationMismatch(
                reconciliation_id=row.id,
                kind=d.kind.value,
                disbursement_id=d.disbursement_id,
                prakerja_amount=d.prakerja_amount,
                partner_amount=d.partner_amount,
                prakerja_status=d.prakerja_status,
                partner_status=d.partner_status,
            )
            for d in result.differences
        ]
        session.add_all(mismatches)
        audit.record(
            session, "reconciliation", f"{partner_code}:{day}", "run", actor,
            mismatches=len(result.differences),
        )  # fmt: skip
        shown = [_mismatch(m) for m in mismatches[:SHOWN]]
        return _data(partner_code, row, shown)


def _mismatch(m: ReconciliationMismatch) -> Mismatch:
    return Mismatch(
        kind=MismatchKind(m.kind),
        disbursement_id=m.disbursement_id,
        prakerja_amount=m.prakerja_amount,
        partner_amount=m.partner_amount,
        prakerja_status=m.prakerja_status,
        partner_status=m.partner_status,
    )


def report(runtime: Runtime, partner_code: str, day: dt.date) -> ReconciliationData:
    """The stored report of the latest run for the partner and day."""
    with runtime.reads() as session:
        partner = payouts.pp_partner(session, partner_code)
        row = session.scalar(
            select(Reconciliation).where(
                Reconciliation.partner_id == partner.id, Reconciliation.day == day
            )
        )
        if row is None:
            raise ApiError(err.INC_REPORT_NOT_FOUND)
        mismatches = session.scalars(
            select(ReconciliationMismatch)
            .where(ReconciliationMismatch.reconciliation_id == row.id)
            .order_by(ReconciliationMismatch.id)
            .limit(SHOWN)
        ).all()
        return _data(partner_code, row, [_mismatch(m) for m in mismatches])


class DailyReconciliation:
    """The outbox handler of the daily job: reconcile its day for every partner with an API."""

    def __init__(self, runtime: Runtime, api: PartnerApi) -> None:
        self.runtime = runtime
        self.api = api

    def __call__(self, job: Job) -> None:
        day = dt.date.fromisoformat(job.ref)
        with self.runtime.reads() as session:
            codes = session.scalars(
                select(Partner.client_code).where(
                    Partner.role == Role.PP.value,
                    Partner.active.is_(True),
                    Partner.base_url.is_not(None),
                )
            ).all()
            done = set(
                session.scalars(
                    select(Partner.client_code)
                    .join(Reconciliation, Reconciliation.partner_id == Partner.id)
                    .where(Reconciliation.day == day, Reconciliation.run_at >= day_bounds(day)[1])
                )
            )
        failed = []
        for code in codes:
            if code in done:  # a run after the day ended is complete: do not fetch it again
                continue
            try:
                data = reconcile(self.runtime, self.api, code, day, "reconcile-job")
            except ApiError as exc:
                failed.append(f"{code}: {exc.message}")
                continue
            log.info("reconciled %s %s: %d mismatch(es)", code, day, data.mismatch_count)
        if failed:
            delay = self.runtime.settings.retry_max_seconds
            raise RetryLater(delay, "; ".join(failed)[:1000])
