"""The provider's rules with no I/O: the programme's scores, course definitions, next steps."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

from contract.assignments import Scope
from contract.catalogue import Method, SubmitCourseRequest
from simulators.provider import courses, scores
from simulators.provider.courses import CourseInfo
from simulators.provider.learning import Enrolment, Link, Work


def test_scores_average_53_and_68_and_76_percent_earn_a_certificate() -> None:
    drawn = [scores.scores(7, f"RC{i:05d}") for i in range(20_000)]
    assert abs(statistics.fmean(pre for pre, _ in drawn) - 53) < 0.5
    assert abs(statistics.fmean(post for _, post in drawn) - 68) < 0.5
    certified = sum(scores.earns_certificate(post) for _, post in drawn) / len(drawn)
    assert abs(certified - 0.76) < 0.02
    assert all(0 <= s <= 100 for pair in drawn for s in pair)


def test_a_participants_scores_depend_on_the_seed_and_the_participant_only() -> None:
    assert scores.scores(7, "RC1") == scores.scores(7, "RC1")
    assert scores.scores(7, "RC1") != scores.scores(8, "RC1")
    assert scores.earns_certificate(61) and not scores.earns_certificate(60)


def test_definitions_are_valid_submissions_the_same_for_the_same_seed() -> None:
    today = date(2026, 12, 1)
    made = courses.definitions("lp-abc", seed=3, count=6, today=today)
    assert made == courses.definitions("lp-abc", seed=3, count=6, today=today)
    assert [c.method for c in made[:2]] == [Method.SELF_PACED, Method.WEBINAR]
    for course in made:
        SubmitCourseRequest.model_validate(course.model_dump())  # what a DP submits, as is
        assert course.price % 50_000 == 0 and 0 < course.price <= 1_000_000
        assert all(s.start_at.date() > today for s in course.schedules)
    assert len({c.course_code for c in made}) == 6


def test_each_platform_lists_a_course_under_a_code_of_its_own() -> None:
    made = courses.definitions("lp-abc", seed=3, count=2, today=date(2026, 12, 1))
    listed = courses.for_platform(made, "dp-xyz")
    assert [c.course_code for c in listed] == ["lp-abc-K01.dp-xyz", "lp-abc-K02.dp-xyz"]
    assert listed[0].schedules[0].schedule_code == "lp-abc-K01.dp-xyz-20261204"
    assert [courses.base_code(c.course_code) for c in listed] == ["lp-abc-K01", "lp-abc-K02"]
    assert [c.title for c in listed] == [c.title for c in made]
    for course in listed:
        SubmitCourseRequest.model_validate(course.model_dump())


def _enrolment(sessions: int) -> Enrolment:
    method = Method.SELF_PACED if sessions == 1 else Method.WEBINAR
    return Enrolment("RC1", CourseInfo("K1", "Kursus", method, sessions), "a@b.id", 50, 70)


def test_the_next_step_walks_sessions_assignments_and_the_post_test_in_order() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    enrolment = _enrolment(2)
    assert enrolment.next_step(now).action == "attend"
    enrolment.links[1] = Link("https://prakerja/verifikasi/x", now + timedelta(minutes=15))
    assert enrolment.next_step(now).action == "verify"
    assert enrolment.next_step(now + timedelta(minutes=16)).action == "attend"  # link expired
    enrolment.verified[1] = now
    assert (enrolment.next_step(now).action, enrolment.due_assignment()) == (
        "assignment",
        (Scope.TPM, 1),
    )
    enrolment.work[(Scope.TPM, 1)] = Work("https://lp/f", reviewed=True)
    assert enrolment.next_step(now).action == "attend" and enrolment.due_assignment() is None
    enrolment.verified[2] = now
    enrolment.work[(Scope.TPM, 2)] = Work("https://lp/f", reviewed=True)
    assert enrolment.due_assignment() == (Scope.UK, 999) and not enrolment.ready_for_post_test()
    enrolment.work[(Scope.UK, 999)] = Work("https://lp/f", reviewed=False)
    assert enrolment.due_assignment() == (Scope.UK, 999)  # sent but not reviewed yet
    enrolment.work[(Scope.UK, 999)].reviewed = True
    assert enrolment.ready_for_post_test() and enrolment.next_step(now).action == "post_test"
    enrolment.verified[999] = now
    assert enrolment.next_step(now).action == "done"


def test_fixture_courses_follow_the_sandbox_convention() -> None:
    assert [(c.course_code, c.sessions) for c in courses.fixture_courses("lp-1a2b")] == [
        ("LP-1A2B-MANDIRI", 1),
        ("LP-1A2B-WEBINAR", 4),
    ]
