"""Course curation: what a submission must satisfy, where a course stands, and the assessment rule.

**Indicators are data** (``indicators.json``, beside this module): for each kind of assessment —
``entry`` (52 indicators, before a course enters the catalogue) and ``monitoring`` (40, of a live
course) — the score scale, the pass rule's two numbers, the groups (the aspects the programme's
assessors named) and each indicator's id, group, Indonesian title, weight and critical flag.

**The rule.** Every indicator of the kind gets a whole score from ``score_min`` to ``score_max``
(1-5). An assessment passes when

1. every *critical* indicator scores at least ``critical_minimum``, and
2. the weighted mean, sum(weight x score) / sum(weight), reaches ``pass_mean``.

Both are computed exactly (fractions; no float rounding decides a boundary). A failed assessment
says why: each critical indicator under the minimum (``CRITICAL_BELOW_MINIMUM``); when the mean
falls short, the mean itself (``MEAN_BELOW_THRESHOLD``) and each other indicator under the minimum
that pulled it down (``LOW_SCORE``); each with the assessor's note on it, if any.

**Where a course stands.** A submission version is PENDING until its entry assessment, then
APPROVED or REJECTED; a rejected course may be submitted again as a new version. An approved
course is ``active`` (on sale) or ``suspended`` (failed a monitoring assessment) until a later
monitoring assessment passes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

from contract import errors as err
from contract.attendance import MAX_WEBINAR_SESSIONS
from contract.catalogue import AssessmentKind, Method, ReasonRule, SubmissionStatus
from contract.errors import ApiError

ACTIVE = "active"
SUSPENDED = "suspended"
_INDICATOR_FIELDS = {"id", "group", "title", "weight", "critical"}
_SET_FIELDS = {"score_min", "score_max", "critical_minimum", "pass_mean", "groups", "indicators"}
_PREFIX = {AssessmentKind.ENTRY: "E", AssessmentKind.MONITORING: "M"}


# --- the indicators -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Indicator:
    """One thing an assessor scores."""

    id: str
    group: str
    title: str
    weight: int
    critical: bool


@dataclass(frozen=True)
class IndicatorSet:
    """The indicators of one kind of assessment and the numbers of its pass rule."""

    kind: AssessmentKind
    score_min: int
    score_max: int
    critical_minimum: int
    pass_mean: Fraction
    groups: Mapping[str, str]
    indicators: tuple[Indicator, ...]

    def by_id(self) -> dict[str, Indicator]:
        """The indicators keyed by id."""
        return {i.id: i for i in self.indicators}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_set(kind: AssessmentKind, raw: Any) -> IndicatorSet:
    where = f"indicators {kind.value!r}"
    if not isinstance(raw, dict) or set(raw) != _SET_FIELDS:
        raise ValueError(f"{where}: must be an object with exactly {sorted(_SET_FIELDS)}")
    low, high, minimum = raw["score_min"], raw["score_max"], raw["critical_minimum"]
    if not (_is_int(low) and _is_int(high) and _is_int(minimum) and low < high):
        raise ValueError(f"{where}: score_min < score_max and critical_minimum must be integers")
    if not low <= minimum <= high:
        raise ValueError(f"{where}: critical_minimum must lie on the scale")
    if not isinstance(raw["pass_mean"], str):
        raise ValueError(f'{where}: pass_mean must be a decimal string such as "3.50"')
    try:
        pass_mean = Fraction(raw["pass_mean"])
    except ValueError:
        raise ValueError(f"{where}: pass_mean {raw['pass_mean']!r} is not a number") from None
    if not low <= pass_mean <= high:
        raise ValueError(f"{where}: pass_mean must lie on the scale")
    groups = raw["groups"]
    if (
        not isinstance(groups, dict)
        or not groups
        or not all(isinstance(t, str) and t for t in groups.values())
    ):
        raise ValueError(f"{where}: groups must map ids to titles")
    indicators: list[Indicator] = []
    for item in raw["indicators"] if isinstance(raw["indicators"], list) else []:
        if not isinstance(item, dict) or set(item) != _INDICATOR_FIELDS:
            raise ValueError(f"{where}: each indicator has exactly {sorted(_INDICATOR_FIELDS)}")
        ident = item["id"]
        if not (isinstance(ident, str) and len(ident) == 3 and ident[0] == _PREFIX[kind]):
            raise ValueError(f"{where}: id {ident!r} must be {_PREFIX[kind]} and two digits")
        if not ident[1:].isdigit():
            raise ValueError(f"{where}: id {ident!r} must be {_PREFIX[kind]} and two digits")
        if item["group"] not in groups:
            raise ValueError(f"{where}: {ident} names an unknown group {item['group']!r}")
        if not (isinstance(item["title"], str) and item["title"].strip()):
            raise ValueError(f"{where}: {ident} needs a title")
        if not _is_int(item["weight"]) or item["weight"] < 1:
            raise ValueError(f"{where}: {ident} weight must be a whole number of at least 1")
        if not isinstance(item["critical"], bool):
            raise ValueError(f"{where}: {ident} critical must be true or false")
        indicators.append(
            Indicator(ident, item["group"], item["title"], item["weight"], item["critical"])
        )
    if not indicators:
        raise ValueError(f"{where}: no indicators")
    if len({i.id for i in indicators}) != len(indicators):
        raise ValueError(f"{where}: indicator ids repeat")
    return IndicatorSet(kind, low, high, minimum, pass_mean, dict(groups), tuple(indicators))


def parse_indicators(text: str) -> dict[AssessmentKind, IndicatorSet]:
    """Indicator sets from JSON text, validated; ValueError says what is wrong."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"indicators file is not valid JSON: {exc}") from exc
    kinds = {k.value for k in AssessmentKind}
    if not isinstance(raw, dict) or set(raw) != kinds:
        raise ValueError(f"indicators file must have exactly the kinds {sorted(kinds)}")
    return {kind: _parse_set(kind, raw[kind.value]) for kind in AssessmentKind}


@cache
def _packaged() -> dict[AssessmentKind, IndicatorSet]:
    text = resources.files("reference_server.domain").joinpath("indicators.json").read_text("utf-8")
    return parse_indicators(text)


def indicator_set(kind: AssessmentKind) -> IndicatorSet:
    """The packaged indicators of ``kind`` (the file is read once)."""
    return _packaged()[kind]


# --- the rule -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """One reason an assessment failed."""

    rule: ReasonRule
    indicator: Indicator | None  # None: the mean
    score: int | None
    note: str | None


@dataclass(frozen=True)
class Outcome:
    """An assessment's verdict, its exact weighted mean and, when failed, the reasons."""

    passed: bool
    weighted_mean: Fraction
    reasons: tuple[Failure, ...]


def check_scores(
    indicators: IndicatorSet, scores: Mapping[str, int], notes: Mapping[str, str]
) -> None:
    """Scores for every indicator of the set and no other, on the scale; notes only for those
    indicators (ERRCAT40006, naming what is wrong)."""
    known = indicators.by_id()
    missing = sorted(set(known) - set(scores))
    unknown = sorted(set(scores) - set(known))
    problems = []
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if unknown:
        problems.append(f"not {indicators.kind.value} indicators: {', '.join(unknown)}")
    off_scale = sorted(
        k
        for k, v in scores.items()
        if not _is_int(v) or not indicators.score_min <= v <= indicators.score_max
    )
    if off_scale:
        scale = f"{indicators.score_min}-{indicators.score_max}"
        problems.append(f"off the {scale} scale: {', '.join(off_scale)}")
    stray = sorted(set(notes) - set(known))
    if stray:
        problems.append(f"notes for unknown indicators: {', '.join(stray)}")
    if problems:
        raise ApiError(err.SCORES_INVALID, "; ".join(problems) + ".")


def weighted_mean(indicators: IndicatorSet, scores: Mapping[str, int]) -> Fraction:
    """sum(weight x score) / sum(weight), exactly."""
    total = sum(i.weight for i in indicators.indicators)
    return Fraction(sum(i.weight * scores[i.id] for i in indicators.indicators), total)


def assess(
    indicators: IndicatorSet, scores: Mapping[str, int], notes: Mapping[str, str] | None = None
) -> Outcome:
    """Apply the pass rule (see the module docstring) to a complete set of scores."""
    notes = notes or {}
    check_scores(indicators, scores, notes)
    mean = weighted_mean(indicators, scores)
    minimum = indicators.critical_minimum
    below = [i for i in indicators.indicators if scores[i.id] < minimum]
    reasons = [
        Failure(ReasonRule.CRITICAL_BELOW_MINIMUM, i, scores[i.id], notes.get(i.id))
        for i in below
        if i.critical
    ]
    if mean < indicators.pass_mean:
        reasons.append(Failure(ReasonRule.MEAN_BELOW_THRESHOLD, None, None, None))
        reasons += [
            Failure(ReasonRule.LOW_SCORE, i, scores[i.id], notes.get(i.id))
            for i in below
            if not i.critical
        ]
    return Outcome(not reasons, mean, tuple(reasons))


def two_decimals(value: Fraction) -> str:
    """A mean for people: two decimals, half up (3.575 -> "3.58")."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def reason_text(failure: Failure, indicators: IndicatorSet) -> str:
    """The Indonesian title of a reason: the indicator's, or the mean's."""
    if failure.indicator is not None:
        return failure.indicator.title
    return f"Rata-rata tertimbang di bawah {two_decimals(indicators.pass_mean)}"


def reason_minimum(failure: Failure, indicators: IndicatorSet) -> str:
    """What the reason needed: the minimum score, or the pass mean."""
    if failure.rule is ReasonRule.MEAN_BELOW_THRESHOLD:
        return two_decimals(indicators.pass_mean)
    return str(indicators.critical_minimum)


# --- submissions --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleDates:
    """One schedule of a submission: its code and its times in UTC (None: no usable time)."""

    code: str
    start_at: datetime | None
    end_at: datetime | None


def course_sessions(method: Method, sessions: int | None) -> int:
    """The sessions a course has: a webinar needs 1-10, a self-paced course has 1 (ERRCAT40005)."""
    if method is Method.WEBINAR:
        if sessions is None or not 1 <= sessions <= MAX_WEBINAR_SESSIONS:
            raise ApiError(err.SESSIONS_INVALID, "A webinar needs sessions, 1-10.")
        return sessions
    if sessions not in (None, 1):
        raise ApiError(err.SESSIONS_INVALID, "A self-paced course has one session.")
    return 1


def check_ages(min_age: int, max_age: int | None) -> None:
    """max_age, when given, is at least min_age (ERRCAT40004)."""
    if max_age is not None and max_age < min_age:
        raise ApiError(err.AGE_RANGE_INVALID)


def check_schedules(schedules: Sequence[ScheduleDates], now: datetime) -> None:
    """Each schedule starts in the future and ends after it starts (ERRCAT40003); no code twice
    in one request (ERRCAT40903)."""
    seen: set[str] = set()
    for schedule in schedules:
        if schedule.code in seen:
            raise ApiError(err.SCHEDULE_CODE_TAKEN, f"{schedule.code} is given twice.")
        seen.add(schedule.code)
        start, end = schedule.start_at, schedule.end_at
        if start is None or end is None or start <= now or end <= start:
            raise ApiError(
                err.SCHEDULE_TIMES_INVALID,
                f"{schedule.code} must start in the future, before 2100, and end after it starts.",
            )


def standing(version_status: SubmissionStatus, course_status: str | None) -> SubmissionStatus:
    """A course's status as its DP sees it: its latest version's, or, once approved, whether the
    course is on sale (APPROVED) or suspended."""
    if version_status is SubmissionStatus.APPROVED and course_status == SUSPENDED:
        return SubmissionStatus.SUSPENDED
    return version_status


def check_resubmittable(current: SubmissionStatus) -> None:
    """A course may be submitted again only after a rejection (ERRCAT40902)."""
    if current is not SubmissionStatus.REJECTED:
        raise ApiError(err.SUBMISSION_OPEN)


def check_assessable(kind: AssessmentKind, current: SubmissionStatus) -> None:
    """Entry: a pending submission. Monitoring: an approved course, active or suspended
    (ERRCAT40905)."""
    wanted = (
        (SubmissionStatus.PENDING,)
        if kind is AssessmentKind.ENTRY
        else (SubmissionStatus.APPROVED, SubmissionStatus.SUSPENDED)
    )
    if current not in wanted:
        raise ApiError(err.ASSESSMENT_STATE)


def course_status_after_monitoring(passed: bool) -> str:
    """A monitoring pass keeps (or puts) a course on sale; a failure suspends it."""
    return ACTIVE if passed else SUSPENDED
