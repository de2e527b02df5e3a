"""The applicant's journey as a state machine: every stage change the server makes is checked
against this table, so no code path can skip verification or un-revoke someone."""

from __future__ import annotations

from contract.registration import Stage

NEXT: dict[Stage, frozenset[Stage]] = {
    Stage.REGISTERED: frozenset({Stage.CONTACT_VERIFIED}),
    Stage.CONTACT_VERIFIED: frozenset({Stage.IDENTITY_SUBMITTED, Stage.VERIFYING}),
    Stage.IDENTITY_SUBMITTED: frozenset({Stage.VERIFYING}),
    Stage.VERIFYING: frozenset({Stage.ELIGIBLE, Stage.INELIGIBLE}),
    # ELIGIBLE → INELIGIBLE: a join under a wave whose scheme's rules the applicant now fails.
    Stage.ELIGIBLE: frozenset({Stage.JOINED, Stage.INELIGIBLE}),
    Stage.INELIGIBLE: frozenset(),
    Stage.JOINED: frozenset({Stage.BENEFICIARY, Stage.NOT_SELECTED}),
    Stage.NOT_SELECTED: frozenset({Stage.JOINED, Stage.BENEFICIARY, Stage.INELIGIBLE}),
    Stage.BENEFICIARY: frozenset({Stage.REVOKED}),
    Stage.REVOKED: frozenset(),
}


class IllegalTransition(ValueError):
    """A stage change the journey does not allow (a bug of the caller, never user input)."""


def can_move(current: Stage | str, target: Stage) -> bool:
    """Whether ``current`` may move to ``target``."""
    return target in NEXT.get(Stage(current), frozenset())


def move(current: Stage | str, target: Stage) -> Stage:
    """``target`` if the move is legal; IllegalTransition otherwise."""
    if not can_move(current, target):
        raise IllegalTransition(f"{current} → {target} is not a legal stage change")
    return target
