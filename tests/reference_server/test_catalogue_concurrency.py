"""Concurrent curation calls decide cleanly on both databases: one winner, the others a catalogued
409, never a 500 or two of a kind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from contract.catalogue import AssessmentKind
from contract.endpoints import SUBMIT_COURSE
from tests.factories import Partner, Partners
from tests.reference_server import catalogue_support as cs

AT_ONCE = 4


def outcomes(calls: list[Callable[[], httpx.Response]]) -> Counter[str]:
    """Run the calls at once; count each answer's code (OK for a success)."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        answers = list(pool.map(lambda call: call(), calls))
    assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
    return Counter("OK" if a.status_code == 200 else a.json()["code"] for a in answers)


def test_one_course_code_goes_to_one_dp(partners: Partners, lp: Partner) -> None:
    body = cs.course_body(lp)
    rivals = [partners.dp() for _ in range(AT_ONCE)]
    calls = [
        (lambda dp=dp: dp.post(SUBMIT_COURSE.path, {**body, "schedules": [cs.schedule()]}))
        for dp in rivals
    ]
    assert outcomes(calls) == {"OK": 1, "ERRCAT40901": AT_ONCE - 1}


def test_one_schedule_code_goes_to_one_submission(partners: Partners, lp: Partner) -> None:
    shared = cs.schedule()
    rivals = [partners.dp() for _ in range(AT_ONCE)]
    calls = [
        (lambda dp=dp: dp.post(SUBMIT_COURSE.path, cs.course_body(lp, schedules=[shared])))
        for dp in rivals
    ]
    assert outcomes(calls) == {"OK": 1, "ERRCAT40903": AT_ONCE - 1}


def test_a_rejected_course_is_resubmitted_once(
    partners: Partners, dp: Partner, lp: Partner
) -> None:
    office = cs.pmo(partners)
    body = cs.course_body(lp)
    cs.submit(dp, body)
    scores, _ = cs.failing(AssessmentKind.ENTRY)
    assert cs.assess(office, body["course_code"], scores=scores).status_code == 200
    calls = [
        (lambda: dp.post(SUBMIT_COURSE.path, {**body, "schedules": [cs.schedule()]}))
        for _ in range(AT_ONCE)
    ]
    assert outcomes(calls) == {"OK": 1, "ERRCAT40902": AT_ONCE - 1}
