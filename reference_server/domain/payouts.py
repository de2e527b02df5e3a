"""A disbursement's life on Prakerja's side, as a monotone state machine (no I/O).

States rise and never fall: ``SCHEDULED`` (0, not sent) → ``SUBMITTED`` (1, sent at least once;
the partner may hold it) → ``PAID`` or ``FAILED`` (2, final). What Prakerja learns about a
disbursement — a disburse answer, a status answer, a callback — is an *observation* of the
partner's status (``PENDING``, ``SUCCESS``, ``FAILED``); ``observe`` says what it does to the state:

- it moves the state up (``PENDING`` lifts ``SCHEDULED`` to ``SUBMITTED``, ``SUCCESS`` gives
  ``PAID``, ``FAILED`` gives ``FAILED``), or
- it changes nothing (a duplicate, or news older than what is known: ``PENDING`` after ``PAID``), or
- it contradicts a final state (``SUCCESS`` after ``FAILED`` or the reverse): a conflict, never
  applied, kept for investigation.

So observations may arrive in any order and any number of times and the state ends the same: the
callback before the disburse answer, a late duplicate callback, a status poll racing a callback.
An observation whose amount differs from the disbursement's is a conflict too, whatever its status.

``next_call`` is what the worker does next: send the disburse only when no earlier attempt can
have reached the partner; otherwise ask for the status first (and send only on "never recorded").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contract.incentives import PayoutState
from contract.payouts import DisbursementStatus

RANK = {
    PayoutState.SCHEDULED: 0,
    PayoutState.SUBMITTED: 1,
    PayoutState.PAID: 2,
    PayoutState.FAILED: 2,
}
FINAL = frozenset({PayoutState.PAID, PayoutState.FAILED})
OBSERVED = {
    DisbursementStatus.PENDING: PayoutState.SUBMITTED,
    DisbursementStatus.SUCCESS: PayoutState.PAID,
    DisbursementStatus.FAILED: PayoutState.FAILED,
}


class Effect(StrEnum):
    MOVE = "move"  # the state rises to ``state``
    SAME = "same"  # nothing changes (duplicate or older news)
    CONFLICT = "conflict"  # contradicts what is recorded: not applied


@dataclass(frozen=True, slots=True)
class Outcome:
    effect: Effect
    state: PayoutState  # the state after the observation (unchanged unless MOVE)
    reason: str = ""


def observe(
    current: PayoutState, seen: DisbursementStatus, *, amount: int, seen_amount: int
) -> Outcome:
    """What observing the partner's status ``seen`` (for ``seen_amount``) does to ``current``."""
    if seen_amount != amount:
        return Outcome(Effect.CONFLICT, current, f"amount {seen_amount} != {amount}")
    target = OBSERVED[seen]
    if current in FINAL:
        if target == current or target not in FINAL:
            return Outcome(Effect.SAME, current)
        return Outcome(Effect.CONFLICT, current, f"{seen.value} after {current.value}")
    if RANK[target] > RANK[current]:
        return Outcome(Effect.MOVE, target)
    return Outcome(Effect.SAME, current)


def is_final(state: PayoutState) -> bool:
    """PAID or FAILED: nothing more will happen to it."""
    return state in FINAL


class Call(StrEnum):
    DISBURSE = "disburse"
    STATUS = "status"
    NONE = "none"


def next_call(state: PayoutState, attempts: int) -> Call:
    """The worker's next call for a disbursement in ``state`` after ``attempts`` disburse sends.

    The first time, disburse. After that — a timeout, a 5xx, a crash between sending and
    recording, or a PENDING answer — the partner may hold it: ask first, re-send only when the
    partner says it never recorded it.
    """
    if state in FINAL:
        return Call.NONE
    if state == PayoutState.SCHEDULED and attempts == 0:
        return Call.DISBURSE
    return Call.STATUS
