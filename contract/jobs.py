"""Job portals (sandbox-defined surface): vacancies in, search and recommendations out.

Three flows, one vacancy model:

- **Push** (job portal → Prakerja, signed with the portal's ``sign_key``, role ``jp``): batches of
  up to ``PUSH_MAX_ITEMS`` vacancies. Each item is judged on its own, so one bad item never sinks
  the batch: every item gets a result (accepted, updated, unchanged, or rejected with a catalogued
  code). A vacancy is identified by the portal's own ``vacancy_id``: pushing the same content again
  is a no-op, changed content an update. ``withdraw`` takes vacancies down.
- **Feed** (served by the *portal*, called by Prakerja and by the conformance harness, signed with
  the portal's ``webhook_key``): the portal's vacancies changed since a cursor, page by page.
  Prakerja pulls it in the background for every portal with a ``base_url``; what it pulls is
  judged exactly like a push. Documented in ``openapi/job-portal.openapi.json``.
- **Search** (public read) and **recommendations** (an applicant's bearer session): live
  vacancies only, i.e. not withdrawn and not past ``expires_at``.

Money is integer rupiah per month. Locations are regency (``PP.RR``) or district (``PP.RR.DD``)
codes of ``contract.regions``.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
    TypeAdapter,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from contract.registration import Education
from contract.taxonomy import Industry, JobType
from contract.types import Storable, Url

PUSH_MAX_ITEMS = 100
WITHDRAW_MAX_ITEMS = 500
PUSH_MAX_BODY_BYTES = 1024 * 1024  # a full batch of long descriptions; other bodies stay at 64 KiB
FEED_MAX_ITEMS = 500
SEARCH_MAX_LIMIT = 100
RECOMMEND_MAX_LIMIT = 50
MAX_LISTING_DAYS = 180  # expires_at at most this long after posted_at
POSTED_AT_SKEW = timedelta(minutes=5)  # a posted_at this far ahead of Prakerja's clock is accepted

FEED_PATH = "/api/v1/partner/vacancies/feed"
"""Where a job portal serves its feed, under its ``base_url`` (``partners.base_url``)."""


class Request(BaseModel):
    """Requests refuse fields they do not know: a typo should not pass silently."""

    model_config = ConfigDict(extra="forbid")


VacancyId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$"),
    Field(description="The portal's own id of the vacancy: letters, digits, `._:-`."),
]
Title = Annotated[
    str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True), Storable
]
Description = Annotated[
    str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True), Storable
]
LocationCode = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{2}\.[0-9]{2}(\.[0-9]{2})?$"),
    Field(description="Regency `PP.RR` or district `PP.RR.DD` of the official region list."),
]
MonthlyRupiah = Annotated[
    int, Strict(), Field(ge=0, le=1_000_000_000, description="Integer rupiah per month.")
]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=200), Storable]
QueryRupiah = Annotated[
    int, Field(ge=0, le=1_000_000_000, description="Integer rupiah per month.")
]  # a query string carries text: digits are read as the integer they spell, nothing else


class Vacancy(Request):
    """One vacancy as a portal publishes it (pushed, or served in its feed)."""

    vacancy_id: VacancyId
    title: Title = Field(examples=["Kasir Minimarket"])
    company: Title = Field(examples=["PT Sumber Rejeki"])
    description: Description
    location: LocationCode = Field(examples=["31.71.01"])
    min_education: Education = Field(description="The least education the job asks for.")
    industry: Industry
    job_type: JobType
    salary_min: MonthlyRupiah = Field(examples=[4_500_000])
    salary_max: MonthlyRupiah = Field(
        examples=[5_000_000], description="Integer rupiah per month; at least `salary_min`."
    )
    posted_at: AwareDatetime = Field(description="With a time zone; not in the future.")
    expires_at: AwareDatetime = Field(
        description=f"After `posted_at`, at most {MAX_LISTING_DAYS} days; not yet past."
    )
    apply_url: Url = Field(description="Where a job seeker applies, on the portal.")


class _ItemsDocumentedAs:
    """Validates items as any JSON value (each is judged on its own by the server) but documents
    them as ``model``: what a correct portal sends."""

    def __init__(self, model: type[BaseModel], max_items: int) -> None:
        items: Any = Annotated[list[model], Field(min_length=1, max_length=max_items)]  # type: ignore[valid-type]
        self.adapter: TypeAdapter[Any] = TypeAdapter(items)

    def __get_pydantic_json_schema__(
        self, _: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(self.adapter.core_schema)


class PushRequest(Request):
    vacancies: Annotated[
        list[Any],
        Field(min_length=1, max_length=PUSH_MAX_ITEMS),
        _ItemsDocumentedAs(Vacancy, PUSH_MAX_ITEMS),
    ] = Field(
        description=f"1 to {PUSH_MAX_ITEMS} vacancies. Each is validated on its own: an item "
        "that breaks the Vacancy schema or a rule is rejected in its result, the rest are kept."
    )


class PushOutcome(StrEnum):
    ACCEPTED = "accepted"  # new
    UPDATED = "updated"  # known, content changed (or re-opened after a withdrawal or expiry)
    UNCHANGED = "unchanged"  # known, same content: nothing written
    REJECTED = "rejected"  # see code and message


class PushResult(BaseModel):
    index: int = Field(description="Position of the item in the batch, from 0.")
    vacancy_id: str | None = Field(description="Null when the item had no usable vacancy_id.")
    result: PushOutcome
    code: str | None = Field(description="The catalogued error of a rejected item, else null.")
    message: str | None


class PushData(BaseModel):
    accepted: int
    updated: int
    unchanged: int
    rejected: int
    results: list[PushResult] = Field(description="One per item, in batch order.")


class WithdrawRequest(Request):
    vacancy_ids: list[VacancyId] = Field(min_length=1, max_length=WITHDRAW_MAX_ITEMS)


class WithdrawOutcome(StrEnum):
    WITHDRAWN = "withdrawn"
    UNCHANGED = "unchanged"  # already withdrawn
    REJECTED = "rejected"  # not one of this portal's vacancies


class WithdrawResult(BaseModel):
    vacancy_id: str
    result: WithdrawOutcome
    code: str | None
    message: str | None


class WithdrawData(BaseModel):
    withdrawn: int
    unchanged: int
    rejected: int
    results: list[WithdrawResult]


# --- search and recommendations (out) -------------------------------------------------------


class SearchRequest(Request):
    """Query parameters of the search; every filter is optional and they combine with AND."""

    q: Annotated[str, StringConstraints(max_length=100), Storable] | None = Field(
        default=None,
        description="Words of the title or company; each must start a word (`admin` finds "
        "`Administrasi`).",
    )
    province: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")] | None = Field(
        default=None, description="Province code `PP`."
    )
    regency: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}\.[0-9]{2}$")] | None = Field(
        default=None, description="Regency code `PP.RR` (its districts included)."
    )
    education: Education | None = Field(
        default=None, description="The job seeker's education: vacancies asking no more."
    )
    industry: Industry | None = None
    job_type: JobType | None = None
    salary_min: QueryRupiah | None = Field(
        default=None, description="Vacancies that may pay at least this (salary_max >= it)."
    )
    salary_max: QueryRupiah | None = Field(
        default=None, description="Vacancies that start at most at this (salary_min <= it)."
    )
    cursor: Cursor | None = Field(
        default=None, description="`next_cursor` of the previous page; absent for the first."
    )
    limit: int = Field(default=20, ge=1, le=SEARCH_MAX_LIMIT)


class PortalView(BaseModel):
    client_code: str
    name: str


class LocationView(BaseModel):
    code: str = Field(description="As the portal gave it: `PP.RR` or `PP.RR.DD`.")
    regency_code: str
    province_code: str
    name: str = Field(examples=["Gambir, Kota Jakarta Pusat, DKI Jakarta"])


class VacancyView(BaseModel):
    """A live vacancy as job seekers see it."""

    portal: PortalView
    vacancy_id: str
    title: str
    company: str
    description: str
    location: LocationView
    min_education: Education
    industry: Industry
    job_type: JobType
    salary_min: int = Field(description="Integer rupiah per month.")
    salary_max: int = Field(description="Integer rupiah per month.")
    posted_at: str
    expires_at: str
    apply_url: str


class SearchData(BaseModel):
    vacancies: list[VacancyView] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass it as `cursor` for the next page; null: last."
    )


class RecommendationsRequest(Request):
    limit: int = Field(default=10, ge=1, le=RECOMMEND_MAX_LIMIT)


class MatchReason(StrEnum):
    """Why a vacancy was recommended (each adds to the score; see docs/decisions.md)."""

    COURSE_INDUSTRY = "course_industry"  # the industry of a course the applicant finished
    SAME_REGENCY = "same_regency"
    SAME_PROVINCE = "same_province"


class Recommendation(BaseModel):
    vacancy: VacancyView
    score: int = Field(description="Higher first; ties newest first.")
    reasons: list[MatchReason]


class RecommendationBasis(BaseModel):
    """What the ranking used."""

    industries: list[Industry] = Field(description="Industries of the courses finished.")
    region_code: str = Field(description="The applicant's district.")
    education: Education


class RecommendationsData(BaseModel):
    basis: RecommendationBasis
    recommendations: list[Recommendation]


# --- the feed a job portal serves (partner-hosted) ------------------------------------------


class FeedRequest(Request):
    cursor: Cursor | None = Field(
        default=None,
        description="The `next_cursor` of the previous page; null or absent: from the start.",
    )
    limit: int = Field(default=100, ge=1, le=FEED_MAX_ITEMS, strict=True)


class FeedVacancy(Vacancy):
    """A vacancy in the feed: its current content and whether it is still open."""

    status: Literal["open", "withdrawn"]


class FeedData(BaseModel):
    vacancies: list[FeedVacancy] = Field(
        description="Vacancies created, changed or withdrawn after `cursor`, oldest change first; "
        "each change appears once across pages."
    )
    next_cursor: str = Field(
        description="Where the next page starts (the same cursor when nothing is new)."
    )
    has_more: bool = Field(description="True when another page is ready now.")
