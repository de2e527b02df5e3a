"""The course catalogue and its curation (sandbox-defined surface, ``/api/v1/catalogue``).

The real programme does not publish how courses enter the catalogue, so the sandbox designs it in
the style of the partner API:

- a digital platform (DP, signed) submits a course **on behalf of one of its training providers**
  (names the LP by its ``client_code``) with its schedules; it reads its submissions' status, and
  may correct a rejected one and submit it again (a new version of the same ``course_code``; the
  history is kept); it adds schedules to a course once approved;
- the programme office (PMO, signed) lists what is pending and **assesses** it: an entry
  assessment scores 52 indicators, a monitoring assessment of a live course 40 (the indicators and
  the pass rule are published at ``GET /api/v1/catalogue/indicators``). A failed entry assessment
  rejects the submission with its reasons; a failed monitoring assessment suspends the course (no
  new sales; purchases already made are unaffected) until a later one passes;
- anyone reads **one unified catalogue** of the approved, active courses of every DP and LP, with
  schedules and seats left, price, rating and, on a course's page, its results;
- a training provider (LP, signed) reports a participant's pre-test and post-test scores and the
  certificate it issued, once the post-test is verified;
- a beneficiary (registration surface, bearer) rates and reviews a purchase once, after finishing
  it (``POST /api/v1/registration/reviews``).

Requests refuse fields they do not know. Money is integer rupiah.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

from contract.attendance import MAX_WEBINAR_SESSIONS
from contract.registration import Education
from contract.taxonomy import Industry
from contract.types import Code, Rupiah, Storable, Url


class Request(BaseModel):
    """Catalogue requests refuse fields they do not know: a typo should not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Method(StrEnum):
    """How a course is taken (P1's attendance rules: self-paced 1 and 999; webinar 1..n and 999)."""

    SELF_PACED = "self_paced"
    WEBINAR = "webinar"


class SubmissionStatus(StrEnum):
    """Where a course stands in curation, as its DP sees it."""

    PENDING = "PENDING"  # waiting for the entry assessment
    APPROVED = "APPROVED"  # passed: in the catalogue and on sale
    REJECTED = "REJECTED"  # failed the entry assessment: correct it and submit again
    SUSPENDED = "SUSPENDED"  # approved, then failed a monitoring assessment: no new sales


class AssessmentKind(StrEnum):
    """Entry: a pending submission, 52 indicators. Monitoring: a live course, 40 indicators."""

    ENTRY = "entry"
    MONITORING = "monitoring"


class ReasonRule(StrEnum):
    """Which part of the pass rule a reason of a failed assessment is about."""

    CRITICAL_BELOW_MINIMUM = "CRITICAL_BELOW_MINIMUM"  # a critical indicator under the minimum
    MEAN_BELOW_THRESHOLD = "MEAN_BELOW_THRESHOLD"  # the weighted mean under the pass mark
    LOW_SCORE = "LOW_SCORE"  # an indicator under the minimum that pulled the mean down


PublicCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
    Field(description="Letters, digits, `.`, `_` and `-`, at most 64; unique in the sandbox."),
]
"""A course or schedule code a DP proposes: safe in a URL, a file name and a shell."""

IndicatorId = Annotated[
    str,
    StringConstraints(pattern=r"^[EM][0-9]{2}$"),
    Field(description="An indicator id: `E01`..`E52` (entry) or `M01`..`M40` (monitoring)."),
]
Score = Annotated[int, Strict(), Field(ge=1, le=5, description="1 (poor) to 5 (excellent).")]
TestScore = Annotated[int, Strict(), Field(ge=0, le=100, description="0 to 100.")]
Rating = Annotated[int, Strict(), Field(ge=1, le=5, description="Stars, 1 to 5.")]
Page = Annotated[int, Strict(), Field(ge=1, le=10_000)]
PerPage = Annotated[int, Strict(), Field(ge=1, le=100)]

Title = Annotated[
    str, StringConstraints(min_length=3, max_length=200, strip_whitespace=True), Storable
]
Description = Annotated[
    str, StringConstraints(min_length=20, max_length=5000, strip_whitespace=True), Storable
]
Note = Annotated[
    str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True), Storable
]
ReviewText = Annotated[
    str,
    StringConstraints(min_length=10, max_length=1000, strip_whitespace=True),
    Storable,
    Field(description="10 to 1,000 characters."),
]
CertificateNumber = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9./_-]*$"),
    Field(description="The LP's number of the certificate, unique per LP."),
]
SearchText = Annotated[str, StringConstraints(min_length=1, max_length=100), Storable]

MAX_SCHEDULES = 50


# --- requests: the DP ---------------------------------------------------------------------------


class ScheduleSpec(Request):
    """One schedule (batch) of a course."""

    schedule_code: PublicCode
    start_at: AwareDatetime = Field(description="In the future, before 2100.")
    end_at: AwareDatetime = Field(description="After start_at.")
    capacity: int = Field(ge=1, le=1_000_000, strict=True, description="Seats.")


class SubmitCourseRequest(Request):
    """A course a DP proposes for one of its LPs; the same ``course_code`` again after a rejection
    is a corrected version."""

    lp_client_code: Code = Field(description="The training provider's client_code.")
    course_code: PublicCode
    title: Title
    description: Description
    category: Industry = Field(description="The industry the course prepares for.")
    method: Method
    sessions: int | None = Field(
        default=None,
        ge=1,
        le=MAX_WEBINAR_SESSIONS,
        strict=True,
        description="Webinar: the number of live sessions (1-10), required. Self-paced: omit "
        "(or 1).",
    )
    duration_hours: int = Field(ge=1, le=500, strict=True)
    price: Rupiah
    min_age: int = Field(ge=18, le=100, strict=True, description="The programme starts at 18.")
    max_age: int | None = Field(default=None, ge=18, le=100, strict=True)
    min_education: Education
    schedules: list[ScheduleSpec] = Field(min_length=1, max_length=MAX_SCHEDULES)


class AddSchedulesRequest(Request):
    course_code: PublicCode
    schedules: list[ScheduleSpec] = Field(min_length=1, max_length=MAX_SCHEDULES)


class CourseCodeRequest(Request):
    course_code: PublicCode


class SubmissionListRequest(Request):
    status: SubmissionStatus | None = Field(default=None, description="Only this status.")
    page: Page = 1
    per_page: PerPage = 50


# --- requests: the programme office -------------------------------------------------------------


class PendingRequest(Request):
    dp_client_code: Code | None = Field(default=None, description="Only this DP's submissions.")
    page: Page = 1
    per_page: PerPage = 50


class AssessRequest(Request):
    """Scores for every indicator of the kind (no more, no fewer) and optional notes."""

    course_code: PublicCode
    kind: AssessmentKind
    scores: dict[IndicatorId, Score] = Field(min_length=1, max_length=60)
    notes: dict[IndicatorId, Note] = Field(
        default_factory=dict,
        max_length=60,
        description="The assessor's note per indicator; a failed indicator's note is its reason.",
    )
    summary: Note | None = None


# --- requests: the LP and the beneficiary -------------------------------------------------------


class ResultRequest(Request):
    """Scores of a participant whose post-test is verified, and the certificate if one was issued."""

    redeem_code: Code
    pre_test: TestScore
    post_test: TestScore
    certificate_number: CertificateNumber | None = None
    certificate_url: Url | None = None

    @model_validator(mode="after")
    def _certificate_whole(self) -> ResultRequest:
        if (self.certificate_number is None) != (self.certificate_url is None):
            raise ValueError("certificate_number and certificate_url go together")
        return self


class ReviewRequest(Request):
    """A rating and a review of one purchase, after finishing it."""

    transaction_code: Code = Field(description="The purchase, as the dashboard lists it.")
    rating: Rating
    review: ReviewText


class CatalogueQuery(Request):
    """Filters of the public catalogue (query string)."""

    category: Industry | None = None
    method: Method | None = None
    min_price: int | None = Field(default=None, ge=0, le=1_000_000_000)
    max_price: int | None = Field(default=None, ge=0, le=1_000_000_000)
    dp: Code | None = Field(
        default=None,
        description="Courses this DP (client_code) may sell: its own and the shared fixtures.",
    )
    lp: Code | None = Field(default=None, description="Courses of this LP (client_code).")
    q: SearchText | None = Field(default=None, description="Words in the title or description.")
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=20, ge=1, le=100)


class CoursePageQuery(Request):
    course_code: PublicCode


# --- data ---------------------------------------------------------------------------------------


class PartnerRef(BaseModel):
    client_code: str
    name: str


class ScheduleView(BaseModel):
    schedule_code: str
    start_at: str
    end_at: str
    capacity: int
    seats_left: int


class Reason(BaseModel):
    """Why a failed assessment failed: one indicator, or the mean."""

    rule: ReasonRule
    indicator_id: str | None
    group: str | None
    title: str
    score: int | None
    minimum: str = Field(description="What was needed: the minimum score or the pass mean.")
    note: str | None = Field(description="The assessor's note, when given.")


class AssessmentView(BaseModel):
    kind: AssessmentKind
    passed: bool
    weighted_mean: str = Field(
        description="Weighted mean of the scores, 2 decimals.", examples=["4.12"]
    )
    pass_mean: str
    critical_minimum: int
    scores: dict[str, int]
    reasons: list[Reason] = Field(description="Empty when passed.")
    summary: str | None
    assessor: str
    assessed_at: str


class SubmissionVersion(BaseModel):
    """One version of a course as its DP submitted it, and its entry assessment."""

    version: int
    status: SubmissionStatus = Field(description="PENDING, APPROVED or REJECTED.")
    title: str
    description: str
    category: Industry
    method: Method
    sessions: int
    duration_hours: int
    price: int
    min_age: int
    max_age: int | None
    min_education: Education
    schedules: list[ScheduleSpec]
    submitted_at: str
    decided_at: str | None
    assessment: AssessmentView | None


class SubmissionData(BaseModel):
    """A course in curation: its status, every version (newest first), its live schedules and its
    monitoring assessments once approved."""

    course_code: str
    status: SubmissionStatus
    dp: PartnerRef
    lp: PartnerRef
    versions: list[SubmissionVersion]
    schedules: list[ScheduleView] = Field(description="The course's schedules once approved.")
    monitoring: list[AssessmentView] = Field(description="Newest first.")


class SubmissionSummary(BaseModel):
    course_code: str
    title: str
    status: SubmissionStatus
    version: int
    dp: PartnerRef
    lp: PartnerRef
    submitted_at: str


class SubmissionListData(BaseModel):
    submissions: list[SubmissionSummary]
    page: int
    per_page: int
    total: int


class AssessmentResultData(BaseModel):
    course_code: str
    status: SubmissionStatus = Field(description="The course's status after this assessment.")
    assessment: AssessmentView


class Indicator(BaseModel):
    id: str
    group: str
    title: str = Field(description="Indonesian, as the assessors read it.")
    weight: int
    critical: bool


class IndicatorSet(BaseModel):
    kind: AssessmentKind
    score_min: int
    score_max: int
    critical_minimum: int = Field(description="Every critical indicator must score at least this.")
    pass_mean: str = Field(description="The weighted mean of all scores must reach this.")
    groups: dict[str, str] = Field(description="Aspect id to its Indonesian title.")
    indicators: list[Indicator]


class IndicatorsData(BaseModel):
    entry: IndicatorSet
    monitoring: IndicatorSet


class CatalogueCourse(BaseModel):
    """A course on sale, as the unified catalogue lists it."""

    course_code: str
    title: str
    description: str | None
    category: Industry
    method: Method
    sessions: int
    duration_hours: int | None
    price: int = Field(description="Integer rupiah.")
    min_age: int
    max_age: int | None
    min_education: Education
    dp: PartnerRef | None = Field(
        description="The DP that sells it; null: a shared fixture any DP sells."
    )
    lp: PartnerRef
    rating_average: float | None = Field(
        description="Mean of the ratings, 2 decimals; null: none yet."
    )
    rating_count: int
    schedules: list[ScheduleView] = Field(description="Schedules not yet started.")


class CatalogueData(BaseModel):
    courses: list[CatalogueCourse]
    page: int
    per_page: int
    total: int


class ReviewView(BaseModel):
    rating: int
    review: str
    created_at: str


class ResultsSummary(BaseModel):
    """What the LP reported for the course's participants."""

    reported: int
    pre_test_average: float | None
    post_test_average: float | None
    certificates: int


class CoursePageData(CatalogueCourse):
    """A course's page: the catalogue entry, its results and its latest reviews."""

    results: ResultsSummary
    reviews: list[ReviewView] = Field(description="The latest 10, newest first.")


class TrainingResultData(BaseModel):
    redeem_code: str
    course_code: str
    pre_test: int
    post_test: int
    certificate_number: str | None
    certificate_url: str | None
    reported_at: str


class ReviewData(BaseModel):
    transaction_code: str
    course_code: str
    rating: int
    review: str
    created_at: str
