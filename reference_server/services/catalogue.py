"""The unified public catalogue: the indicators, the course list and a course's page. Read-only.

A course is in the catalogue while it is *listed* (approved in curation, or one of the shared
``SBX-`` fixtures) and *active* (not suspended). The list shows each course with its schedules not
yet started and their seats left, the DP that sells it (none for the fixtures, which every DP
sells), the LP, and its rating; a course's page adds the LP's reported results and the latest
reviews. Averages are rounded half up to two decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from contract import errors as err
from contract.catalogue import (
    AssessmentKind,
    CatalogueCourse,
    CatalogueData,
    CatalogueQuery,
    CoursePageData,
    Indicator,
    IndicatorsData,
    IndicatorSet,
    Method,
    PartnerRef,
    ResultsSummary,
    ReviewView,
)
from contract.errors import ApiError
from contract.taxonomy import Industry
from reference_server.domain import curation
from reference_server.runtime import Runtime
from reference_server.services.curation import education_of, schedule_view
from reference_server.services.payments import iso_utc
from reference_server.storage.tables import (
    Course,
    Partner,
    Review,
    Schedule,
    TrainingResult,
    utcnow,
)

LATEST_REVIEWS = 10


def _set_view(indicators: curation.IndicatorSet) -> IndicatorSet:
    return IndicatorSet(
        kind=indicators.kind,
        score_min=indicators.score_min,
        score_max=indicators.score_max,
        critical_minimum=indicators.critical_minimum,
        pass_mean=curation.two_decimals(indicators.pass_mean),
        groups=dict(indicators.groups),
        indicators=[
            Indicator(id=i.id, group=i.group, title=i.title, weight=i.weight, critical=i.critical)
            for i in indicators.indicators
        ],
    )


def indicators_data() -> IndicatorsData:
    """Both indicator sets and their pass rules, as published."""
    return IndicatorsData(
        entry=_set_view(curation.indicator_set(AssessmentKind.ENTRY)),
        monitoring=_set_view(curation.indicator_set(AssessmentKind.MONITORING)),
    )


def average(total: int | None, count: int) -> float | None:
    """``total / count`` rounded half up to two decimals; None for nothing to average."""
    if not count or total is None:
        return None
    exact = Decimal(int(total)) / Decimal(count)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _listed() -> Select[Course]:
    return select(Course).where(
        Course.listed.is_(True), Course.status == curation.ACTIVE, Course.category.is_not(None)
    )


def _entries(session: Session, courses: Sequence[Course], now: datetime) -> list[dict[str, Any]]:
    """Catalogue entries (as keyword arguments of the views) for these courses, in order."""
    ids = [c.id for c in courses]
    schedules: dict[int, list[Schedule]] = {i: [] for i in ids}
    for schedule in session.scalars(
        select(Schedule)
        .where(Schedule.course_id.in_(ids), Schedule.start_at > now)
        .order_by(Schedule.start_at, Schedule.id)
    ):
        schedules[schedule.course_id].append(schedule)
    ratings = {
        course_id: (total, count)
        for course_id, total, count in session.execute(
            select(Review.course_id, func.sum(Review.rating), func.count())
            .where(Review.course_id.in_(ids))
            .group_by(Review.course_id)
        )
    }
    partner_ids = {c.lp_id for c in courses} | {c.seller_dp_id for c in courses if c.seller_dp_id}
    refs = {
        pid: PartnerRef(client_code=code, name=name)
        for pid, code, name in session.execute(
            select(Partner.id, Partner.client_code, Partner.name).where(Partner.id.in_(partner_ids))
        )
    }
    entries = []
    for course in courses:
        total, count = ratings.get(course.id, (None, 0))
        entries.append(
            {
                "course_code": course.course_code,
                "title": course.title,
                "description": course.description,
                "category": Industry(course.category or ""),  # listed courses have one
                "method": Method(course.method),
                "sessions": course.sessions,
                "duration_hours": course.duration_hours,
                "price": course.price,
                "min_age": course.min_age,
                "max_age": course.max_age,
                "min_education": education_of(course.min_education),
                "dp": refs[course.seller_dp_id] if course.seller_dp_id else None,
                "lp": refs[course.lp_id],
                "rating_average": average(total, count),
                "rating_count": count,
                "schedules": [schedule_view(s) for s in schedules[course.id]],
            }
        )
    return entries


def courses(runtime: Runtime, query: CatalogueQuery) -> CatalogueData:
    """The catalogue, filtered and paged, by title."""
    now = utcnow()
    empty = CatalogueData(courses=[], page=query.page, per_page=query.per_page, total=0)
    with runtime.sessions() as session:
        statement = _listed()
        if query.category is not None:
            statement = statement.where(Course.category == query.category.value)
        if query.method is not None:
            statement = statement.where(Course.method == query.method.value)
        if query.min_price is not None:
            statement = statement.where(Course.price >= query.min_price)
        if query.max_price is not None:
            statement = statement.where(Course.price <= query.max_price)
        if query.lp is not None:
            lp_id = session.scalar(select(Partner.id).where(Partner.client_code == query.lp))
            if lp_id is None:
                return empty
            statement = statement.where(Course.lp_id == lp_id)
        if query.dp is not None:
            dp_id = session.scalar(select(Partner.id).where(Partner.client_code == query.dp))
            if dp_id is None:
                return empty
            statement = statement.where(
                or_(Course.seller_dp_id == dp_id, Course.seller_dp_id.is_(None))
            )
        for word in (query.q or "").lower().split():
            statement = statement.where(
                or_(
                    func.lower(Course.title).contains(word, autoescape=True),
                    func.lower(func.coalesce(Course.description, "")).contains(
                        word, autoescape=True
                    ),
                )
            )
        total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        page = session.scalars(
            statement.order_by(Course.title, Course.id)
            .offset((query.page - 1) * query.per_page)
            .limit(query.per_page)
        ).all()
        return CatalogueData(
            courses=[CatalogueCourse(**entry) for entry in _entries(session, page, now)],
            page=query.page,
            per_page=query.per_page,
            total=total,
        )


def course_page(runtime: Runtime, course_code: str) -> CoursePageData:
    """One listed course with its results and latest reviews (ERRCAT40402 otherwise)."""
    now = utcnow()
    with runtime.sessions() as session:
        course = session.scalar(_listed().where(Course.course_code == course_code))
        if course is None:
            raise ApiError(err.COURSE_NOT_LISTED)
        (entry,) = _entries(session, [course], now)
        reported, pre, post, certificates = session.execute(
            select(
                func.count(),
                func.sum(TrainingResult.pre_test),
                func.sum(TrainingResult.post_test),
                func.count(TrainingResult.certificate_number),
            ).where(TrainingResult.course_id == course.id)
        ).one()
        reviews = session.execute(
            select(Review.rating, Review.review, Review.created_at)
            .where(Review.course_id == course.id)
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(LATEST_REVIEWS)
        ).all()
        return CoursePageData(
            **entry,
            results=ResultsSummary(
                reported=reported,
                pre_test_average=average(pre, reported),
                post_test_average=average(post, reported),
                certificates=certificates,
            ),
            reviews=[
                ReviewView(rating=rating, review=text, created_at=iso_utc(at))
                for rating, text, at in reviews
            ],
        )
