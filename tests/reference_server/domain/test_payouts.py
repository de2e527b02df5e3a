"""A disbursement's state machine: observations in any order and any number end in one state;
contradictions are never applied; the next call after any doubt is a status question."""

from __future__ import annotations

import itertools

import pytest

from contract.incentives import PayoutState as S
from contract.payouts import DisbursementStatus as P
from reference_server.domain.payouts import Call, Effect, is_final, next_call, observe

AMOUNT = 600_000


@pytest.mark.parametrize(
    ("current", "seen", "effect", "after"),
    [
        (S.SCHEDULED, P.PENDING, Effect.MOVE, S.SUBMITTED),
        (S.SCHEDULED, P.SUCCESS, Effect.MOVE, S.PAID),  # the callback before the answer
        (S.SCHEDULED, P.FAILED, Effect.MOVE, S.FAILED),
        (S.SUBMITTED, P.PENDING, Effect.SAME, S.SUBMITTED),
        (S.SUBMITTED, P.SUCCESS, Effect.MOVE, S.PAID),
        (S.SUBMITTED, P.FAILED, Effect.MOVE, S.FAILED),
        (S.PAID, P.PENDING, Effect.SAME, S.PAID),  # old news
        (S.PAID, P.SUCCESS, Effect.SAME, S.PAID),  # a duplicate
        (S.PAID, P.FAILED, Effect.CONFLICT, S.PAID),
        (S.FAILED, P.PENDING, Effect.SAME, S.FAILED),
        (S.FAILED, P.FAILED, Effect.SAME, S.FAILED),
        (S.FAILED, P.SUCCESS, Effect.CONFLICT, S.FAILED),
    ],
)
def test_every_observation_in_every_state(current: S, seen: P, effect: Effect, after: S) -> None:
    outcome = observe(current, seen, amount=AMOUNT, seen_amount=AMOUNT)
    assert (outcome.effect, outcome.state) == (effect, after)


@pytest.mark.parametrize("current", list(S))
def test_another_amount_is_a_contradiction_whatever_the_status(current: S) -> None:
    outcome = observe(current, P.SUCCESS, amount=AMOUNT, seen_amount=AMOUNT + 1)
    assert outcome.effect is Effect.CONFLICT and outcome.state is current
    assert "amount" in outcome.reason


@pytest.mark.parametrize(
    "news",
    [
        (P.PENDING, P.SUCCESS),
        (P.PENDING, P.SUCCESS, P.SUCCESS, P.PENDING),
        (P.SUCCESS, P.PENDING, P.SUCCESS),
        (P.FAILED, P.PENDING, P.FAILED),
    ],
)
def test_any_order_of_the_same_news_ends_in_one_state(news: tuple[P, ...]) -> None:
    ends = set()
    for order in itertools.permutations(news):
        state = S.SCHEDULED
        for seen in order:
            state = observe(state, seen, amount=AMOUNT, seen_amount=AMOUNT).state
        ends.add(state)
    assert len(ends) == 1 and is_final(ends.pop())


def test_states_only_rise() -> None:
    rank = {S.SCHEDULED: 0, S.SUBMITTED: 1, S.PAID: 2, S.FAILED: 2}
    for current, seen in itertools.product(S, P):
        after = observe(current, seen, amount=AMOUNT, seen_amount=AMOUNT).state
        assert rank[after] >= rank[current]


@pytest.mark.parametrize(
    ("state", "attempts", "call"),
    [
        (S.SCHEDULED, 0, Call.DISBURSE),  # never sent: send
        (S.SCHEDULED, 1, Call.STATUS),  # sent, then a crash before the record: ask first
        (S.SUBMITTED, 1, Call.STATUS),  # PENDING or a lost answer: ask first
        (S.SUBMITTED, 7, Call.STATUS),
        (S.PAID, 1, Call.NONE),
        (S.FAILED, 2, Call.NONE),
    ],
)
def test_the_next_call_never_resends_blindly(state: S, attempts: int, call: Call) -> None:
    assert next_call(state, attempts) is call
