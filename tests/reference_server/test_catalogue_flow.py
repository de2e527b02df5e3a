"""A curated course end to end: submitted by a DP for its LP, approved by the PMO, listed in the
catalogue, bought by a beneficiary through the real payment flow, finished at the LP, scored,
rated and reviewed once; and suspended, then reinstated, by monitoring."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from contract import errors as err
from contract.catalogue import AssessmentKind
from contract.endpoints import (
    CATALOGUE_COURSE,
    CATALOGUE_COURSES,
    REPORT_RESULT,
    SEND_OTP,
    SUBMIT_REVIEW,
)
from reference_server.runtime import Runtime
from reference_server.services.reviews import first_training_reviewed
from reference_server.storage.tables import Card
from tests.factories import (
    Partner,
    Partners,
    assert_api_error,
    authorize,
    latest_otp,
    success_data,
    verify_stage,
)
from tests.reference_server import catalogue_support as cs
from tests.reference_server.applicants import verified

EMAIL = "peserta@lp.example"


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url) as client:
        yield client


@pytest.fixture
def office(partners: Partners) -> Partner:
    return cs.pmo(partners)


def review(person: cs.ApplicantClient, transaction_code: str, rating: int = 5) -> httpx.Response:
    body = {
        "transaction_code": transaction_code,
        "rating": rating,
        "review": "Materi jelas, praktis.",
    }
    return person.post(SUBMIT_REVIEW.path.removeprefix("/api/v1/registration"), body)


def test_approved_course_is_sold_finished_scored_and_reviewed_once(
    dp: Partner, lp: Partner, office: Partner, runtime: Runtime, server_url: str, http: httpx.Client
) -> None:
    course = cs.approved(dp, lp, office)
    code = course["course_code"]
    assert course["status"] == "APPROVED"
    schedule = course["schedules"][0]["schedule_code"]

    listed = success_data(http.get(CATALOGUE_COURSES.path, params={"lp": lp.creds.client_code}))
    (entry,) = listed["courses"]
    assert entry["course_code"] == code and entry["price"] == cs.PRICE
    assert entry["dp"]["client_code"] == dp.creds.client_code
    assert entry["lp"]["name"] == lp.creds.name
    assert entry["schedules"][0]["seats_left"] == 25
    assert (entry["rating_average"], entry["rating_count"]) == (None, 0)

    person, card = cs.beneficiary(runtime, http)
    paid = cs.buy(dp, server_url, card, code, schedule)
    assert cs.seats(runtime, schedule) == 24
    board = success_data(person.get("/dashboard"))
    (bought,) = board["purchases"]
    assert bought["transaction_code"] == paid["transaction_code"]
    assert (bought["finished"], bought["reviewed"]) == (False, False)

    assert_api_error(review(person, paid["transaction_code"]), "ERRCAT40906", 409)
    result = {"redeem_code": paid["redeem_code"], "pre_test": 50, "post_test": 72}
    assert_api_error(lp.post(REPORT_RESULT.path, result), "ERRCAT40906", 409)

    for sequence in (1, 999):
        assert verify_stage(lp, paid["redeem_code"], sequence, email=EMAIL).status_code == 303
    certificate = {"certificate_number": f"LPK/{code}/1", "certificate_url": "https://lp.test/c/1"}
    reported = success_data(lp.post(REPORT_RESULT.path, {**result, **certificate}))
    assert reported["post_test"] == 72 and reported["certificate_number"] == f"LPK/{code}/1"
    assert_api_error(lp.post(REPORT_RESULT.path, result), "ERRCAT40908", 409)

    with runtime.sessions() as session:
        card_id = session.scalars(select(Card.id).where(Card.card_number == card)).one()
        assert not first_training_reviewed(session, card_id)
    given = success_data(review(person, paid["transaction_code"], rating=4))
    assert (given["course_code"], given["rating"]) == (code, 4)
    assert_api_error(review(person, paid["transaction_code"]), "ERRCAT40907", 409)
    with runtime.sessions() as session:
        assert first_training_reviewed(session, card_id)

    board = success_data(person.get("/dashboard"))
    assert (board["purchases"][0]["finished"], board["purchases"][0]["reviewed"]) == (True, True)
    (done,) = board["certificates"]
    assert (done["pre_test"], done["post_test"]) == (50, 72)
    assert done["certificate_url"] == "https://lp.test/c/1"

    page = success_data(http.get(CATALOGUE_COURSE.path, params={"course_code": code}))
    assert (page["rating_average"], page["rating_count"]) == (4.0, 1)
    assert page["results"] == {
        "reported": 1,
        "pre_test_average": 50.0,
        "post_test_average": 72.0,
        "certificates": 1,
    }
    assert page["reviews"][0]["review"] == "Materi jelas, praktis."


def test_a_review_names_a_purchase_of_ones_own_card(
    dp: Partner, lp: Partner, office: Partner, runtime: Runtime, server_url: str, http: httpx.Client
) -> None:
    course = cs.approved(dp, lp, office)
    owner, card = cs.beneficiary(runtime, http)
    paid = cs.buy(
        dp, server_url, card, course["course_code"], course["schedules"][0]["schedule_code"]
    )
    for sequence in (1, 999):
        verify_stage(lp, paid["redeem_code"], sequence, email=EMAIL)
    stranger, _ = cs.beneficiary(runtime, http)
    assert_api_error(review(stranger, paid["transaction_code"]), "ERRCAT40403", 404)
    assert_api_error(review(owner, "NO-SUCH-PURCHASE"), "ERRCAT40403", 404)
    no_card = verified(http)
    assert_api_error(review(no_card, paid["transaction_code"]), "ERRCAT40403", 404)


def test_monitoring_failure_suspends_sales_and_a_pass_reinstates_them(
    dp: Partner, lp: Partner, office: Partner, runtime: Runtime, server_url: str, http: httpx.Client
) -> None:
    course = cs.approved(dp, lp, office)
    code, schedule = course["course_code"], course["schedules"][0]["schedule_code"]
    person, card = cs.beneficiary(runtime, http)
    earlier = cs.buy(dp, server_url, card, code, schedule)
    _, other_card = cs.beneficiary(runtime, http)
    order = {
        "user_platform_id": "u-pending",
        "prakerja_id": other_card,
        "course_code": code,
        "schedule_code": schedule,
        "amount": cs.PRICE,
    }
    pending = success_data(dp.post(SEND_OTP.path, order))  # started before the suspension

    scores, critical = cs.failing(AssessmentKind.MONITORING)
    notes = {critical: "Isi tidak sesuai judul."}
    failed = success_data(cs.assess(office, code, AssessmentKind.MONITORING, scores, notes=notes))
    assert failed["status"] == "SUSPENDED" and not failed["assessment"]["passed"]
    (reason,) = failed["assessment"]["reasons"]
    assert (reason["rule"], reason["indicator_id"], reason["note"]) == (
        "CRITICAL_BELOW_MINIMUM",
        critical,
        "Isi tidak sesuai judul.",
    )

    assert_api_error(dp.post(SEND_OTP.path, order), err.COURSE_SUSPENDED.code)
    otp = latest_otp(server_url, other_card)
    refused = authorize(dp, pending["payment_token"], otp)
    assert_api_error(refused, err.COURSE_SUSPENDED.code)
    lp_filter = {"lp": lp.creds.client_code}
    listed = success_data(httpx.get(server_url + CATALOGUE_COURSES.path, params=lp_filter))
    assert listed["total"] == 0
    assert_api_error(
        httpx.get(server_url + CATALOGUE_COURSE.path, params={"course_code": code}),
        "ERRCAT40402",
        404,
    )
    # The purchase made before the suspension is untouched: it can still be taken and finished.
    for sequence in (1, 999):
        assert verify_stage(lp, earlier["redeem_code"], sequence, email=EMAIL).status_code == 303
    assert success_data(review(person, earlier["transaction_code"]))["rating"] == 5

    back = success_data(cs.assess(office, code, AssessmentKind.MONITORING))
    assert back["status"] == "APPROVED" and back["assessment"]["passed"]
    listed = success_data(httpx.get(server_url + CATALOGUE_COURSES.path, params=lp_filter))
    assert [c["course_code"] for c in listed["courses"]] == [code]
    assert success_data(dp.post(SEND_OTP.path, order))["payment_token"]
    shown = success_data(office.post("/api/v1/catalogue/curation/show", {"course_code": code}))
    assert [m["passed"] for m in shown["monitoring"]] == [True, False]


def test_a_curated_course_is_sold_only_by_its_dp(
    dp: Partner,
    lp: Partner,
    office: Partner,
    partners: Partners,
    runtime: Runtime,
    http: httpx.Client,
) -> None:
    course = cs.approved(dp, lp, office)
    rival = partners.dp()
    _, card = cs.beneficiary(runtime, http)
    order = {
        "user_platform_id": "u-rival",
        "prakerja_id": card,
        "course_code": course["course_code"],
        "schedule_code": course["schedules"][0]["schedule_code"],
        "amount": cs.PRICE,
    }
    assert_api_error(rival.post(SEND_OTP.path, order), err.COURSE_OTHER_DP.code)
    mine = success_data(http.get(CATALOGUE_COURSES.path, params={"dp": rival.creds.client_code}))
    codes = {c["course_code"] for c in mine["courses"]}
    assert course["course_code"] not in codes
    assert {"SBX-MANDIRI", "SBX-WEBINAR", "SBX-LANJUTAN"} <= codes  # fixtures: any DP sells them
