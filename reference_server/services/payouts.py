"""Incentive payouts: the schedule, the disbursements, the worker that sends them, callbacks.

**Owed once.** A card holder's incentives start when every condition is met (first training
finished, rated and reviewed; an account linked): an enrolment row (one per card) and one
``incentive_steps`` row per payment of the scheme, unique by (card, kind, step). A survey answered
adds its step. A step due with an active link gets a ``disbursements`` row — at most one live (not
FAILED) per step, by a partial unique index — and a ``disburse`` outbox job, in one transaction.

**Sent once.** The job's handler (``Disburser``) leases one of the partner's concurrency slots,
then either sends the disburse (first time) or, if an earlier attempt may have reached the
partner, asks for the status first and re-sends only when the partner never recorded it. Each
send is counted and committed *before* the call, so a crash mid-call is an "unknown" the next
attempt resolves by asking. Every call carries the same ``disbursement_id`` and the same body.

**Recorded once.** Every answer, status and callback is an observation applied under a row lock
through the monotone machine of ``domain/payouts.py``: states only rise, duplicates and stale news
change nothing, contradictions are kept as anomalies and never applied. Reaching PAID writes the
ledger entry (unique per disbursement) and the ``disbursement.settled`` webhook in the same
transaction; FAILED suspends the link (the holder links again and the step is paid anew).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from contract import errors as err
from contract.endpoints import Role
from contract.errors import ApiError
from contract.incentives import (
    LinkStatus,
    PartnerPayouts,
    PayoutState,
    PayoutSummaryData,
    RunDueData,
    StepStatus,
)
from contract.payments import PaymentStatus
from contract.payouts import (
    FINAL_STATUSES,
    PP_DISBURSEMENT_NOT_FOUND,
    AccountType,
    DisbursementData,
    DisbursementStatus,
    DisburseRequest,
    PayoutCallbackData,
    PayoutCallbackRequest,
)
from contract.webhooks import EventType
from reference_server import audit, outbox, payout_slots, webhooks
from reference_server.domain import incentives as rules
from reference_server.domain.payouts import Call, Effect, Outcome, is_final, next_call, observe
from reference_server.domain.schemes import Scheme, load_schemes
from reference_server.keys import KeyBox
from reference_server.outbox import Job, RetryLater
from reference_server.partner_api import (
    PartnerApi,
    PartnerRefused,
    PartnerRejected,
    PartnerUnavailable,
    Target,
)
from reference_server.partners import webhook_key
from reference_server.runtime import PARTNER_CACHE_SECONDS, PartnerIdentity, Runtime
from reference_server.services.payments import iso_utc
from reference_server.services.reviews import finished, first_training_reviewed
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Card,
    Disbursement,
    IncentiveEnrolment,
    IncentiveLedgerEntry,
    IncentiveStep,
    OutboxJob,
    Partner,
    PayoutAnomaly,
    PayoutLink,
    Transaction,
    utcnow,
)

log = logging.getLogger("prakerja.payouts")

DISBURSE_JOB = "disburse"  # ref: the disbursement id
DUE_JOB = "incentives-due"  # ref: the UTC date it ran for
ACTOR = "payout-worker"
CHUNK = 500
SLOT_BUSY_SECONDS = 0.25  # a partner at its limit: look again this soon, then less often
SLOT_BUSY_MAX_SECONDS = 2.0


def new_disbursement_id() -> str:
    """``DSB-`` + 16 random hex characters: opaque, unguessable, the idempotency key."""
    return "DSB-" + secrets.token_hex(8).upper()


def scheme_of(card: Card) -> Scheme | None:
    """The card's scheme (None for a card of a scheme the server no longer knows)."""
    return load_schemes().get(card.scheme)


def description(kind: str, step: int, scheme: Scheme) -> str:
    """What the holder's statement shows, e.g. ``Insentif Kartu Prakerja 1/4``."""
    if kind == rules.SURVEY:
        return f"Insentif survei Kartu Prakerja {step}/{scheme.survey_count}"
    return f"Insentif Kartu Prakerja {step}/{scheme.incentive_count}"


# --- conditions and the schedule -----------------------------------------------------------


def first_purchase(session: Session, card_id: int) -> int | None:
    """The card's first live purchase (its first training), if any."""
    return session.scalar(
        select(Transaction.id)
        .where(Transaction.card_id == card_id, Transaction.status == PaymentStatus.SUCCESS)
        .order_by(Transaction.created_at, Transaction.id)
        .limit(1)
    )


def active_link(session: Session, card_id: int) -> PayoutLink | None:
    """The account incentives are paid into now."""
    return session.scalar(
        select(PayoutLink).where(
            PayoutLink.card_id == card_id, PayoutLink.status == LinkStatus.ACTIVE.value
        )
    )


def conditions(session: Session, card: Card) -> rules.Conditions:
    """Which incentive conditions the card holder meets now."""
    first = first_purchase(session, card.id)
    completed = first is not None and finished(session, first)
    return rules.Conditions(
        training_completed=completed,
        reviewed=completed and first_training_reviewed(session, card.id),
        account_linked=active_link(session, card.id) is not None,
    )


def enrol_if_eligible(session: Session, card: Card, now: datetime) -> bool:
    """Start the card's schedule if every condition is met now; True if it started here."""
    scheme = scheme_of(card)
    if scheme is None or card.status != "active":
        return False
    if session.get(IncentiveEnrolment, card.id) is not None:
        return False
    if not conditions(session, card).met:
        return False
    start_schedule(session, card, scheme, now)
    return True


def start_schedule(session: Session, card: Card, scheme: Scheme, now: datetime) -> None:
    """The enrolment and the scheme's incentive steps of a card, from ``now`` (once: the
    enrolment's primary key and the steps' unique key keep a second start out)."""
    session.add(IncentiveEnrolment(card_id=card.id, scheme=scheme.name, eligible_at=now))
    for step in rules.incentive_steps(scheme, now):
        session.add(
            IncentiveStep(
                card_id=card.id,
                kind=step.kind,
                step=step.step,
                amount=step.amount,
                due_at=step.due_at,
                status=StepStatus.SCHEDULED.value,
                created_at=now,
            )
        )
    session.flush()
    audit.record(session, "card", card.card_number, "incentives_started", ACTOR, scheme=scheme.name)


def add_survey_step(
    session: Session, card: Card, scheme: Scheme, step: int, now: datetime
) -> IncentiveStep:
    """The payment of survey ``step`` (answered now), once."""
    due = rules.survey_step(scheme, step, now)
    row = IncentiveStep(
        card_id=card.id,
        kind=due.kind,
        step=due.step,
        amount=due.amount,
        due_at=due.due_at,
        status=StepStatus.SCHEDULED.value,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _due_steps(as_of: datetime, after: int, card_id: int | None) -> Any:
    query = (
        select(IncentiveStep, PayoutLink, Card.scheme)
        .join(
            PayoutLink,
            and_(
                PayoutLink.card_id == IncentiveStep.card_id,
                PayoutLink.status == LinkStatus.ACTIVE.value,
            ),
        )
        .join(Card, Card.id == IncentiveStep.card_id)
        .where(
            IncentiveStep.status.in_((StepStatus.SCHEDULED.value, StepStatus.FAILED.value)),
            IncentiveStep.due_at <= as_of,
            IncentiveStep.id > after,
            Card.status == "active",
        )
        .order_by(IncentiveStep.id)
        .limit(CHUNK)
        # Two runs at once skip each other's rows (PostgreSQL); the unique index is the last word.
        .with_for_update(skip_locked=True, of=IncentiveStep)
    )
    if card_id is not None:
        query = query.where(IncentiveStep.card_id == card_id)
    return query


def _disburse_chunk(
    session: Session, as_of: datetime, now: datetime, after: int, card_id: int | None
) -> tuple[int, int, int | None]:
    """A disbursement (and its job) for each of the next ``CHUNK`` due steps with an active
    link, in this transaction; (how many, rupiah, the last step id seen or None when done)."""
    rows = session.execute(_due_steps(as_of, after, card_id)).all()
    if not rows:
        return 0, 0, None
    known = load_schemes()
    made = amount = 0
    for step, link, scheme_name in rows:
        scheme = known.get(scheme_name)
        if scheme is None:
            continue
        did = new_disbursement_id()
        session.add(
            Disbursement(
                disbursement_id=did,
                step_id=step.id,
                card_id=step.card_id,
                partner_id=link.partner_id,
                link_id=link.id,
                account_type=link.account_type,
                account_number=link.account_number,
                amount=step.amount,
                description=description(step.kind, step.step, scheme),
                state=PayoutState.SCHEDULED.value,
                attempts=0,
                created_at=now,
            )
        )
        step.status = StepStatus.PROCESSING.value
        outbox.enqueue(session, DISBURSE_JOB, did)
        made += 1
        amount += step.amount
    session.flush()  # the partial unique index speaks here if a step got two
    return made, amount, rows[-1][0].id


def disburse_due(
    session: Session, as_of: datetime, now: datetime, *, card_id: int | None = None
) -> tuple[int, int]:
    """Queue every due payment of one card (a link confirmed, a survey answered) in the caller's
    transaction; (how many, rupiah)."""
    made = amount = 0
    after: int | None = 0
    while after is not None:
        n, rupiah, after = _disburse_chunk(session, as_of, now, after, card_id)
        made, amount = made + n, amount + rupiah
    return made, amount


def run_due(runtime: Runtime, as_of: datetime | None = None, actor: str = ACTOR) -> RunDueData:
    """Start the schedules of card holders who now meet the conditions, then queue every
    payment due by ``as_of``; ``CHUNK`` cards or steps a transaction, so a run cut short is
    finished by the next one."""
    now = utcnow()
    as_of = as_of or now
    started = 0
    after = 0
    while True:
        with transaction(runtime.sessions) as session:
            card_ids = session.scalars(
                select(PayoutLink.card_id)
                .where(
                    PayoutLink.status == LinkStatus.ACTIVE.value,
                    PayoutLink.card_id > after,
                    ~exists().where(IncentiveEnrolment.card_id == PayoutLink.card_id),
                )
                .order_by(PayoutLink.card_id)
                .limit(CHUNK)
            ).all()
            if not card_ids:
                break
            after = card_ids[-1]
            for card in session.scalars(select(Card).where(Card.id.in_(card_ids))).all():
                started += enrol_if_eligible(session, card, now)
    made = amount = 0
    last: int | None = 0
    while last is not None:  # a transaction per chunk: never one long lock over the whole run
        with transaction(runtime.sessions) as session:
            n, rupiah, last = _disburse_chunk(session, as_of, now, last, None)
            made, amount = made + n, amount + rupiah
    if made:
        with transaction(runtime.sessions) as session:
            audit.record(
                session, "payouts", iso_utc(as_of), "run_due", actor, made=made, amount=amount
            )
    return RunDueData(
        as_of=iso_utc(as_of), newly_eligible=started, disbursements=made, amount=amount
    )


# --- applying what the partner says ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seen:
    """One observation of a disbursement at the partner."""

    status: DisbursementStatus
    amount: int
    partner_reference: str | None
    failure_code: str | None
    final_at: datetime | None
    source: str  # disburse | status | callback

    @classmethod
    def of(cls, answer: DisbursementData | PayoutCallbackRequest, source: str) -> Seen:
        return cls(
            answer.status,
            answer.amount,
            answer.partner_reference,
            answer.failure_code,
            answer.final_at,
            source,
        )


def _locked(session: Session, disbursement_id: str) -> Disbursement | None:
    return session.scalar(
        select(Disbursement)
        .where(Disbursement.disbursement_id == disbursement_id)
        .with_for_update()
    )


def anomaly(session: Session, d: Disbursement, kind: str, **detail: Any) -> None:
    """Keep something the partner said that contradicts the record (never applied)."""
    session.add(
        PayoutAnomaly(
            partner_id=d.partner_id,
            disbursement_id=d.disbursement_id,
            kind=kind,
            detail=json.dumps(detail, default=str, separators=(",", ":")),
            created_at=utcnow(),
        )
    )
    log.warning("payout anomaly %s on %s: %s", kind, d.disbursement_id, detail)


def apply(session: Session, d: Disbursement, seen: Seen, now: datetime) -> Outcome:
    """Apply one observation to a locked disbursement: move it up, or nothing, or keep the
    contradiction. PAID writes its ledger entry and webhook here, FAILED suspends the link."""
    outcome = observe(PayoutState(d.state), seen.status, amount=d.amount, seen_amount=seen.amount)
    if outcome.effect is Effect.CONFLICT:
        kind = "amount" if seen.amount != d.amount else "conflict"
        anomaly(
            session, d, kind, source=seen.source, status=seen.status.value, amount=seen.amount,
            recorded=d.state, reason=outcome.reason,
        )  # fmt: skip
        return outcome
    if d.partner_reference is None and seen.partner_reference:
        d.partner_reference = seen.partner_reference
    if outcome.effect is Effect.SAME:
        return outcome
    d.state = outcome.state.value
    step = session.get_one(IncentiveStep, d.step_id)
    if outcome.state is PayoutState.SUBMITTED:
        d.submitted_at = d.submitted_at or now
        step.status = StepStatus.PROCESSING.value
        return outcome
    d.final_at = now
    d.partner_final_at = seen.final_at or now
    if outcome.state is PayoutState.PAID:
        session.add(
            IncentiveLedgerEntry(
                disbursement_id=d.id,
                card_id=d.card_id,
                partner_id=d.partner_id,
                kind=step.kind,
                amount=d.amount,
                created_at=now,
            )
        )
        step.status, step.paid_at = StepStatus.PAID.value, now
        event = EventType.DISBURSEMENT_SETTLED
    else:
        d.failure_code = seen.failure_code
        step.status = StepStatus.FAILED.value
        session.execute(
            update(PayoutLink)
            .where(PayoutLink.id == d.link_id, PayoutLink.status == LinkStatus.ACTIVE.value)
            .values(status=LinkStatus.SUSPENDED.value, ended_at=now)
        )
        event = EventType.DISBURSEMENT_FAILED
    audit.record(
        session, "disbursement", d.disbursement_id, outcome.state.value.lower(), seen.source,
        amount=d.amount, failure_code=d.failure_code,
    )  # fmt: skip
    if webhooks.has_webhook(session, d.partner_id):
        webhooks.emit(
            session,
            d.partner_id,
            event,
            {
                "disbursement_id": d.disbursement_id,
                "partner_reference": d.partner_reference,
                "amount": d.amount,
                "status": d.state,
                "failure_code": d.failure_code,
            },
            now,
        )
    return outcome


def callback(
    runtime: Runtime, partner: PartnerIdentity, body: PayoutCallbackRequest
) -> PayoutCallbackData:
    """A partner's callback: applied once, in any order; a contradiction is kept and refused."""
    failed = body.status is DisbursementStatus.FAILED
    if body.status not in FINAL_STATUSES or failed != (body.failure_code is not None):
        raise ApiError(err.INC_CALLBACK_NOT_FINAL)
    now = utcnow()
    with transaction(runtime.sessions) as session:
        d = _locked(session, body.disbursement_id)
        if d is None or d.partner_id != partner.id:
            raise ApiError(err.INC_DISBURSEMENT_NOT_FOUND)
        outcome = apply(session, d, Seen.of(body, "callback"), now)
        if is_final(PayoutState(d.state)):
            # The job waiting to look again has nothing left to do; a running one finds the
            # disbursement final and ends by itself.
            session.execute(
                update(OutboxJob)
                .where(
                    OutboxJob.kind == DISBURSE_JOB,
                    OutboxJob.ref == d.disbursement_id,
                    OutboxJob.status == outbox.JobStatus.PENDING,
                )
                .values(status=outbox.JobStatus.DONE, done_at=now, last_error=None)
            )
        state = d.state
    if outcome.effect is Effect.CONFLICT:  # kept above (committed), refused now
        raise ApiError(
            err.INC_CALLBACK_AMOUNT if body.amount != d.amount else err.INC_CALLBACK_CONFLICT
        )
    return PayoutCallbackData(disbursement_id=body.disbursement_id, status=state)


# --- the worker's side ---------------------------------------------------------------------


def target_of(session: Session, keys: KeyBox, partner_id: int) -> Target | None:
    """How to reach the partner's API (None when it has no base URL)."""
    partner = session.get(Partner, partner_id)
    if partner is None or not partner.base_url or not partner.active:
        return None
    return Target(
        partner.id, partner.client_code, partner.base_url, webhook_key(session, keys, partner)
    )


@dataclass(frozen=True, slots=True)
class _Turn:
    """What one run of a disburse job works with, read (and the slot taken) in one transaction."""

    target: Target
    call: Call
    request: DisburseRequest
    slot: int
    holder: str


class Disburser:
    """The outbox handler of ``disburse`` jobs: sends, asks, records, until final.

    The common path is two transactions: one reads the disbursement, takes a slot of the
    partner's concurrency limit and, when it is about to send, counts the attempt (committed
    before the call goes out); the other records the answer and gives the slot back.
    """

    def __init__(self, runtime: Runtime, api: PartnerApi) -> None:
        self.runtime = runtime
        self.api = api
        self._targets: dict[int, tuple[float, Target | None]] = {}
        self._lock = threading.Lock()

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.runtime.sessions

    def _backoff(self, job: Job, base: float | None = None) -> float:
        settings = self.runtime.settings
        return outbox.backoff_seconds(
            job.attempts, base or settings.retry_base_seconds, settings.retry_max_seconds
        )

    def _target(self, session: Session, partner_id: int) -> Target | None:
        """The partner's URL and key, cached for a short while like the server's partner cache
        (a changed URL or a rotated key applies within ``PARTNER_CACHE_SECONDS``)."""
        now = time.monotonic()
        with self._lock:
            hit = self._targets.get(partner_id)
        if hit is not None and now - hit[0] < PARTNER_CACHE_SECONDS:
            return hit[1]
        target = target_of(session, self.runtime.keys, partner_id)
        with self._lock:
            self._targets[partner_id] = (now, target)
        return target

    def __call__(self, job: Job) -> object:
        turn = self._begin(job)
        if turn is None:
            return None
        try:
            answer, source = self._ask_or_send(job, turn)
        except _TimedOut as exc:
            # The partner may still be busy with the call we gave up on: its slot stays taken
            # for one more timeout's length, so the limit holds at the partner's end too.
            self._release(turn, after=self.runtime.settings.payout_timeout_seconds)
            raise exc.retry from None
        except BaseException:
            self._release(turn)
            raise
        return self._record(job, turn, answer, source)

    def _begin(self, job: Job) -> _Turn | None:
        settings = self.runtime.settings
        now = utcnow()
        with transaction(self.sessions) as session:
            d = _locked(session, job.ref)
            if d is None or is_final(PayoutState(d.state)):
                return None
            target = self._target(session, d.partner_id)
            if target is None:
                raise RetryLater(
                    settings.retry_max_seconds, "permanent: the partner has no base URL"
                )
            holder = f"{job.locked_by}:{job.ref}"
            lease = 3 * settings.payout_timeout_seconds + 5
            slot = payout_slots.take(
                session, d.partner_id, settings.payout_concurrency, holder, lease, now
            )
            if slot is None:  # nothing written: the transaction rolls back
                busy = outbox.backoff_seconds(
                    job.attempts, SLOT_BUSY_SECONDS, SLOT_BUSY_MAX_SECONDS
                )
                raise RetryLater(busy, "partner at its concurrency limit")
            call = next_call(PayoutState(d.state), d.attempts)
            if call is Call.DISBURSE:
                _count_attempt(session, d, now)
            request = DisburseRequest(
                disbursement_id=d.disbursement_id,
                account_type=AccountType(d.account_type),
                account_number=d.account_number,
                amount=d.amount,
                description=d.description,
            )
            return _Turn(target, call, request, slot, holder)

    def _ask_or_send(self, job: Job, turn: _Turn) -> tuple[DisbursementData, str]:
        cap = self.runtime.settings.retry_max_seconds
        did = turn.request.disbursement_id
        if turn.call is Call.STATUS:
            try:
                return self.api.status(turn.target, did), "status"
            except PartnerRefused as exc:
                if exc.code != PP_DISBURSEMENT_NOT_FOUND.code:
                    raise RetryLater(cap, f"permanent: {exc}") from None
            except PartnerUnavailable as exc:
                raise _unavailable(exc, self._backoff(job), "status") from None
            except PartnerRejected as exc:
                raise RetryLater(cap, f"permanent: {exc}") from None
            with transaction(self.sessions) as session:  # never recorded: send, counted first
                d = _locked(session, did)
                if d is None or is_final(PayoutState(d.state)):
                    raise RetryLater(0.0, "settled meanwhile")
                _count_attempt(session, d, utcnow())
        try:
            return self.api.disburse(turn.target, turn.request), "disburse"
        except PartnerUnavailable as exc:
            raise _unavailable(exc, self._backoff(job), "disburse") from None
        except (PartnerRefused, PartnerRejected) as exc:
            raise RetryLater(cap, f"permanent: {exc}") from None

    def _release(self, turn: _Turn, after: float = 0.0) -> None:
        try:
            with transaction(self.sessions) as session:
                payout_slots.give_back(
                    session, turn.target.partner_id, turn.slot, turn.holder, after=after
                )
        except Exception:  # the lease runs out instead
            log.exception("could not give back slot %d of %s", turn.slot, turn.target.client_code)

    def _record(self, job: Job, turn: _Turn, answer: DisbursementData, source: str) -> object:
        settings = self.runtime.settings
        now = utcnow()
        with transaction(self.sessions) as session:
            payout_slots.give_back(session, turn.target.partner_id, turn.slot, turn.holder)
            d = _locked(session, turn.request.disbursement_id)
            if d is None:
                return None
            outcome: Outcome | None = None
            if answer.disbursement_id != turn.request.disbursement_id:
                anomaly(session, d, "contract", source=source, answered_for=answer.disbursement_id)
            else:
                outcome = apply(session, d, Seen.of(answer, source), now)
            if outcome is not None and is_final(outcome.state):
                # Final (a contradiction of a final record is kept as an anomaly): the job ends
                # with the record, not in a transaction after it.
                outbox.finish_in(session, job)
                return outbox.FINISHED
        if outcome is None or outcome.effect is Effect.CONFLICT:
            reason = outcome.reason if outcome else "answer for another disbursement_id"
            raise RetryLater(settings.retry_max_seconds, f"permanent: contradiction: {reason}")
        # PENDING at the partner: its callback should come; look again if it does not.
        raise RetryLater(self._backoff(job, settings.payout_poll_seconds), "pending at the partner")


class _TimedOut(Exception):
    """A call given up on by timeout: retried like any outage, its slot left to its lease."""

    def __init__(self, retry: RetryLater) -> None:
        super().__init__(retry.reason)
        self.retry = retry


def _unavailable(exc: PartnerUnavailable, delay: float, operation: str) -> Exception:
    retry = RetryLater(delay, f"transient: {operation}: {exc}")
    return _TimedOut(retry) if exc.timed_out else retry


def _count_attempt(session: Session, d: Disbursement, now: datetime) -> None:
    """One more disburse sent (the partner may hold it from now on)."""
    d.attempts += 1
    if d.state == PayoutState.SCHEDULED.value:
        apply(session, d, Seen(DisbursementStatus.PENDING, d.amount, None, None, None, "sent"), now)


# --- the office's view -----------------------------------------------------------------------


def summary(runtime: Runtime, partner_code: str | None) -> PayoutSummaryData:
    """Disbursements per partner and state, what the ledger paid, calls in flight, anomalies."""
    with runtime.reads() as session:
        query = select(Partner).where(Partner.role == Role.PP.value).order_by(Partner.client_code)
        if partner_code is not None:
            query = query.where(Partner.client_code == partner_code)
        partners = session.scalars(query).all()
        if partner_code is not None and not partners:
            raise ApiError(err.INC_PARTNER_NOT_FOUND)
        rows = []
        for partner in partners:
            by_state = dict(
                session.execute(
                    select(Disbursement.state, func.count())
                    .where(Disbursement.partner_id == partner.id)
                    .group_by(Disbursement.state)
                ).all()
            )
            paid = session.scalar(
                select(func.coalesce(func.sum(IncentiveLedgerEntry.amount), 0)).where(
                    IncentiveLedgerEntry.partner_id == partner.id
                )
            )
            rows.append(
                PartnerPayouts(
                    partner_code=partner.client_code,
                    by_status={str(k): int(v) for k, v in by_state.items()},
                    paid_amount=int(paid or 0),
                    in_flight=payout_slots.in_flight(session, partner.id),
                )
            )
        total = session.scalar(select(func.coalesce(func.sum(IncentiveLedgerEntry.amount), 0)))
        anomalies = session.scalar(select(func.count()).select_from(PayoutAnomaly))
    return PayoutSummaryData(
        partners=rows, ledger_total=int(total or 0), open_anomalies=int(anomalies or 0)
    )


def pp_partner(session: Session, partner_code: str) -> Partner:
    """An active payment partner by client code (ERRINC40401 otherwise)."""
    partner = session.scalar(
        select(Partner).where(
            Partner.client_code == partner_code,
            Partner.role == Role.PP.value,
            Partner.active.is_(True),
        )
    )
    if partner is None:
        raise ApiError(err.INC_PARTNER_NOT_FOUND)
    return partner
