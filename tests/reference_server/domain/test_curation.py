"""The curation rules without a server: the assessment rule at its boundaries, the indicator file,
submission checks and where a course stands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from contract import errors as err
from contract.catalogue import AssessmentKind, Method, ReasonRule, SubmissionStatus
from contract.errors import ApiError
from reference_server.domain import curation, purchase
from reference_server.domain.curation import ScheduleDates

# Four indicators: A is critical and weighs 3, B-D weigh 1 (total weight 6); pass mean 3.5,
# critical minimum 3. A weighted sum of 21 is exactly the pass mark.
SMALL = {
    "score_min": 1,
    "score_max": 5,
    "critical_minimum": 3,
    "pass_mean": "3.50",
    "groups": {"g": "Kelompok"},
    "indicators": [
        {"id": "E01", "group": "g", "title": "A", "weight": 3, "critical": True},
        {"id": "E02", "group": "g", "title": "B", "weight": 1, "critical": False},
        {"id": "E03", "group": "g", "title": "C", "weight": 1, "critical": False},
        {"id": "E04", "group": "g", "title": "D", "weight": 1, "critical": False},
    ],
}
MONITORING = {**SMALL, "indicators": [{**i, "id": "M" + i["id"][1:]} for i in SMALL["indicators"]]}


def small() -> curation.IndicatorSet:
    text = json.dumps({"entry": SMALL, "monitoring": MONITORING})
    return curation.parse_indicators(text)[AssessmentKind.ENTRY]


def scores(a: int, b: int, c: int, d: int) -> dict[str, int]:
    return {"E01": a, "E02": b, "E03": c, "E04": d}


C, M, L = (
    ReasonRule.CRITICAL_BELOW_MINIMUM,
    ReasonRule.MEAN_BELOW_THRESHOLD,
    ReasonRule.LOW_SCORE,
)


@pytest.mark.parametrize(
    ("given", "passed", "mean", "reasons"),
    [
        ((5, 5, 5, 5), True, Fraction(5), []),
        ((3, 4, 4, 4), True, Fraction(21, 6), []),  # critical at its minimum, mean at the mark
        ((3, 4, 4, 3), False, Fraction(20, 6), [(M, None)]),  # one point under the mark
        ((2, 5, 5, 5), False, Fraction(21, 6), [(C, "E01")]),  # mean fine, critical one short
        ((5, 2, 5, 5), True, Fraction(27, 6), []),  # a low non-critical score alone never fails
        ((3, 1, 5, 5), False, Fraction(20, 6), [(M, None), (L, "E02")]),
        ((1, 3, 3, 3), False, Fraction(2), [(C, "E01"), (M, None)]),
        (
            (1, 1, 1, 1),
            False,
            Fraction(1),
            [(C, "E01"), (M, None), (L, "E02"), (L, "E03"), (L, "E04")],
        ),
    ],
)
def test_the_pass_rule(
    given: tuple[int, int, int, int],
    passed: bool,
    mean: Fraction,
    reasons: list[tuple[ReasonRule, str | None]],
) -> None:
    outcome = curation.assess(small(), scores(*given))
    assert outcome.passed is passed
    assert outcome.weighted_mean == mean
    assert [(r.rule, r.indicator.id if r.indicator else None) for r in outcome.reasons] == reasons


def test_a_reason_carries_the_assessors_note_and_what_was_needed() -> None:
    indicators = small()
    outcome = curation.assess(
        indicators, scores(2, 1, 5, 5), {"E01": "Tidak relevan.", "E03": "Baik."}
    )
    critical, mean, low = outcome.reasons
    assert (critical.note, low.note, mean.note) == ("Tidak relevan.", None, None)
    assert curation.reason_minimum(critical, indicators) == "3"
    assert curation.reason_minimum(mean, indicators) == "3.50"
    assert curation.reason_text(mean, indicators) == "Rata-rata tertimbang di bawah 3.50"


@pytest.mark.parametrize(
    ("given", "notes", "says"),
    [
        ({"E01": 5, "E02": 5, "E03": 5}, {}, "missing E04"),
        ({**scores(5, 5, 5, 5), "E05": 5}, {}, "not entry indicators: E05"),
        ({**scores(5, 5, 5, 5), "M01": 5}, {}, "not entry indicators: M01"),
        (scores(5, 5, 0, 6), {}, "off the 1-5 scale: E03, E04"),
        (scores(5, 5, 5, 5), {"E09": "?"}, "notes for unknown indicators: E09"),
    ],
)
def test_scores_must_cover_the_set_exactly(
    given: dict[str, int], notes: dict[str, str], says: str
) -> None:
    with pytest.raises(ApiError) as refused:
        curation.assess(small(), given, notes)
    assert refused.value.error is err.SCORES_INVALID
    assert says in (refused.value.detail or "")


def test_the_packaged_indicators_are_the_programmes_52_and_40() -> None:
    entry = curation.indicator_set(AssessmentKind.ENTRY)
    monitoring = curation.indicator_set(AssessmentKind.MONITORING)
    assert [i.id for i in entry.indicators] == [f"E{n:02d}" for n in range(1, 53)]
    assert [i.id for i in monitoring.indicators] == [f"M{n:02d}" for n in range(1, 41)]
    assert len(entry.groups) == 7 and len(monitoring.groups) == 6  # the aspects the assessors named
    for indicators in (entry, monitoring):
        assert any(i.critical for i in indicators.indicators)
        assert {i.group for i in indicators.indicators} == set(indicators.groups)
        top = {i.id: indicators.score_max for i in indicators.indicators}
        assert curation.assess(indicators, top).passed
        bottom = {i.id: indicators.score_min for i in indicators.indicators}
        assert not curation.assess(indicators, bottom).passed


def _with(**changes: Any) -> str:
    return json.dumps({"entry": {**SMALL, **changes}, "monitoring": MONITORING})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{", "not valid JSON"),
        (json.dumps({"entry": SMALL}), "exactly the kinds"),
        (_with(pass_mean=3.5), "decimal string"),
        (_with(pass_mean="abc"), "not a number"),
        (_with(pass_mean="6"), "on the scale"),
        (_with(critical_minimum=0), "on the scale"),
        (_with(score_min=5, score_max=1), "score_min < score_max"),
        (_with(indicators=[]), "no indicators"),
        (_with(indicators=[SMALL["indicators"][0]] * 2), "repeat"),
        (_with(indicators=[{**SMALL["indicators"][0], "id": "M01"}]), "must be E"),
        (_with(indicators=[{**SMALL["indicators"][0], "group": "x"}]), "unknown group"),
        (_with(indicators=[{**SMALL["indicators"][0], "weight": 0}]), "weight"),
        (_with(indicators=[{**SMALL["indicators"][0], "critical": 1}]), "critical"),
        (_with(indicators=[{**SMALL["indicators"][0], "extra": 1}]), "exactly"),
    ],
)
def test_a_broken_indicator_file_is_refused_with_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        curation.parse_indicators(text)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Fraction(7, 2), "3.50"), (Fraction(3575, 1000), "3.58"), (Fraction(10, 3), "3.33")],
)
def test_means_are_shown_with_two_decimals_half_up(value: Fraction, shown: str) -> None:
    assert curation.two_decimals(value) == shown


@pytest.mark.parametrize(
    ("method", "sessions", "expected"),
    [
        (Method.WEBINAR, 1, 1),
        (Method.WEBINAR, 10, 10),
        (Method.WEBINAR, None, err.SESSIONS_INVALID),
        (Method.WEBINAR, 11, err.SESSIONS_INVALID),
        (Method.SELF_PACED, None, 1),
        (Method.SELF_PACED, 1, 1),
        (Method.SELF_PACED, 2, err.SESSIONS_INVALID),
    ],
)
def test_sessions_follow_the_method(method: Method, sessions: int | None, expected: object) -> None:
    if isinstance(expected, int):
        assert curation.course_sessions(method, sessions) == expected
    else:
        with pytest.raises(ApiError) as refused:
            curation.course_sessions(method, sessions)
        assert refused.value.error is expected


def test_ages_may_be_open_ended_but_not_upside_down() -> None:
    curation.check_ages(18, None)
    curation.check_ages(30, 30)
    with pytest.raises(ApiError) as refused:
        curation.check_ages(30, 29)
    assert refused.value.error is err.AGE_RANGE_INVALID


NOW = datetime(2031, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


@pytest.mark.parametrize(
    ("schedules", "expected"),
    [
        ([ScheduleDates("A", LATER, LATER + timedelta(hours=1))], None),
        ([ScheduleDates("A", NOW, LATER)], err.SCHEDULE_TIMES_INVALID),  # starts now: too late
        ([ScheduleDates("A", LATER, LATER)], err.SCHEDULE_TIMES_INVALID),  # ends as it starts
        ([ScheduleDates("A", None, LATER)], err.SCHEDULE_TIMES_INVALID),  # year 9999 and the like
        (
            [
                ScheduleDates("A", LATER, LATER + timedelta(1)),
                ScheduleDates("A", LATER, LATER + timedelta(2)),
            ],
            err.SCHEDULE_CODE_TAKEN,
        ),
    ],
)
def test_schedules_start_in_the_future_and_end_after(
    schedules: list[ScheduleDates], expected: err.ErrorCode | None
) -> None:
    if expected is None:
        curation.check_schedules(schedules, NOW)
        return
    with pytest.raises(ApiError) as refused:
        curation.check_schedules(schedules, NOW)
    assert refused.value.error is expected


P, A, R, S = (
    SubmissionStatus.PENDING,
    SubmissionStatus.APPROVED,
    SubmissionStatus.REJECTED,
    SubmissionStatus.SUSPENDED,
)


def test_where_a_course_stands_and_what_may_happen_to_it() -> None:
    assert curation.standing(P, None) is P
    assert curation.standing(R, None) is R
    assert curation.standing(A, curation.ACTIVE) is A
    assert curation.standing(A, curation.SUSPENDED) is S
    curation.check_resubmittable(R)
    for state in (P, A, S):
        with pytest.raises(ApiError) as refused:
            curation.check_resubmittable(state)
        assert refused.value.error is err.SUBMISSION_OPEN
    allowed = {AssessmentKind.ENTRY: {P}, AssessmentKind.MONITORING: {A, S}}
    for kind, states in allowed.items():
        for state in (P, A, R, S):
            if state in states:
                curation.check_assessable(kind, state)
            else:
                with pytest.raises(ApiError) as refused:
                    curation.check_assessable(kind, state)
                assert refused.value.error is err.ASSESSMENT_STATE
    assert curation.course_status_after_monitoring(True) == curation.ACTIVE
    assert curation.course_status_after_monitoring(False) == curation.SUSPENDED


@pytest.mark.parametrize(
    ("seller", "suspended", "dp", "expected"),
    [
        (None, False, 7, None),  # a fixture: any DP
        (7, False, 7, None),
        (7, False, 8, err.COURSE_OTHER_DP),
        (7, True, 7, err.COURSE_SUSPENDED),
        (7, True, 8, err.COURSE_OTHER_DP),  # another DP learns nothing more
    ],
)
def test_a_course_is_on_sale_for_its_seller_unless_suspended(
    seller: int | None, suspended: bool, dp: int, expected: err.ErrorCode | None
) -> None:
    terms = purchase.CourseTerms("C", 1, 18, None, 1, seller_dp_id=seller, suspended=suspended)
    if expected is None:
        purchase.check_on_sale(terms, dp)
        return
    with pytest.raises(ApiError) as refused:
        purchase.check_on_sale(terms, dp)
    assert refused.value.error is expected
