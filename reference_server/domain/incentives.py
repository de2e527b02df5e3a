"""The incentive schedule of a scheme and when each payment is due (no I/O).

A card holder's incentives start on the day every condition is met — the first training finished
(post-test verified), rated and reviewed, and an account linked and active (``eligible_at``).
Payment ``n`` (1..``incentive_count``) is then due ``(n - 1) × incentive_interval_days`` days
later: semi-bansos pays 4 monthly, the normal scheme once, all amounts from ``schemes.json``. A
survey's payment is due when the survey is answered. Each payment is a step keyed by
(card, kind, step): it is created once, under a unique constraint, and paid once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from reference_server.domain.schemes import Scheme

Kind = Literal["incentive", "survey"]
INCENTIVE: Kind = "incentive"
SURVEY: Kind = "survey"

INCENTIVE_CONDITION = (
    "Menyelesaikan pelatihan pertama, memberi ulasan dan penilaian, dan menautkan rekening "
    "atau e-wallet yang terverifikasi dengan NIK yang sama."
)
MONTHLY_CONDITION = "Dibayarkan {days} hari setelah insentif sebelumnya."
SURVEY_CONDITION = "Mengisi survei evaluasi setelah insentif ke-{after} diterima."


@dataclass(frozen=True, slots=True)
class Step:
    """One payment of the schedule."""

    kind: Kind
    step: int
    amount: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Conditions:
    training_completed: bool
    reviewed: bool
    account_linked: bool

    @property
    def met(self) -> bool:
        """Every condition is met: the schedule starts."""
        return self.training_completed and self.reviewed and self.account_linked


def incentive_steps(scheme: Scheme, eligible_at: datetime) -> list[Step]:
    """The scheme's incentive payments for someone eligible since ``eligible_at``."""
    interval = timedelta(days=scheme.incentive_interval_days)
    return [
        Step(INCENTIVE, n, scheme.incentive_amount, eligible_at + (n - 1) * interval)
        for n in range(1, scheme.incentive_count + 1)
    ]


def survey_step(scheme: Scheme, step: int, answered_at: datetime) -> Step:
    """The payment of survey ``step``, due when it is answered."""
    if not 1 <= step <= scheme.survey_count:
        raise ValueError(f"survey step {step} outside 1..{scheme.survey_count}")
    return Step(SURVEY, step, scheme.survey_amount, answered_at)


def condition_text(kind: Kind, step: int, scheme: Scheme, after: int = 1) -> str:
    """What a step waits for, as the beneficiary reads it."""
    if kind == SURVEY:
        return SURVEY_CONDITION.format(after=after)
    if step == 1:
        return INCENTIVE_CONDITION
    return MONTHLY_CONDITION.format(days=scheme.incentive_interval_days)


def mask_account(number: str) -> str:
    """``********7890``: the last four digits only."""
    return "*" * max(0, len(number) - 4) + number[-4:]


def mask_name(name: str) -> str:
    """``B*** S*****``: each word's first letter, the rest hidden."""
    words = name.split()
    return " ".join(w[0] + "*" * (len(w) - 1) for w in words) if words else "*"
