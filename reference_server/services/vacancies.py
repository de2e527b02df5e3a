"""Job portals' vacancies: push and withdraw, search, recommendations, the daily expiry.

A batch is judged item by item first (``domain.vacancies.judge``, no database), then written in
one transaction: one read of the portal's known vacancies among the batch's ids, then inserts,
updates and search words. Unchanged content (same hash, still open) writes nothing. When two
pushes of one new vacancy race on PostgreSQL, the unique (portal, vacancy_id) refuses the second
insert; that batch is judged again against what is now stored (and finds it known).

Search and the ranking's candidate queries filter open, unexpired rows with the literal
``status = 'open'`` so the partial indexes apply on both databases, walk ``posted_at`` newest
first, and page by keyset (the last row's ``posted_at`` and id), never by offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import errors as err
from contract import regions
from contract.attendance import POST_TEST_SEQUENCE
from contract.errors import ApiError
from contract.jobs import (
    LocationView,
    PortalView,
    PushData,
    PushOutcome,
    PushRequest,
    PushResult,
    Recommendation,
    RecommendationBasis,
    RecommendationsData,
    SearchData,
    SearchRequest,
    VacancyView,
    WithdrawData,
    WithdrawOutcome,
    WithdrawRequest,
    WithdrawResult,
)
from contract.jobs import Vacancy as VacancyModel
from contract.registration import Education as EducationName
from contract.registration import Stage
from contract.taxonomy import Industry, JobType
from reference_server import audit
from reference_server.domain import vacancies as rules
from reference_server.domain.people import Education
from reference_server.domain.vacancies import Candidate, Listing, Place, Refusal, Seeker, Tier
from reference_server.runtime import PartnerIdentity, Runtime
from reference_server.services.payments import iso_utc
from reference_server.services.registration import AccountRef
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Applicant,
    Attendance,
    Beneficiary,
    Card,
    Course,
    Partner,
    RedeemCode,
    Transaction,
    Vacancy,
    VacancyTerm,
    utcnow,
)

OPEN, WITHDRAWN, EXPIRED = "open", "withdrawn", "expired"
PUSH, FEED = "push", "feed"
# A literal, not a bound parameter: the planner of either database can only use a partial index
# (``WHERE status = 'open'``) when the query states its condition as a constant.
IS_OPEN = Vacancy.status == literal_column("'open'")
INSERT_RETRIES = 2
COMMON_WORD = 2_000  # vacancies a word names before SQLite walks the newest instead (word_filter)


def live(now: datetime) -> ColumnElement[bool]:
    """Open and not past its expiry."""
    return and_(IS_OPEN, Vacancy.expires_at > now)


def _changed(session: Session, statement: Any) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


# --- push and withdraw ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Judged:
    """One item of a batch: its position, its id if usable, and the listing or the refusal."""

    index: int
    vacancy_id: str | None
    verdict: Listing | Refusal


def judge_batch(
    items: Sequence[Any], now: datetime, model: type[BaseModel] = VacancyModel
) -> list[Judged]:
    """Every item judged on its own; a vacancy_id seen earlier in the batch is a refusal."""
    seen: set[str] = set()
    judged = []
    for index, item in enumerate(items):
        vacancy_id = rules.vacancy_id_of(item)
        verdict = rules.judge(item, now, model)
        if vacancy_id is not None:
            if vacancy_id in seen:
                verdict = Refusal(
                    err.VACANCY_DUPLICATE_IN_BATCH, "an earlier item has this vacancy_id."
                )
            seen.add(vacancy_id)
        judged.append(Judged(index, vacancy_id, verdict))
    return judged


def columns_of(listing: Listing) -> dict[str, Any]:
    """The stored columns of a listing (its content hash included)."""
    return {
        "title": listing.title,
        "company": listing.company,
        "description": listing.description,
        "location_code": listing.location_code,
        "regency_code": listing.regency_code,
        "province_code": listing.province_code,
        "min_education": listing.min_education,
        "industry": listing.industry,
        "job_type": listing.job_type,
        "salary_min": listing.salary_min,
        "salary_max": listing.salary_max,
        "posted_at": listing.posted_at,
        "expires_at": listing.expires_at,
        "apply_url": listing.apply_url,
        "content_hash": listing.content_hash(),
    }


def store(
    session: Session, portal_id: int, listings: Sequence[Listing], now: datetime, source: str
) -> list[PushOutcome]:
    """Insert new, update changed (or re-open), skip unchanged; the outcome of each listing."""
    known = {
        row.vacancy_id: row
        for row in session.scalars(
            select(Vacancy).where(
                Vacancy.portal_id == portal_id,
                Vacancy.vacancy_id.in_([listing.vacancy_id for listing in listings]),
            )
        )
    }
    outcomes: list[PushOutcome] = []
    fresh: list[tuple[Vacancy, Listing]] = []
    rewritten: list[tuple[Vacancy, Listing]] = []
    for listing in listings:
        columns = columns_of(listing)
        row = known.get(listing.vacancy_id)
        if row is None:
            row = Vacancy(
                portal_id=portal_id,
                vacancy_id=listing.vacancy_id,
                status=OPEN,
                source=source,
                created_at=now,
                updated_at=now,
                **columns,
            )
            session.add(row)
            fresh.append((row, listing))
            outcomes.append(PushOutcome.ACCEPTED)
        elif row.status == OPEN and row.content_hash == columns["content_hash"]:
            outcomes.append(PushOutcome.UNCHANGED)
        else:
            for name, value in columns.items():
                setattr(row, name, value)
            row.status, row.source, row.updated_at, row.withdrawn_at = OPEN, source, now, None
            rewritten.append((row, listing))
            outcomes.append(PushOutcome.UPDATED)
    session.flush()  # ids of the new rows; the unique (portal, vacancy_id) speaks here
    if rewritten:
        session.execute(
            delete(VacancyTerm).where(VacancyTerm.vacancy_id.in_([row.id for row, _ in rewritten]))
        )
    words = [
        {"term": term, "vacancy_id": row.id}
        for row, listing in fresh + rewritten
        for term in rules.terms(listing)
    ]
    if words:
        session.execute(insert(VacancyTerm), words)
    return outcomes


def push(runtime: Runtime, partner: PartnerIdentity, request: PushRequest) -> PushData:
    """Take in a portal's batch: one result per item, in batch order."""
    for attempt in range(INSERT_RETRIES):
        now = utcnow()
        judged = judge_batch(request.vacancies, now)
        try:
            with transaction(runtime.sessions) as session:
                results = _push_in(session, partner, judged, now)
        except IntegrityError:  # another push of the same new vacancy won the race
            if attempt + 1 == INSERT_RETRIES:
                raise
            continue
        counts = dict.fromkeys(PushOutcome, 0)
        for result in results:
            counts[result.result] += 1
        return PushData(
            accepted=counts[PushOutcome.ACCEPTED],
            updated=counts[PushOutcome.UPDATED],
            unchanged=counts[PushOutcome.UNCHANGED],
            rejected=counts[PushOutcome.REJECTED],
            results=results,
        )
    raise AssertionError("unreachable")


def _push_in(
    session: Session, partner: PartnerIdentity, judged: list[Judged], now: datetime
) -> list[PushResult]:
    valid = [item for item in judged if isinstance(item.verdict, Listing)]
    outcomes = iter(
        store(session, partner.id, [cast(Listing, item.verdict) for item in valid], now, PUSH)
    )
    results = []
    for item in judged:
        if isinstance(item.verdict, Refusal):
            refusal = item.verdict
            results.append(
                PushResult(
                    index=item.index,
                    vacancy_id=item.vacancy_id,
                    result=PushOutcome.REJECTED,
                    code=refusal.error.code,
                    message=f"{refusal.error.message} {refusal.detail}",
                )
            )
        else:
            results.append(
                PushResult(
                    index=item.index,
                    vacancy_id=item.vacancy_id,
                    result=next(outcomes),
                    code=None,
                    message=None,
                )
            )
    tally = {o.value: sum(r.result is o for r in results) for o in PushOutcome}
    audit.record(session, "vacancies", partner.client_code, "pushed", partner.client_code, **tally)
    return results


def withdraw_ids(
    session: Session, portal_id: int, vacancy_ids: Iterable[str], now: datetime
) -> list[WithdrawOutcome | None]:
    """Withdraw a portal's vacancies; per id withdrawn, unchanged, or None (not the portal's)."""
    ids = list(vacancy_ids)
    status = dict(
        session.execute(
            select(Vacancy.vacancy_id, Vacancy.status).where(
                Vacancy.portal_id == portal_id, Vacancy.vacancy_id.in_(ids)
            )
        ).all()
    )
    outcomes: list[WithdrawOutcome | None] = []
    for vacancy_id in ids:
        if vacancy_id not in status:
            outcomes.append(None)
        elif status[vacancy_id] == WITHDRAWN:
            outcomes.append(WithdrawOutcome.UNCHANGED)
        else:
            status[vacancy_id] = WITHDRAWN  # a repeat of the id later in the list is unchanged
            outcomes.append(WithdrawOutcome.WITHDRAWN)
    taken_down = [v for v, o in zip(ids, outcomes, strict=True) if o is WithdrawOutcome.WITHDRAWN]
    if taken_down:
        session.execute(
            update(Vacancy)
            .where(Vacancy.portal_id == portal_id, Vacancy.vacancy_id.in_(taken_down))
            .values(status=WITHDRAWN, withdrawn_at=now, updated_at=now)
        )
    return outcomes


def withdraw(runtime: Runtime, partner: PartnerIdentity, request: WithdrawRequest) -> WithdrawData:
    """Take a portal's vacancies out of search: one result per id, in order."""
    now = utcnow()
    with transaction(runtime.sessions) as session:
        outcomes = withdraw_ids(session, partner.id, request.vacancy_ids, now)
        results = [
            WithdrawResult(vacancy_id=vacancy_id, result=outcome, code=None, message=None)
            if outcome is not None
            else WithdrawResult(
                vacancy_id=vacancy_id,
                result=WithdrawOutcome.REJECTED,
                code=err.VACANCY_NOT_FOUND.code,
                message=err.VACANCY_NOT_FOUND.message,
            )
            for vacancy_id, outcome in zip(request.vacancy_ids, outcomes, strict=True)
        ]
        tally = {o.value: sum(r.result is o for r in results) for o in WithdrawOutcome}
        audit.record(
            session, "vacancies", partner.client_code, "withdrawn", partner.client_code, **tally
        )
    return WithdrawData(
        withdrawn=tally[WithdrawOutcome.WITHDRAWN.value],
        unchanged=tally[WithdrawOutcome.UNCHANGED.value],
        rejected=tally[WithdrawOutcome.REJECTED.value],
        results=results,
    )


def expire(runtime: Runtime, now: datetime | None = None) -> int:
    """Mark open vacancies past their expiry as expired (the daily job); how many."""
    moment = now or utcnow()
    with transaction(runtime.sessions) as session:
        return _changed(
            session,
            update(Vacancy)
            .where(IS_OPEN, Vacancy.expires_at <= moment)
            .values(status=EXPIRED, updated_at=moment),
        )


# --- reading ---------------------------------------------------------------------------------


def _location(code: str) -> LocationView:
    district = regions.district(code) if len(code) == 8 else None
    regency = regions.regency_name(code[:5]) or ""
    province = regions.province_name(code[:2]) or ""
    parts = ([district.district] if district else []) + [regency, province]
    return LocationView(
        code=code, regency_code=code[:5], province_code=code[:2], name=", ".join(parts)
    )


def view(row: Vacancy, portal_code: str, portal_name: str) -> VacancyView:
    """A stored vacancy as job seekers see it."""
    return VacancyView(
        portal=PortalView(client_code=portal_code, name=portal_name),
        vacancy_id=row.vacancy_id,
        title=row.title,
        company=row.company,
        description=row.description,
        location=_location(row.location_code),
        min_education=EducationName(Education(row.min_education).name),
        industry=Industry(row.industry),
        job_type=JobType(row.job_type),
        salary_min=row.salary_min,
        salary_max=row.salary_max,
        posted_at=iso_utc(row.posted_at),
        expires_at=iso_utc(row.expires_at),
        apply_url=row.apply_url,
    )


def with_portal() -> Select[Vacancy, str, str]:
    """Vacancies with their portal's client code and name (what a view needs)."""
    return select(Vacancy, Partner.client_code, Partner.name).join(
        Partner, Partner.id == Vacancy.portal_id
    )


NEWEST_FIRST = (Vacancy.posted_at.desc(), Vacancy.id.desc())


def word_filter(session: Session, word: str) -> ColumnElement[bool]:
    """Vacancies with a word starting with ``word``.

    As a semi-join on the words' index (``id IN (…)``), which both databases drive from the few
    vacancies a rare word names. SQLite, which keeps no statistics, would drive from a common
    word's tens of thousands of vacancies too and sort them all for one page; when a bounded
    count says the word is common, it walks the newest first instead and probes each one's words
    (``EXISTS``), stopping at the page. PostgreSQL chooses between the two on its own.
    """
    lo, hi = rules.prefix_bounds(word)
    named = (VacancyTerm.term >= lo, VacancyTerm.term < hi)
    if session.get_bind().dialect.name == "sqlite":
        sample = select(VacancyTerm.vacancy_id).where(*named).limit(COMMON_WORD).subquery()
        if (session.scalar(select(func.count()).select_from(sample)) or 0) >= COMMON_WORD:
            return exists().where(VacancyTerm.vacancy_id == Vacancy.id, *named)
    return Vacancy.id.in_(select(VacancyTerm.vacancy_id).where(*named))


def search_filters(
    session: Session, query: SearchRequest, now: datetime
) -> list[ColumnElement[bool]]:
    """The WHERE terms of a search (refusing a query that cannot mean anything)."""
    if query.province is not None and regions.province_name(query.province) is None:
        raise ApiError(err.LOCATION_UNKNOWN, f"province {query.province!r} is not on the list.")
    if query.regency is not None and not regions.is_regency(query.regency):
        raise ApiError(err.LOCATION_UNKNOWN, f"regency {query.regency!r} is not on the list.")
    if (
        query.salary_min is not None
        and query.salary_max is not None
        and query.salary_min > query.salary_max
    ):
        raise ApiError(err.SALARY_RANGE_INVALID, "salary_min is greater than salary_max.")
    try:
        words = rules.query_words(query.q)
    except ValueError as exc:
        raise ApiError(err.JOB_SEARCH_INVALID, f"{exc}.") from None
    where = [live(now)]
    if query.province is not None:
        where.append(Vacancy.province_code == query.province)
    if query.regency is not None:
        where.append(Vacancy.regency_code == query.regency)
    if query.education is not None:
        where.append(Vacancy.min_education <= Education[query.education.value].value)
    if query.industry is not None:
        where.append(Vacancy.industry == query.industry.value)
    if query.job_type is not None:
        where.append(Vacancy.job_type == query.job_type.value)
    if query.salary_min is not None:
        where.append(Vacancy.salary_max >= query.salary_min)
    if query.salary_max is not None:
        where.append(Vacancy.salary_min <= query.salary_max)
    where += [word_filter(session, word) for word in words or ()]
    return where


def search(runtime: Runtime, query: SearchRequest) -> SearchData:
    """One page of live vacancies matching every filter, newest first."""
    now = utcnow()
    position = None if query.cursor is None else rules.decode_cursor(query.cursor)
    if query.cursor is not None and position is None:
        raise ApiError(err.JOB_CURSOR_INVALID)
    with runtime.reads() as session:
        where = search_filters(session, query, now)
        if position is not None:
            posted_at, key = position
            where.append(
                or_(
                    Vacancy.posted_at < posted_at,
                    and_(Vacancy.posted_at == posted_at, Vacancy.id < key),
                )
            )
        rows = session.execute(
            with_portal().where(*where).order_by(*NEWEST_FIRST).limit(query.limit + 1)
        ).all()
    page = rows[: query.limit]
    more = len(rows) > query.limit
    last = page[-1][0] if page else None
    return SearchData(
        vacancies=[view(row, code, name) for row, code, name in page],
        next_cursor=rules.encode_cursor(last.posted_at, last.id) if more and last else None,
    )


# --- recommendations -------------------------------------------------------------------------


def finished_course_ids(session: Session, applicant: Applicant) -> list[int]:
    """Courses the applicant finished (post-test verified), through the card of their NIK.

    Only once selected (beneficiary or revoked), as the dashboard shows certificates: before that
    the NIK is only declared, and someone else's must not reveal that person's courses.
    """
    if applicant.nik is None or applicant.stage not in (Stage.BENEFICIARY, Stage.REVOKED):
        return []
    return list(
        session.scalars(
            select(RedeemCode.course_id)
            .join(Transaction, Transaction.id == RedeemCode.transaction_id)
            .join(Card, Card.id == Transaction.card_id)
            .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
            .join(Attendance, Attendance.redeem_code_id == RedeemCode.id)
            .where(Beneficiary.nik == applicant.nik, Attendance.sequence == POST_TEST_SEQUENCE)
            .distinct()
        )
    )


def course_industries(session: Session, course_ids: Sequence[int]) -> set[str]:
    """The industries of these courses (a course's catalogue category is an Industry)."""
    if not course_ids:
        return set()
    found = session.scalars(select(Course.category).where(Course.id.in_(course_ids))).all()
    known = {industry.value for industry in Industry}
    return {value for value in found if value in known}


def _tier_query(
    tier: Tier, seeker: Seeker, now: datetime, limit: int
) -> Select[int, str, str, str, datetime]:
    where = [live(now), Vacancy.min_education <= seeker.education]
    industries = sorted(seeker.industries)
    if tier.course_industry:
        where.append(Vacancy.industry.in_(industries))
    elif industries:
        where.append(Vacancy.industry.not_in(industries))
    if tier.place is Place.REGENCY:
        where.append(Vacancy.regency_code == seeker.regency_code)
    elif tier.place is Place.PROVINCE:
        where += [
            Vacancy.province_code == seeker.province_code,
            Vacancy.regency_code != seeker.regency_code,
        ]
    else:
        where.append(Vacancy.province_code != seeker.province_code)
    return (
        select(
            Vacancy.id,
            Vacancy.industry,
            Vacancy.regency_code,
            Vacancy.province_code,
            Vacancy.posted_at,
        )
        .where(*where)
        .order_by(*NEWEST_FIRST)
        .limit(limit)
    )


def recommendations(runtime: Runtime, account: AccountRef, limit: int) -> RecommendationsData:
    """The best ``limit`` live vacancies for the applicant (see domain.vacancies.score)."""
    now = utcnow()
    with runtime.reads() as session:
        applicant = session.execute(
            select(Applicant).where(Applicant.account_id == account.id)
        ).scalar_one()
        if applicant.region_code is None or applicant.education is None:
            raise ApiError(err.IDENTITY_MISSING)
        industries = course_industries(session, finished_course_ids(session, applicant))
        seeker = Seeker(
            region_code=applicant.region_code,
            education=Education[applicant.education].value,
            industries=frozenset(industries),
        )
        ranked = ranked_for(session, seeker, limit, now)
    return RecommendationsData(
        basis=RecommendationBasis(
            industries=sorted(Industry(i) for i in industries),
            region_code=applicant.region_code,
            education=EducationName(applicant.education),
        ),
        recommendations=ranked,
    )


def ranked_for(session: Session, seeker: Seeker, limit: int, now: datetime) -> list[Recommendation]:
    """The best ``limit`` live vacancies for ``seeker``: each tier's newest ``limit``, ranked."""
    tiers = union_all(
        *(select(_tier_query(t, seeker, now, limit).subquery()) for t in rules.tiers(seeker))
    )
    candidates = [
        Candidate(key, industry, regency, province, posted_at)
        for key, industry, regency, province, posted_at in session.execute(tiers)
    ]
    ranked = rules.rank(candidates, seeker, limit)
    rows = {
        row.id: (row, code, name)
        for row, code, name in session.execute(
            with_portal().where(Vacancy.id.in_([c.key for c, _, _ in ranked]))
        )
    }
    return [
        Recommendation(vacancy=view(*rows[candidate.key]), score=points, reasons=reasons)
        for candidate, points, reasons in ranked
    ]
