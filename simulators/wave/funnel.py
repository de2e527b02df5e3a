"""The funnel a simulated wave reached: counts per step, reasons, money, checks. Pure data.

Steps are counted in the order people reach them, so each count is at most the one before it
(except the branches: ineligible reasons, not selected, revoked). ``checks`` are the programme's
rules the run verified on what the sandbox answered (no one buys without a card, revoked people
never finish, every due payment paid once…): a failed check is a sandbox bug, and the command
exits non-zero.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Every step of the journey, in order, with its label for people.
STEPS: tuple[tuple[str, str], ...] = (
    ("people", "People in the simulation"),
    ("registered", "Created an account"),
    ("email_verified", "Verified their e-mail"),
    ("phone_verified", "Verified their phone"),
    ("identity_submitted", "Submitted identity and selfie"),
    ("eligible", "Verified eligible"),
    ("joined", "Joined the wave"),
    ("selected", "Selected by the lottery"),
    ("bought", "Bought a first course"),
    ("redeemed", "Redeemed it at the provider"),
    ("finished", "Finished the course (post-test)"),
    ("certified", "Earned a certificate"),
    ("reviewed", "Rated and reviewed it"),
    ("linked", "Linked a bank or e-wallet account"),
    ("incentive_paid", "Received an incentive payment"),
    ("fully_paid", "Received every incentive of the scheme"),
    ("surveys_paid", "Paid for at least one survey"),
)
BRANCHES: tuple[tuple[str, str], ...] = (
    ("already_registered", "Skipped: already registered in this sandbox"),
    ("ineligible", "Verified ineligible"),
    ("not_selected", "Not selected (roll into the next wave)"),
    ("revoked", "Card revoked: no purchase by the deadline"),
    ("opened_account", "Opened an account (most an e-wallet) to be paid"),
    ("link_refused", "Account link refused (KYC, NIK or phone)"),
    ("recommended_jobs", "Finished and got job recommendations"),
    ("recommended_by_course", "… recommended for the industry of their course"),
)


@dataclass(frozen=True, slots=True)
class Check:
    """A rule verified on the run."""

    name: str
    ok: bool
    detail: str


@dataclass
class Funnel:
    """Everything a run counted."""

    seed: int
    people: int
    scheme: str
    wave_code: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    money: Counter[str] = field(default_factory=Counter)  # integer rupiah per kind
    problems: Counter[str] = field(default_factory=Counter)  # what went wrong for people, why
    checks: list[Check] = field(default_factory=list)
    stages: list[tuple[str, float]] = field(default_factory=list)  # (stage, seconds)
    requests: int = 0
    retries: int = 0
    notes: list[str] = field(default_factory=list)

    def count(self, step: str, n: int = 1) -> None:
        """Add ``n`` people to ``step``."""
        self.counts[step] += n

    def check(self, name: str, ok: bool, detail: str) -> None:
        """Record a rule verified on the run."""
        self.checks.append(Check(name, ok, detail))

    @property
    def ok(self) -> bool:
        """True when every check held."""
        return all(check.ok for check in self.checks)

    def rows(self) -> list[tuple[str, str, int]]:
        """(key, label, count) of every step reached, in journey order."""
        return [(key, label, self.counts[key]) for key, label in STEPS if key in self.counts]

    def branch_rows(self) -> list[tuple[str, str, int]]:
        """(key, label, count) of the branches that happened."""
        return [(key, label, self.counts[key]) for key, label in BRANCHES if self.counts[key]]

    def as_dict(self) -> dict[str, Any]:
        """Plain data (``--json`` and the report)."""
        return {
            "seed": self.seed,
            "people": self.people,
            "scheme": self.scheme,
            "wave_code": self.wave_code,
            "funnel": {key: count for key, _, count in self.rows()},
            "branches": {key: count for key, _, count in self.branch_rows()},
            "ineligible_reasons": dict(sorted(self.reasons.items())),
            "money": dict(sorted(self.money.items())),
            "problems": dict(sorted(self.problems.items())),
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
            "stages": [{"stage": s, "seconds": round(t, 2)} for s, t in self.stages],
            "requests": self.requests,
            "retries": self.retries,
            "notes": list(self.notes),
            "ok": self.ok,
        }
