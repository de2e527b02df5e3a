"""Curation use cases, one transaction each: a DP submits courses and schedules for its LPs and
reads their status; the programme office lists what is pending, looks at a course, assesses it.

A submission is a version of a course_code (``course_submissions``) with its schedules
(``submission_schedules``). The entry assessment of the pending version decides it: approved, it
becomes a row of ``courses`` (sold by its DP only, listed in the catalogue) with its schedules in
``schedules``, so P1's purchase flow works on it unchanged; rejected, it keeps its reasons and the
DP may submit a corrected version. Monitoring assessments of an approved course suspend or
reinstate it. Every decision is an audit event, and the assessment itself is stored as decided
(scores, the rule's numbers, the reasons), so a later change of ``indicators.json`` rewrites no
history.

A schedule code is unique in the sandbox: among the schedules and among the schedules of pending
submissions (a partial unique index reserves them while pending).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import errors as err
from contract.catalogue import (
    AddSchedulesRequest,
    AssessmentKind,
    AssessmentResultData,
    AssessmentView,
    AssessRequest,
    Method,
    PartnerRef,
    PendingRequest,
    Reason,
    ScheduleSpec,
    ScheduleView,
    SubmissionData,
    SubmissionListData,
    SubmissionListRequest,
    SubmissionStatus,
    SubmissionSummary,
    SubmissionVersion,
    SubmitCourseRequest,
)
from contract.errors import ApiError
from contract.registration import Education
from contract.taxonomy import Industry
from reference_server import audit
from reference_server.domain import curation
from reference_server.domain.people import Education as EducationLevel
from reference_server.runtime import PartnerIdentity, Runtime
from reference_server.services.payments import iso_utc
from reference_server.services.waves import sane_time
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Course,
    CourseAssessment,
    CourseSubmission,
    Partner,
    Schedule,
    SubmissionSchedule,
    utcnow,
)

LP_ROLE = "lp"
ACTIONS = {  # the audit action of a decision, by (kind, passed)
    (AssessmentKind.ENTRY, True): "approved",
    (AssessmentKind.ENTRY, False): "rejected",
    (AssessmentKind.MONITORING, True): "monitoring_passed",
    (AssessmentKind.MONITORING, False): "suspended",
}


def education_level(education: Education) -> int:
    """The courses table's education number of a contract education (SMA -> 3)."""
    return EducationLevel[education.value].value


def education_of(level: int) -> Education:
    """The contract education of a courses-table number (3 -> SMA)."""
    return Education(EducationLevel(level).name)


# --- reading ------------------------------------------------------------------------------------


def _latest(session: Session, course_code: str, *, lock: bool = False) -> CourseSubmission | None:
    query = (
        select(CourseSubmission)
        .where(CourseSubmission.course_code == course_code)
        .order_by(CourseSubmission.version.desc())
        .limit(1)
    )
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def _partner_refs(session: Session, ids: set[int]) -> dict[int, PartnerRef]:
    rows = session.execute(
        select(Partner.id, Partner.client_code, Partner.name).where(Partner.id.in_(ids))
    ).all()
    return {pid: PartnerRef(client_code=code, name=name) for pid, code, name in rows}


def schedule_view(schedule: Schedule) -> ScheduleView:
    """A schedule with its seats left."""
    return ScheduleView(
        schedule_code=schedule.schedule_code,
        start_at=iso_utc(schedule.start_at),
        end_at=iso_utc(schedule.end_at),
        capacity=schedule.capacity,
        seats_left=schedule.quota,
    )


def assessment_view(row: CourseAssessment) -> AssessmentView:
    """An assessment as it was decided."""
    return AssessmentView(
        kind=AssessmentKind(row.kind),
        passed=row.passed,
        weighted_mean=row.weighted_mean,
        pass_mean=row.pass_mean,
        critical_minimum=row.critical_minimum,
        scores=json.loads(row.scores),
        reasons=[Reason.model_validate(r) for r in json.loads(row.reasons)],
        summary=row.summary,
        assessor=row.assessor,
        assessed_at=iso_utc(row.assessed_at),
    )


def _version(
    row: CourseSubmission, schedules: Sequence[SubmissionSchedule], entry: CourseAssessment | None
) -> SubmissionVersion:
    return SubmissionVersion(
        version=row.version,
        status=SubmissionStatus(row.status),
        title=row.title,
        description=row.description,
        category=Industry(row.category),
        method=Method(row.method),
        sessions=row.sessions,
        duration_hours=row.duration_hours,
        price=row.price,
        min_age=row.min_age,
        max_age=row.max_age,
        min_education=education_of(row.min_education),
        schedules=[
            ScheduleSpec(
                schedule_code=s.schedule_code,
                start_at=s.start_at,
                end_at=s.end_at,
                capacity=s.capacity,
            )
            for s in schedules
        ],
        submitted_at=iso_utc(row.submitted_at),
        decided_at=iso_utc(row.decided_at) if row.decided_at else None,
        assessment=assessment_view(entry) if entry else None,
    )


def submission_data(session: Session, course_code: str) -> SubmissionData:
    """Everything about a course in curation: versions, schedules, assessments."""
    versions = session.scalars(
        select(CourseSubmission)
        .where(CourseSubmission.course_code == course_code)
        .order_by(CourseSubmission.version.desc())
    ).all()
    if not versions:
        raise ApiError(err.COURSE_SUBMISSION_NOT_FOUND)
    latest = versions[0]
    ids = [v.id for v in versions]
    proposed: dict[int, list[SubmissionSchedule]] = {i: [] for i in ids}
    for s in session.scalars(
        select(SubmissionSchedule)
        .where(SubmissionSchedule.submission_id.in_(ids))
        .order_by(SubmissionSchedule.id)
    ):
        proposed[s.submission_id].append(s)
    assessments = session.scalars(
        select(CourseAssessment)
        .where(CourseAssessment.course_code == course_code)
        .order_by(CourseAssessment.assessed_at.desc(), CourseAssessment.id.desc())
    ).all()
    entries = {a.submission_id: a for a in assessments if a.kind == AssessmentKind.ENTRY}
    course = session.get(Course, latest.course_id) if latest.course_id else None
    live = (
        session.scalars(
            select(Schedule)
            .where(Schedule.course_id == course.id)
            .order_by(Schedule.start_at, Schedule.id)
        ).all()
        if course
        else []
    )
    refs = _partner_refs(session, {latest.dp_id, latest.lp_id})
    return SubmissionData(
        course_code=course_code,
        status=curation.standing(
            SubmissionStatus(latest.status), course.status if course else None
        ),
        dp=refs[latest.dp_id],
        lp=refs[latest.lp_id],
        versions=[_version(v, proposed[v.id], entries.get(v.id)) for v in versions],
        schedules=[schedule_view(s) for s in live],
        monitoring=[assessment_view(a) for a in assessments if a.kind == AssessmentKind.MONITORING],
    )


def _listing(
    session: Session,
    *,
    dp_id: int | None,
    status: SubmissionStatus | None,
    page: int,
    per_page: int,
    oldest_first: bool,
) -> SubmissionListData:
    """Latest versions of courses in curation, filtered by DP and status, paged."""
    newest = (
        select(
            CourseSubmission.course_code.label("code"),
            func.max(CourseSubmission.version).label("version"),
        )
        .group_by(CourseSubmission.course_code)
        .subquery()
    )
    query = (
        select(CourseSubmission, Course.status)
        .join(
            newest,
            (newest.c.code == CourseSubmission.course_code)
            & (newest.c.version == CourseSubmission.version),
        )
        .outerjoin(Course, Course.id == CourseSubmission.course_id)
    )
    if dp_id is not None:
        query = query.where(CourseSubmission.dp_id == dp_id)
    if status is SubmissionStatus.APPROVED:
        query = query.where(
            CourseSubmission.status == status.value, Course.status == curation.ACTIVE
        )
    elif status is SubmissionStatus.SUSPENDED:
        query = query.where(
            CourseSubmission.status == SubmissionStatus.APPROVED.value,
            Course.status == curation.SUSPENDED,
        )
    elif status is not None:
        query = query.where(CourseSubmission.status == status.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (
        CourseSubmission.submitted_at.asc()
        if oldest_first
        else CourseSubmission.submitted_at.desc()
    )
    rows = session.execute(
        query.order_by(order, CourseSubmission.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    refs = _partner_refs(session, {r.dp_id for r, _ in rows} | {r.lp_id for r, _ in rows})
    return SubmissionListData(
        submissions=[
            SubmissionSummary(
                course_code=row.course_code,
                title=row.title,
                status=curation.standing(SubmissionStatus(row.status), course_status),
                version=row.version,
                dp=refs[row.dp_id],
                lp=refs[row.lp_id],
                submitted_at=iso_utc(row.submitted_at),
            )
            for row, course_status in rows
        ],
        page=page,
        per_page=per_page,
        total=total,
    )


def own_submission(runtime: Runtime, dp: PartnerIdentity, course_code: str) -> SubmissionData:
    """A DP's own course in curation; another DP's is not found (ERRCAT40401)."""
    with runtime.sessions() as session:
        latest = _latest(session, course_code)
        if latest is None or latest.dp_id != dp.id:
            raise ApiError(err.COURSE_SUBMISSION_NOT_FOUND)
        return submission_data(session, course_code)


def own_submissions(
    runtime: Runtime, dp: PartnerIdentity, body: SubmissionListRequest
) -> SubmissionListData:
    """A DP's courses in curation, newest first."""
    with runtime.sessions() as session:
        return _listing(
            session,
            dp_id=dp.id,
            status=body.status,
            page=body.page,
            per_page=body.per_page,
            oldest_first=False,
        )


def pending(runtime: Runtime, body: PendingRequest) -> SubmissionListData:
    """Submissions waiting for their entry assessment, oldest first (optionally of one DP)."""
    with runtime.sessions() as session:
        dp_id: int | None = None
        if body.dp_client_code is not None:
            dp_id = session.scalar(
                select(Partner.id).where(Partner.client_code == body.dp_client_code)
            )
            if dp_id is None:  # an unknown DP has nothing pending
                return SubmissionListData(
                    submissions=[], page=body.page, per_page=body.per_page, total=0
                )
        return _listing(
            session,
            dp_id=dp_id,
            status=SubmissionStatus.PENDING,
            page=body.page,
            per_page=body.per_page,
            oldest_first=True,
        )


def show(runtime: Runtime, course_code: str) -> SubmissionData:
    """Any course in curation, for the programme office."""
    with runtime.sessions() as session:
        return submission_data(session, course_code)


# --- writing ------------------------------------------------------------------------------------


def _dates(schedules: Sequence[ScheduleSpec]) -> list[curation.ScheduleDates]:
    return [
        curation.ScheduleDates(s.schedule_code, sane_time(s.start_at), sane_time(s.end_at))
        for s in schedules
    ]


def _check_codes_free(session: Session, codes: Sequence[str]) -> None:
    """No schedule and no pending submission has one of these schedule codes (ERRCAT40903)."""
    taken = set(
        session.scalars(select(Schedule.schedule_code).where(Schedule.schedule_code.in_(codes)))
    )
    taken |= set(
        session.scalars(
            select(SubmissionSchedule.schedule_code).where(
                SubmissionSchedule.schedule_code.in_(codes), SubmissionSchedule.live.is_(True)
            )
        )
    )
    if taken:
        raise ApiError(err.SCHEDULE_CODE_TAKEN, f"Taken: {', '.join(sorted(taken))}.")


def submit(runtime: Runtime, dp: PartnerIdentity, body: SubmitCourseRequest) -> SubmissionData:
    """A new course, or a corrected version of a rejected one, waiting for its entry assessment."""
    now = utcnow()
    sessions = curation.course_sessions(body.method, body.sessions)
    curation.check_ages(body.min_age, body.max_age)
    dates = _dates(body.schedules)
    curation.check_schedules(dates, now)
    code = body.course_code
    with transaction(runtime.sessions) as session:
        lp_id = session.scalar(
            select(Partner.id).where(
                Partner.client_code == body.lp_client_code,
                Partner.role == LP_ROLE,
                Partner.active.is_(True),
            )
        )
        if lp_id is None:
            raise ApiError(err.LP_UNKNOWN)
        latest = _latest(session, code, lock=True)
        if latest is None:
            if session.scalar(select(Course.id).where(Course.course_code == code)) is not None:
                raise ApiError(err.COURSE_CODE_TAKEN)  # a fixture's code
            version = 1
        else:
            if latest.dp_id != dp.id:
                raise ApiError(err.COURSE_CODE_TAKEN)
            if latest.lp_id != lp_id:
                raise ApiError(err.LP_CHANGED)
            course = session.get(Course, latest.course_id) if latest.course_id else None
            curation.check_resubmittable(
                curation.standing(
                    SubmissionStatus(latest.status), course.status if course else None
                )
            )
            version = latest.version + 1
        _check_codes_free(session, [d.code for d in dates])
        row = CourseSubmission(
            course_code=code,
            version=version,
            dp_id=dp.id,
            lp_id=lp_id,
            status=SubmissionStatus.PENDING.value,
            title=body.title,
            description=body.description,
            category=body.category.value,
            method=body.method.value,
            sessions=sessions,
            duration_hours=body.duration_hours,
            price=body.price,
            min_age=body.min_age,
            max_age=body.max_age,
            min_education=education_level(body.min_education),
            submitted_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
                session.add_all(
                    SubmissionSchedule(
                        submission_id=row.id,
                        schedule_code=d.code,
                        start_at=d.start_at,
                        end_at=d.end_at,
                        capacity=spec.capacity,
                        live=True,
                    )
                    for d, spec in zip(dates, body.schedules, strict=True)
                )
        except IntegrityError:
            # A concurrent submission took the version (this DP's resubmission, or another DP's
            # first submission of the code) or reserved a schedule code first.
            raise _lost_race(session, code, dp.id, version) from None
        audit.record(
            session,
            "course_submission",
            code,
            "submitted" if version == 1 else "resubmitted",
            dp.client_code,
            version=version,
            lp=body.lp_client_code,
            schedules=len(dates),
        )
        return submission_data(session, code)


def _lost_race(session: Session, course_code: str, dp_id: int, version: int) -> ApiError:
    """Which concurrent request won: the version (a submission of the code) or a schedule code."""
    latest = _latest(session, course_code)
    if latest is None or latest.version < version:
        return ApiError(err.SCHEDULE_CODE_TAKEN)
    return ApiError(err.SUBMISSION_OPEN if latest.dp_id == dp_id else err.COURSE_CODE_TAKEN)


def _add_live_schedules(
    session: Session,
    course: Course,
    dates: Sequence[curation.ScheduleDates],
    capacities: Sequence[int],
) -> None:
    try:
        with session.begin_nested():
            session.add_all(
                Schedule(
                    schedule_code=d.code,
                    course_id=course.id,
                    start_at=d.start_at,
                    end_at=d.end_at,
                    capacity=capacity,
                    quota=capacity,
                )
                for d, capacity in zip(dates, capacities, strict=True)
            )
    except IntegrityError:  # a concurrent call took one of the codes
        raise ApiError(err.SCHEDULE_CODE_TAKEN) from None


def add_schedules(
    runtime: Runtime, dp: PartnerIdentity, body: AddSchedulesRequest
) -> SubmissionData:
    """New schedules of an approved course, on sale at once."""
    now = utcnow()
    dates = _dates(body.schedules)
    curation.check_schedules(dates, now)
    with transaction(runtime.sessions) as session:
        latest = _latest(session, body.course_code)
        if latest is None or latest.dp_id != dp.id:
            raise ApiError(err.COURSE_SUBMISSION_NOT_FOUND)
        if latest.status != SubmissionStatus.APPROVED or latest.course_id is None:
            raise ApiError(err.COURSE_NOT_APPROVED)
        course = session.get_one(Course, latest.course_id)
        _check_codes_free(session, [d.code for d in dates])
        _add_live_schedules(session, course, dates, [s.capacity for s in body.schedules])
        audit.record(
            session,
            "course",
            course.course_code,
            "schedules_added",
            dp.client_code,
            schedules=[d.code for d in dates],
        )
        return submission_data(session, body.course_code)


def _reasons(outcome: curation.Outcome, indicators: curation.IndicatorSet) -> list[Reason]:
    return [
        Reason(
            rule=f.rule,
            indicator_id=f.indicator.id if f.indicator else None,
            group=indicators.groups[f.indicator.group] if f.indicator else None,
            title=curation.reason_text(f, indicators),
            score=f.score,
            minimum=curation.reason_minimum(f, indicators),
            note=f.note,
        )
        for f in outcome.reasons
    ]


def _approve(session: Session, version: CourseSubmission, now: datetime) -> Course:
    """The approved version becomes a listed course, sold by its DP, with its schedules."""
    if session.scalar(select(Course.id).where(Course.course_code == version.course_code)):
        raise ApiError(err.COURSE_CODE_TAKEN)
    proposed = session.scalars(
        select(SubmissionSchedule)
        .where(SubmissionSchedule.submission_id == version.id)
        .order_by(SubmissionSchedule.id)
    ).all()
    codes = [s.schedule_code for s in proposed]
    taken = session.scalars(select(Schedule.schedule_code).where(Schedule.schedule_code.in_(codes)))
    clash = sorted(taken)
    if clash:
        raise ApiError(
            err.SCHEDULE_CODE_TAKEN, f"Taken since submission: {', '.join(clash)}; reject it."
        )
    course = Course(
        course_code=version.course_code,
        lp_id=version.lp_id,
        title=version.title,
        method=version.method,
        sessions=version.sessions,
        price=version.price,
        min_age=version.min_age,
        max_age=version.max_age,
        min_education=version.min_education,
        category=version.category,
        description=version.description,
        duration_hours=version.duration_hours,
        status=curation.ACTIVE,
        seller_dp_id=version.dp_id,
        listed=True,
        created_at=now,
    )
    session.add(course)
    session.flush()
    _add_live_schedules(
        session,
        course,
        [curation.ScheduleDates(s.schedule_code, s.start_at, s.end_at) for s in proposed],
        [s.capacity for s in proposed],
    )
    return course


def assess(runtime: Runtime, actor: str, body: AssessRequest) -> AssessmentResultData:
    """Score a course on its kind's indicators and apply the decision (see the module docstring)."""
    now = utcnow()
    indicators = curation.indicator_set(body.kind)
    with transaction(runtime.sessions) as session:
        latest = _latest(session, body.course_code, lock=True)
        if latest is None:
            raise ApiError(err.COURSE_SUBMISSION_NOT_FOUND)
        course = (
            session.get(Course, latest.course_id, with_for_update=True)
            if latest.course_id
            else None
        )
        before = curation.standing(
            SubmissionStatus(latest.status), course.status if course else None
        )
        curation.check_assessable(body.kind, before)
        outcome = curation.assess(indicators, body.scores, body.notes)
        if body.kind is AssessmentKind.ENTRY:
            if outcome.passed:
                course = _approve(session, latest, now)
                latest.course_id = course.id
            latest.status = (
                SubmissionStatus.APPROVED if outcome.passed else SubmissionStatus.REJECTED
            ).value
            latest.decided_at = now
            for proposed in session.scalars(
                select(SubmissionSchedule).where(SubmissionSchedule.submission_id == latest.id)
            ):
                proposed.live = False  # the codes are the course's now, or free again
        else:
            assert course is not None  # check_assessable admitted approved courses only
            course.status = curation.course_status_after_monitoring(outcome.passed)
        reasons = _reasons(outcome, indicators)
        row = CourseAssessment(
            course_code=body.course_code,
            kind=body.kind.value,
            submission_id=latest.id if body.kind is AssessmentKind.ENTRY else None,
            passed=outcome.passed,
            weighted_mean=curation.two_decimals(outcome.weighted_mean),
            pass_mean=curation.two_decimals(indicators.pass_mean),
            critical_minimum=indicators.critical_minimum,
            scores=json.dumps(dict(sorted(body.scores.items())), separators=(",", ":")),
            reasons=json.dumps([r.model_dump(mode="json") for r in reasons], ensure_ascii=False),
            summary=body.summary,
            assessor=actor,
            assessed_at=now,
        )
        session.add(row)
        after = curation.standing(
            SubmissionStatus(latest.status), course.status if course else None
        )
        action = ACTIONS[(body.kind, outcome.passed)]
        if action == "monitoring_passed" and before is SubmissionStatus.SUSPENDED:
            action = "reinstated"
        audit.record(
            session,
            "course",
            body.course_code,
            action,
            actor,
            kind=body.kind.value,
            version=latest.version,
            weighted_mean=row.weighted_mean,
            reasons=len(reasons),
        )
        session.flush()
        return AssessmentResultData(
            course_code=body.course_code, status=after, assessment=assessment_view(row)
        )
