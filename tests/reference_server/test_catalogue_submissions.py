"""Submitting courses and assessing them over the API: every bad input a catalogued 4xx with
nothing written, a DP sees only its own submissions, rejections carry reasons and may be
corrected (history kept), schedules join approved courses only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from contract.catalogue import AssessmentKind
from contract.endpoints import (
    ADD_SCHEDULES,
    ASSESS,
    LIST_SUBMISSIONS,
    PENDING_SUBMISSIONS,
    QUOTA_SCHEDULE,
    SHOW_SUBMISSION,
    SUBMISSION_STATUS,
    SUBMIT_COURSE,
)
from reference_server.domain import curation
from tests.factories import Partner, Partners, assert_api_error, success_data
from tests.reference_server import catalogue_support as cs


@pytest.fixture
def office(partners: Partners) -> Partner:
    return cs.pmo(partners)


def status_of(dp: Partner, course_code: str) -> httpx.Response:
    return dp.post(SUBMISSION_STATUS.path, {"course_code": course_code})


def _schedule(**changes: Any) -> list[dict[str, Any]]:
    return [{**cs.schedule(), **changes}]


BAD_BODIES: list[tuple[str, dict[str, Any], str, int]] = [
    ("price as a float", {"price": 650_000.0}, "ERRCAT40001", 400),
    ("price as text", {"price": "650000"}, "ERRCAT40001", 400),
    ("unknown field", {"discount": 10}, "ERRCAT40001", 400),
    ("code with a space", {"course_code": "A B"}, "ERRCAT40001", 400),
    ("unknown category", {"category": "astrologi"}, "ERRCAT40001", 400),
    ("under-age course", {"min_age": 16}, "ERRCAT40001", 400),
    ("no schedule", {"schedules": []}, "ERRCAT40001", 400),
    ("a zero-seat schedule", {"schedules": _schedule(capacity=0)}, "ERRCAT40001", 400),
    ("a naive time", {"schedules": _schedule(start_at="2031-01-05T09:00:00")}, "ERRCAT40001", 400),
    (
        "starts in the past",
        {"schedules": _schedule(start_at="2020-01-05T09:00:00+07:00")},
        "ERRCAT40003",
        400,
    ),
    (
        "ends before it starts",
        {"schedules": _schedule(end_at="2021-01-05T09:00:00+07:00")},
        "ERRCAT40003",
        400,
    ),
    (
        "a time past 2099",
        {"schedules": _schedule(end_at="9999-12-31T23:00:00-05:00")},
        "ERRCAT40003",
        400,
    ),
    ("ages upside down", {"min_age": 40, "max_age": 30}, "ERRCAT40004", 400),
    ("a webinar without sessions", {"method": "webinar"}, "ERRCAT40005", 400),
    ("a self-paced course with sessions", {"sessions": 3}, "ERRCAT40005", 400),
    ("a fixture's course code", {"course_code": "SBX-MANDIRI"}, "ERRCAT40901", 409),
    (
        "a fixture's schedule code",
        {"schedules": _schedule(schedule_code="SBX-MANDIRI-OPEN")},
        "ERRCAT40903",
        409,
    ),
    ("an unknown LP", {"lp_client_code": "lp-000000000000"}, "ERRCAT40002", 400),
]


@pytest.mark.parametrize(
    ("_", "changes", "code", "status"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
def test_a_bad_submission_is_refused_and_leaves_nothing(
    dp: Partner, lp: Partner, _: str, changes: dict[str, Any], code: str, status: int
) -> None:
    body = cs.course_body(lp, **changes)
    assert_api_error(dp.post(SUBMIT_COURSE.path, body), code, status)
    if body["course_code"] != "SBX-MANDIRI" and " " not in body["course_code"]:
        assert_api_error(status_of(dp, body["course_code"]), "ERRCAT40401", 404)


def test_a_body_that_is_not_json_is_refused(dp: Partner) -> None:
    response = dp.client.http.post(SUBMIT_COURSE.path, content=b"{", headers={})
    assert response.status_code == 401  # unsigned first: nothing about the body is revealed
    assert_api_error(dp.post(SUBMIT_COURSE.path, ["not", "an", "object"]), "ERRCAT40001")


def test_an_lp_is_named_by_an_lp_client_code(dp: Partner, partners: Partners) -> None:
    other_dp = partners.dp()
    body = cs.course_body(other_dp)  # a DP's client_code where an LP's belongs
    assert_api_error(dp.post(SUBMIT_COURSE.path, body), "ERRCAT40002")


def test_schedule_codes_are_unique_across_requests_and_pending_submissions(
    dp: Partner, lp: Partner
) -> None:
    first = cs.course_body(lp)
    cs.submit(dp, first)
    taken = first["schedules"][0]["schedule_code"]
    clash = cs.course_body(lp, schedules=_schedule(schedule_code=taken))
    assert_api_error(dp.post(SUBMIT_COURSE.path, clash), "ERRCAT40903", 409)
    twice = cs.schedule()
    assert_api_error(
        dp.post(SUBMIT_COURSE.path, cs.course_body(lp, schedules=[twice, twice])),
        "ERRCAT40903",
        409,
    )
    assert_api_error(status_of(dp, clash["course_code"]), "ERRCAT40401", 404)


def test_roles_and_ownership(dp: Partner, lp: Partner, office: Partner, partners: Partners) -> None:
    body = cs.course_body(lp)
    cs.submit(dp, body)
    course_code = body["course_code"]
    for wrong in (lp, office):
        assert_api_error(wrong.post(SUBMIT_COURSE.path, cs.course_body(lp)), "ERRAUT40301", 403)
    assert_api_error(dp.post(ASSESS.path, {"course_code": course_code}), "ERRAUT40301", 403)
    rival = partners.dp()
    assert_api_error(status_of(rival, course_code), "ERRCAT40401", 404)
    assert_api_error(
        rival.post(SUBMIT_COURSE.path, cs.course_body(lp, course_code=course_code)),
        "ERRCAT40901",
        409,
    )
    assert success_data(rival.post(LIST_SUBMISSIONS.path, {}))["total"] == 0
    mine = success_data(dp.post(LIST_SUBMISSIONS.path, {"status": "PENDING"}))
    assert [s["course_code"] for s in mine["submissions"]] == [course_code]
    assert success_data(dp.post(LIST_SUBMISSIONS.path, {"status": "APPROVED"}))["total"] == 0


def test_a_rejection_carries_reasons_and_a_corrected_version_is_approved(
    dp: Partner, lp: Partner, office: Partner, partners: Partners
) -> None:
    body = cs.course_body(lp)
    course_code = body["course_code"]
    first = cs.submit(dp, body)
    assert first["status"] == "PENDING" and [v["version"] for v in first["versions"]] == [1]
    waiting = success_data(
        office.post(PENDING_SUBMISSIONS.path, {"dp_client_code": dp.creds.client_code})
    )
    assert [s["course_code"] for s in waiting["submissions"]] == [course_code]
    assert_api_error(dp.post(SUBMIT_COURSE.path, body), "ERRCAT40902", 409)  # still pending

    scores, critical = cs.failing(AssessmentKind.ENTRY)
    low = next(
        i.id for i in curation.indicator_set(AssessmentKind.ENTRY).indicators if not i.critical
    )
    scores[low] = 2
    notes = {critical: "Tidak ada data kebutuhan pasar kerja."}
    rejected = success_data(
        cs.assess(office, course_code, scores=scores, notes=notes, summary="Perbaiki.")
    )
    assert rejected["status"] == "REJECTED"
    reasons = rejected["assessment"]["reasons"]
    assert reasons[0]["rule"] == "CRITICAL_BELOW_MINIMUM" and reasons[0]["indicator_id"] == critical
    assert reasons[0]["note"] == notes[critical] and reasons[0]["minimum"] == "3"
    assert all(r["indicator_id"] != low for r in reasons)  # the mean passed: a 2 alone is no reason
    assert_api_error(cs.assess(office, course_code), "ERRCAT40905", 409)  # decided already

    other_lp = partners.lp()
    moved = {**body, "lp_client_code": other_lp.creds.client_code}
    assert_api_error(dp.post(SUBMIT_COURSE.path, moved), "ERRCAT40910", 409)
    corrected = cs.submit(dp, {**body, "title": "Teknik Penjualan Online: Riset Pasar"})
    assert corrected["status"] == "PENDING"
    versions = corrected["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(2, "PENDING"), (1, "REJECTED")]
    assert versions[1]["assessment"]["scores"][critical] == 1
    assert versions[1]["assessment"]["summary"] == "Perbaiki."

    assert_api_error(cs.assess(office, course_code, AssessmentKind.MONITORING), "ERRCAT40905", 409)
    wrong_kind = cs.all_good(AssessmentKind.MONITORING)
    assert_api_error(cs.assess(office, course_code, scores=wrong_kind), "ERRCAT40006")
    approved = success_data(cs.assess(office, course_code))
    assert approved["status"] == "APPROVED" and approved["assessment"]["weighted_mean"] == "5.00"
    shown = success_data(office.post(SHOW_SUBMISSION.path, {"course_code": course_code}))
    assert [v["status"] for v in shown["versions"]] == ["APPROVED", "REJECTED"]
    assert shown["schedules"][0]["seats_left"] == body["schedules"][0]["capacity"]
    assert_api_error(
        dp.post(SUBMIT_COURSE.path, body), "ERRCAT40902", 409
    )  # approved: add schedules


@pytest.mark.parametrize(
    "scores",
    [
        {"E01": 5},  # most indicators missing
        {"E01": 9},  # off the scale
        {"E1": 5},  # not an indicator id
    ],
)
def test_incomplete_or_invalid_scores_are_refused(
    dp: Partner, lp: Partner, office: Partner, scores: dict[str, int]
) -> None:
    body = cs.course_body(lp)
    cs.submit(dp, body)
    assert_api_error(cs.assess(office, body["course_code"], scores=scores), "ERRCAT40006")
    assert success_data(status_of(dp, body["course_code"]))["status"] == "PENDING"


def test_unknown_courses_cannot_be_assessed_or_shown(office: Partner) -> None:
    assert_api_error(cs.assess(office, "NO-SUCH-COURSE"), "ERRCAT40401", 404)
    assert_api_error(
        office.post(SHOW_SUBMISSION.path, {"course_code": "NO-SUCH"}), "ERRCAT40401", 404
    )


def test_schedules_join_an_approved_course_and_go_on_sale(
    dp: Partner, lp: Partner, office: Partner, partners: Partners
) -> None:
    body = cs.course_body(lp)
    cs.submit(dp, body)
    course_code = body["course_code"]
    extra = {"course_code": course_code, "schedules": [cs.schedule(capacity=7)]}
    assert_api_error(dp.post(ADD_SCHEDULES.path, extra), "ERRCAT40904", 409)  # still pending
    success_data(cs.assess(office, course_code))
    assert_api_error(partners.dp().post(ADD_SCHEDULES.path, extra), "ERRCAT40401", 404)
    past = {"course_code": course_code, "schedules": _schedule(start_at="2020-01-01T00:00:00Z")}
    assert_api_error(dp.post(ADD_SCHEDULES.path, past), "ERRCAT40003")
    taken = {"course_code": course_code, "schedules": _schedule(schedule_code="SBX-WEBINAR-OPEN")}
    assert_api_error(dp.post(ADD_SCHEDULES.path, taken), "ERRCAT40903", 409)

    added = success_data(dp.post(ADD_SCHEDULES.path, extra))
    assert len(added["schedules"]) == 2
    new_code = extra["schedules"][0]["schedule_code"]
    quota = dp.post(QUOTA_SCHEDULE.path, {"course_code": course_code, "schedule_code": new_code})
    assert success_data(quota)["quota"] == 7
    assert_api_error(dp.post(ADD_SCHEDULES.path, extra), "ERRCAT40903", 409)  # codes are used once
