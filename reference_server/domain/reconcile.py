"""Reconciliation: a payment partner's statement of a day against Prakerja's record (no I/O).

Prakerja's side of day D is every disbursement to that partner whose final status, by the
partner's own clock (``final_at`` from its answers and callbacks), fell on D (Asia/Jakarta). Each
statement line is looked up by ``disbursement_id`` among all of Prakerja's disbursements to the
partner (a line near midnight may carry a time Prakerja saw on the other day), then:

- not known at all → ``MISSING_AT_PRAKERJA`` (the partner reports money Prakerja never sent);
- listed twice → ``DUPLICATE``;
- another amount → ``AMOUNT``;
- another outcome (SUCCESS vs anything but PAID, FAILED vs anything but FAILED) → ``STATUS``;
- otherwise matched.

Every disbursement of Prakerja's day that no line lists is ``MISSING_AT_PARTNER``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from contract.incentives import MismatchKind, PayoutState
from contract.payouts import DisbursementStatus

AGREES = {
    DisbursementStatus.SUCCESS: PayoutState.PAID,
    DisbursementStatus.FAILED: PayoutState.FAILED,
}


@dataclass(frozen=True, slots=True)
class Line:
    """One statement entry."""

    disbursement_id: str
    amount: int
    status: DisbursementStatus


@dataclass(frozen=True, slots=True)
class Record:
    """Prakerja's disbursement as recorded."""

    disbursement_id: str
    amount: int
    state: PayoutState


@dataclass(frozen=True, slots=True)
class Difference:
    kind: MismatchKind
    disbursement_id: str
    prakerja_amount: int | None = None
    partner_amount: int | None = None
    prakerja_status: str | None = None
    partner_status: str | None = None


@dataclass
class Result:
    statement_entries: int = 0
    matched: int = 0
    partner_success_amount: int = 0
    differences: list[Difference] = field(default_factory=list)


def compare(
    lines: Iterable[Line],
    day: dict[str, Record],
    lookup: Callable[[str], Record | None],
) -> Result:
    """Every difference between the statement ``lines`` and Prakerja's ``day``; ``lookup``
    finds a disbursement of the partner on another day."""
    result = Result()
    seen: set[str] = set()
    for line in lines:
        result.statement_entries += 1
        if line.status is DisbursementStatus.SUCCESS:
            result.partner_success_amount += line.amount
        ours = day.get(line.disbursement_id) or lookup(line.disbursement_id)
        if line.disbursement_id in seen:
            result.differences.append(
                Difference(
                    MismatchKind.DUPLICATE,
                    line.disbursement_id,
                    ours.amount if ours else None,
                    line.amount,
                    ours.state.value if ours else None,
                    line.status.value,
                )
            )
            continue
        seen.add(line.disbursement_id)
        if ours is None:
            result.differences.append(
                Difference(
                    MismatchKind.MISSING_AT_PRAKERJA,
                    line.disbursement_id,
                    partner_amount=line.amount,
                    partner_status=line.status.value,
                )
            )
            continue
        kind = None
        if ours.amount != line.amount:
            kind = MismatchKind.AMOUNT
        elif AGREES.get(line.status) != ours.state:
            kind = MismatchKind.STATUS
        if kind is None:
            result.matched += 1
        else:
            result.differences.append(
                Difference(
                    kind,
                    line.disbursement_id,
                    ours.amount,
                    line.amount,
                    ours.state.value,
                    line.status.value,
                )
            )
    for disbursement_id, ours in day.items():
        if disbursement_id not in seen:
            result.differences.append(
                Difference(
                    MismatchKind.MISSING_AT_PARTNER,
                    disbursement_id,
                    prakerja_amount=ours.amount,
                    prakerja_status=ours.state.value,
                )
            )
    return result
