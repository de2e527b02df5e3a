"""The six payment partners of the programme as data: who they are and how each behaves.

Two banks (BNI, BCA) and four e-wallets (OVO, GoPay, LinkAja, DANA), as in 2022. Each has its
own latency and failure profile (``framework.behaviour.Profile``) and its own way of settling: a
partner whose ``settle_ms`` is 0 credits the account while it answers (the disburse answer is
already ``SUCCESS``), any other stays ``PENDING`` that long and then calls back. Beside the
profile's outages (503s and timeouts *before* anything happens), a share of disburse calls can
time out *after* the debit, and callbacks can come twice or late (``*_rate``). ``share`` is the
partner's part of the people who choose its kind of account. The numbers are plausible, not
measured: what matters is that the partners differ, so the server meets slow and flaky ones.

Everything here is meant to be overridden: ``adjust`` changes profile or partner fields for every
partner or for some (``every={"timeout_rate": 0.3}`` for the 30%-failure test,
``zero_latency`` for a benchmark's baseline).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contract.payouts import AccountType
from simulators.framework.behaviour import Profile

BANK = AccountType.BANK
EWALLET = AccountType.EWALLET


@dataclass(frozen=True, kw_only=True)
class PartnerSpec:
    """One payment partner: identity, kind, behaviour and money rules."""

    instance: str  # the simulator instance name, lower-case: "ovo"
    name: str  # as people write it: "OVO"
    account_type: AccountType
    share: float  # of the people who pick this kind of account, the part who pick this one
    profile: Profile = field(default_factory=Profile)
    settle_ms: float = 0.0  # 0: final in the disburse answer; else PENDING this long, then callback
    number_prefix: str = ""  # banks: the first digits of their 10-digit account numbers
    unverified_limit: int = 2_000_000  # e-wallets: the most a basic (unverified) wallet may hold
    verified_limit: int = 20_000_000  # e-wallets: the most a verified wallet may hold
    late_callback_s: float = 5.0  # how late X-Simulate: late-callback sends (without an argument)
    # Shares of disburse calls (without X-Simulate) that behave as the directive of that name:
    debit_timeout_rate: float = 0.0  # timeout-after-debit: paid, then no answer
    duplicate_callback_rate: float = 0.0  # duplicate-callback
    late_callback_rate: float = 0.0  # late-callback (late_callback_s)
    callback_backoff_s: float = 0.2  # first retry of an unacknowledged callback after this
    callback_backoff_max_s: float = 10.0  # retries at most this far apart
    callback_give_up_s: float = 24 * 3600.0  # the contract's "at least 24 hours"

    def __post_init__(self) -> None:
        if not 0.0 < self.share <= 1.0:
            raise ValueError(f"{self.instance}: share must be in (0, 1], not {self.share}")
        if self.settle_ms < 0 or self.late_callback_s < 0:
            raise ValueError(f"{self.instance}: settle_ms and late_callback_s must be >= 0")
        for name in ("debit_timeout_rate", "duplicate_callback_rate", "late_callback_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{self.instance}: {name} must be between 0 and 1")
        if not 0 < self.callback_backoff_s <= self.callback_backoff_max_s:
            raise ValueError(f"{self.instance}: need 0 < callback_backoff_s <= the maximum")
        if self.account_type is BANK and not (
            self.number_prefix.isdigit() and len(self.number_prefix) == 2
        ):
            raise ValueError(f"{self.instance}: a bank needs a two-digit number_prefix")

    @property
    def is_bank(self) -> bool:
        """True for a bank (accounts by number), False for an e-wallet (accounts by phone)."""
        return self.account_type is BANK

    def as_dict(self) -> dict[str, Any]:
        """Plain data for listings and ``/_sim/info``."""
        data = dataclasses.asdict(self)
        data["account_type"] = self.account_type.value
        return data


def _profile(median: float, p99: float, errors: float, timeouts: float) -> Profile:
    return Profile(
        latency_ms=median,
        latency_p99_ms=p99,
        error_rate=errors,
        timeout_rate=timeouts,
        hang_seconds=15.0,
    )


PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec(
        instance="bni",
        name="BNI",
        account_type=BANK,
        share=0.6,
        number_prefix="04",
        profile=_profile(180.0, 900.0, 0.01, 0.005),
        settle_ms=1500.0,  # interbank transfer: accepted now, credited a moment later
        debit_timeout_rate=0.002,
    ),
    PartnerSpec(
        instance="bca",
        name="BCA",
        account_type=BANK,
        share=0.4,
        number_prefix="52",
        profile=_profile(90.0, 400.0, 0.005, 0.002),
    ),
    PartnerSpec(
        instance="ovo",
        name="OVO",
        account_type=EWALLET,
        share=0.3,
        profile=_profile(60.0, 300.0, 0.01, 0.003),
    ),
    PartnerSpec(
        instance="gopay",
        name="GoPay",
        account_type=EWALLET,
        share=0.3,
        profile=_profile(50.0, 250.0, 0.005, 0.002),
    ),
    PartnerSpec(
        instance="linkaja",
        name="LinkAja",
        account_type=EWALLET,
        share=0.15,
        profile=_profile(150.0, 1200.0, 0.03, 0.01),
        settle_ms=800.0,
        debit_timeout_rate=0.005,
        duplicate_callback_rate=0.02,
        late_callback_rate=0.05,
    ),
    PartnerSpec(
        instance="dana",
        name="DANA",
        account_type=EWALLET,
        share=0.25,
        profile=_profile(70.0, 350.0, 0.01, 0.003),
        settle_ms=300.0,
        duplicate_callback_rate=0.01,
    ),
)
BY_INSTANCE: dict[str, PartnerSpec] = {spec.instance: spec for spec in PARTNERS}

_PROFILE_FIELDS = frozenset(f.name for f in dataclasses.fields(Profile))
_SPEC_FIELDS = frozenset(f.name for f in dataclasses.fields(PartnerSpec)) - {
    "instance",
    "name",
    "account_type",
    "share",
    "number_prefix",
    "profile",
}
ADJUSTABLE = tuple(sorted(_PROFILE_FIELDS | _SPEC_FIELDS))
"""The fields ``adjust`` can change: every ``Profile`` field and the partner's timing and limits."""

ZERO_LATENCY: Mapping[str, Any] = {
    "latency_ms": 0.0,
    "latency_p99_ms": None,
    "error_rate": 0.0,
    "timeout_rate": 0.0,
    "settle_ms": 0.0,
    "debit_timeout_rate": 0.0,
    "duplicate_callback_rate": 0.0,
    "late_callback_rate": 0.0,
}
"""Answer at once, never fail, settle in the answer, call back once at once: a baseline."""


def changed(spec: PartnerSpec, changes: Mapping[str, Any]) -> PartnerSpec:
    """``spec`` with some profile or partner fields changed; ``ValueError`` names a bad one."""
    unknown = sorted(set(changes) - set(ADJUSTABLE))
    if unknown:
        raise ValueError(f"cannot adjust {', '.join(unknown)}; adjustable: {', '.join(ADJUSTABLE)}")
    profile = {k: v for k, v in changes.items() if k in _PROFILE_FIELDS}
    own = {k: v for k, v in changes.items() if k in _SPEC_FIELDS}
    return dataclasses.replace(spec, profile=dataclasses.replace(spec.profile, **profile), **own)


def adjust(
    specs: Iterable[PartnerSpec] = PARTNERS,
    *,
    every: Mapping[str, Any] | None = None,
    only: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[PartnerSpec, ...]:
    """The partners with ``every`` applied to all and ``only[instance]`` to one (after ``every``).

    Example: ``adjust(every={"error_rate": 0.2, "timeout_rate": 0.1, "hang_seconds": 3})`` makes
    every partner fail 30% of its calls, a third of them by timing out.
    """
    chosen = tuple(specs)
    names = {spec.instance for spec in chosen}
    unknown = sorted(set(only or {}) - names)
    if unknown:
        raise ValueError(f"no partner {', '.join(unknown)} (partners: {', '.join(sorted(names))})")
    out = []
    for spec in chosen:
        spec = changed(spec, every or {})
        out.append(changed(spec, (only or {}).get(spec.instance, {})))
    return tuple(out)


def seeded(specs: Iterable[PartnerSpec], seed: int | None) -> tuple[PartnerSpec, ...]:
    """The partners with their profiles seeded from ``seed`` (each draws its own stream)."""
    return tuple(changed(spec, {"seed": seed}) for spec in specs)
