"""Routes of the catalogue surface (sandbox-defined): DP submissions, PMO curation, LP results, the
public catalogue; and the beneficiary's review on the registration surface."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contract.catalogue import (
    AddSchedulesRequest,
    AssessRequest,
    CatalogueQuery,
    CourseCodeRequest,
    CoursePageQuery,
    PendingRequest,
    ResultRequest,
    ReviewRequest,
    SubmissionListRequest,
    SubmitCourseRequest,
)
from contract.endpoints import (
    ADD_SCHEDULES,
    ASSESS,
    CATALOGUE_COURSE,
    CATALOGUE_COURSES,
    INDICATORS,
    LIST_SUBMISSIONS,
    PENDING_SUBMISSIONS,
    REPORT_RESULT,
    SHOW_SUBMISSION,
    SUBMISSION_STATUS,
    SUBMIT_COURSE,
    SUBMIT_REVIEW,
)
from contract.envelope import ok
from reference_server.auth import DpPartner, LpPartner, RuntimeDep
from reference_server.routers.admin import PmoPartner
from reference_server.routers.common import route_options
from reference_server.routers.registration import Applicant
from reference_server.runtime import PartnerIdentity
from reference_server.services import catalogue, curation, results, reviews

router = APIRouter()


def _pmo(partner: PartnerIdentity) -> str:
    return f"pmo:{partner.client_code}"


@router.post(SUBMIT_COURSE.path, **route_options(SUBMIT_COURSE))
def submit_course(
    body: SubmitCourseRequest, partner: DpPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """Submit a course (or a corrected version) for one of the DP's LPs."""
    data = curation.submit(runtime, partner, body)
    return ok(data.model_dump(mode="json"), SUBMIT_COURSE.success_message)


@router.post(ADD_SCHEDULES.path, **route_options(ADD_SCHEDULES))
def add_schedules(
    body: AddSchedulesRequest, partner: DpPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """Add schedules to an approved course."""
    data = curation.add_schedules(runtime, partner, body)
    return ok(data.model_dump(mode="json"), ADD_SCHEDULES.success_message)


@router.post(SUBMISSION_STATUS.path, **route_options(SUBMISSION_STATUS))
def submission_status(
    body: CourseCodeRequest, partner: DpPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """The DP's own submission."""
    data = curation.own_submission(runtime, partner, body.course_code)
    return ok(data.model_dump(mode="json"), SUBMISSION_STATUS.success_message)


@router.post(LIST_SUBMISSIONS.path, **route_options(LIST_SUBMISSIONS))
def list_submissions(
    body: SubmissionListRequest, partner: DpPartner, runtime: RuntimeDep
) -> dict[str, Any]:
    """The DP's submissions."""
    data = curation.own_submissions(runtime, partner, body)
    return ok(data.model_dump(mode="json"), LIST_SUBMISSIONS.success_message)


@router.post(PENDING_SUBMISSIONS.path, **route_options(PENDING_SUBMISSIONS))
def pending_submissions(body: PendingRequest, _: PmoPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """What waits for the entry assessment."""
    data = curation.pending(runtime, body)
    return ok(data.model_dump(mode="json"), PENDING_SUBMISSIONS.success_message)


@router.post(SHOW_SUBMISSION.path, **route_options(SHOW_SUBMISSION))
def show_submission(body: CourseCodeRequest, _: PmoPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Any course in curation."""
    data = curation.show(runtime, body.course_code)
    return ok(data.model_dump(mode="json"), SHOW_SUBMISSION.success_message)


@router.post(ASSESS.path, **route_options(ASSESS))
def assess(body: AssessRequest, partner: PmoPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """Score a course and apply the decision."""
    data = curation.assess(runtime, _pmo(partner), body)
    return ok(data.model_dump(mode="json"), ASSESS.success_message)


@router.get(INDICATORS.path, **route_options(INDICATORS))
def indicators() -> dict[str, Any]:
    """The indicators and the pass rule."""
    return ok(catalogue.indicators_data().model_dump(mode="json"), INDICATORS.success_message)


@router.get(CATALOGUE_COURSES.path, **route_options(CATALOGUE_COURSES))
def catalogue_courses(
    query: Annotated[CatalogueQuery, Query()], runtime: RuntimeDep
) -> dict[str, Any]:
    """The unified catalogue."""
    data = catalogue.courses(runtime, query)
    return ok(data.model_dump(mode="json"), CATALOGUE_COURSES.success_message)


@router.get(CATALOGUE_COURSE.path, **route_options(CATALOGUE_COURSE))
def catalogue_course(
    query: Annotated[CoursePageQuery, Query()], runtime: RuntimeDep
) -> dict[str, Any]:
    """A course's page."""
    data = catalogue.course_page(runtime, query.course_code)
    return ok(data.model_dump(mode="json"), CATALOGUE_COURSE.success_message)


@router.post(REPORT_RESULT.path, **route_options(REPORT_RESULT))
def report_result(body: ResultRequest, partner: LpPartner, runtime: RuntimeDep) -> dict[str, Any]:
    """A finished participant's scores and certificate."""
    data = results.report(runtime, partner, body)
    return ok(data.model_dump(mode="json"), REPORT_RESULT.success_message)


@router.post(SUBMIT_REVIEW.path, **route_options(SUBMIT_REVIEW))
def submit_review(body: ReviewRequest, account: Applicant, runtime: RuntimeDep) -> dict[str, Any]:
    """Rate and review a finished purchase."""
    data = reviews.submit_review(runtime, account, body)
    return ok(data.model_dump(mode="json"), SUBMIT_REVIEW.success_message)
