"""Reconciling a statement with the record: every kind of difference, found once."""

from __future__ import annotations

from contract.incentives import MismatchKind as K
from contract.incentives import PayoutState as S
from contract.payouts import DisbursementStatus as P
from reference_server.domain.reconcile import Line, Record, compare


def test_a_clean_day_matches_and_sums() -> None:
    lines = [Line("a", 600_000, P.SUCCESS), Line("b", 50_000, P.FAILED)]
    day = {"a": Record("a", 600_000, S.PAID), "b": Record("b", 50_000, S.FAILED)}
    result = compare(lines, day, lambda _: None)
    assert (result.matched, result.differences) == (2, [])
    assert result.statement_entries == 2 and result.partner_success_amount == 600_000


def test_every_difference_is_named() -> None:
    lines = [
        Line("amount", 650_000, P.SUCCESS),
        Line("status", 600_000, P.SUCCESS),
        Line("stranger", 50_000, P.SUCCESS),
        Line("twice", 600_000, P.SUCCESS),
        Line("twice", 600_000, P.SUCCESS),
        Line("yesterday", 600_000, P.SUCCESS),  # final on the other side of midnight for us
    ]
    day = {
        "amount": Record("amount", 600_000, S.PAID),
        "status": Record("status", 600_000, S.SUBMITTED),  # a lost callback, not polled yet
        "twice": Record("twice", 600_000, S.PAID),
        "ghost": Record("ghost", 600_000, S.PAID),
    }
    other_days = {"yesterday": Record("yesterday", 600_000, S.PAID)}
    result = compare(lines, day, other_days.get)
    found = sorted((d.kind, d.disbursement_id) for d in result.differences)
    assert found == sorted(
        [
            (K.AMOUNT, "amount"),
            (K.STATUS, "status"),
            (K.MISSING_AT_PRAKERJA, "stranger"),
            (K.DUPLICATE, "twice"),
            (K.MISSING_AT_PARTNER, "ghost"),
        ]
    )
    assert result.matched == 2  # the first "twice" and "yesterday"
    amount = next(d for d in result.differences if d.kind is K.AMOUNT)
    assert (amount.prakerja_amount, amount.partner_amount) == (600_000, 650_000)
