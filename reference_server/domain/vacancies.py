"""Vacancies: what a job portal's item must be, the words search matches, and the ranking.

No I/O. A pushed (or pulled) item is judged on its own: ``judge`` gives either the ``Listing``
to store or the ``Refusal`` to report in that item's result, checked in this order:

1. the Vacancy schema (a JSON object, every field present and well-formed) — VACANCY_INVALID;
2. the location is a regency or district of the official list — LOCATION_UNKNOWN;
3. salary_min <= salary_max — SALARY_RANGE_INVALID;
4. posted_at not in the future (5 minutes of clock skew allowed), expires_at after it and at
   most 180 days later — VACANCY_DATES_INVALID;
5. expires_at not already past — VACANCY_EXPIRED.

Search matches words: the title's and the company's, folded to lower-case ASCII letters and
digits; a query word matches every stored word it starts.

Recommendations score each live vacancy the applicant's education qualifies for (see
``score``); the service fetches the best candidates of each ``Tier`` and ``rank`` orders them:
score, then newest, then the vacancy's key, so the order is total and repeatable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel, ValidationError

from contract import errors as err
from contract import regions
from contract.errors import ErrorCode
from contract.jobs import MAX_LISTING_DAYS, POSTED_AT_SKEW, MatchReason, Vacancy
from reference_server.domain.people import Education

MAX_TERM_LENGTH = 40
MAX_TERMS = 40
MAX_QUERY_WORDS = 6
_VACANCY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Listing:
    """A valid vacancy, in the form it is stored and compared in (times in UTC)."""

    vacancy_id: str
    title: str
    company: str
    description: str
    location_code: str
    regency_code: str
    province_code: str
    min_education: int  # people.Education rank: a seeker qualifies at or above it
    industry: str
    job_type: str
    salary_min: int
    salary_max: int
    posted_at: datetime
    expires_at: datetime
    apply_url: str

    def content_hash(self) -> str:
        """SHA-256 of the content: equal for a re-push of the same vacancy, whatever its offsets."""
        content = {name: getattr(self, name) for name in _FIELDS}
        content["posted_at"] = self.posted_at.isoformat()
        content["expires_at"] = self.expires_at.isoformat()
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


_FIELDS = tuple(f.name for f in fields(Listing))


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an item is not taken in."""

    error: ErrorCode
    detail: str


def vacancy_id_of(item: Any) -> str | None:
    """The item's vacancy_id when it has a usable one (to name it in its result)."""
    if isinstance(item, Mapping):
        value = item.get("vacancy_id")
        if isinstance(value, str) and _VACANCY_ID.fullmatch(value):
            return value
    return None


def describe(exc: ValidationError, limit: int = 3) -> str:
    """The first few problems of a validation error, each naming its field."""
    parts = []
    for problem in exc.errors()[:limit]:
        where = ".".join(str(p) for p in problem.get("loc", ())) or "item"
        parts.append(f"{where}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts)


def judge(item: Any, now: datetime, model: type[BaseModel] = Vacancy) -> Listing | Refusal:
    """The listing to store for one item, or why it is refused (checks in the module's order)."""
    if not isinstance(item, Mapping):
        return Refusal(err.VACANCY_INVALID, "each vacancy must be a JSON object")
    try:
        parsed = model.model_validate(item)
    except ValidationError as exc:
        return Refusal(err.VACANCY_INVALID, describe(exc))
    assert isinstance(parsed, Vacancy)
    return check(parsed, now)


def check(vacancy: Vacancy, now: datetime) -> Listing | Refusal:
    """The rules beyond the schema, on a parsed vacancy."""
    location = vacancy.location
    if regions.is_district(location):
        regency = location[:5]
    elif regions.is_regency(location):
        regency = location
    else:
        return Refusal(err.LOCATION_UNKNOWN, f"location {location!r} is not on the list.")
    if vacancy.salary_min > vacancy.salary_max:
        return Refusal(err.SALARY_RANGE_INVALID, "salary_min is greater than salary_max.")
    posted = vacancy.posted_at.astimezone(UTC)
    expires = vacancy.expires_at.astimezone(UTC)
    if posted > now + POSTED_AT_SKEW:
        return Refusal(err.VACANCY_DATES_INVALID, "posted_at is in the future.")
    if expires <= posted:
        return Refusal(err.VACANCY_DATES_INVALID, "expires_at must be after posted_at.")
    if expires - posted > timedelta(days=MAX_LISTING_DAYS):
        return Refusal(
            err.VACANCY_DATES_INVALID,
            f"expires_at is more than {MAX_LISTING_DAYS} days after posted_at.",
        )
    if expires <= now:
        return Refusal(err.VACANCY_EXPIRED, "expires_at has passed.")
    return Listing(
        vacancy_id=vacancy.vacancy_id,
        title=vacancy.title,
        company=vacancy.company,
        description=vacancy.description,
        location_code=location,
        regency_code=regency,
        province_code=location[:2],
        min_education=Education[vacancy.min_education.value].value,
        industry=vacancy.industry.value,
        job_type=vacancy.job_type.value,
        salary_min=vacancy.salary_min,
        salary_max=vacancy.salary_max,
        posted_at=posted,
        expires_at=expires,
        apply_url=vacancy.apply_url,
    )


# --- words ----------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-case ASCII words of ``text`` (accents folded, punctuation a separator), in order."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [word[:MAX_TERM_LENGTH] for word in _WORD.findall(folded)]


def terms(listing: Listing) -> list[str]:
    """The words a vacancy is found by: its title's and its company's, each once."""
    found = dict.fromkeys(words(listing.title) + words(listing.company))
    return list(found)[:MAX_TERMS]


def query_words(q: str | None) -> list[str] | None:
    """The words of a search query (each once); None when it has none; ValueError past
    ``MAX_QUERY_WORDS``."""
    if q is None:
        return None
    found = list(dict.fromkeys(words(q)))
    if len(found) > MAX_QUERY_WORDS:
        raise ValueError(f"q has more than {MAX_QUERY_WORDS} words")
    return found or None


def prefix_bounds(word: str) -> tuple[str, str]:
    """``lo <= term < hi`` holds exactly for the terms that start with ``word`` (byte order)."""
    return word, word[:-1] + chr(ord(word[-1]) + 1)


# --- pages ------------------------------------------------------------------------------------


def encode_cursor(posted_at: datetime, key: int) -> str:
    """The position after a vacancy in newest-first order, as an opaque text."""
    micros = int(posted_at.astimezone(UTC).timestamp() * 1_000_000)
    raw = f"v1:{micros}:{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The position ``encode_cursor`` made, or None when ``cursor`` is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, micros, key = raw.split(":")
        if version != "v1" or not (micros.isdigit() and key.isdigit()):
            return None
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros))
        if not datetime(2000, 1, 1, tzinfo=UTC) <= moment < datetime(2100, 1, 1, tzinfo=UTC):
            return None
        return moment, int(key)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
        return None


# --- recommendations --------------------------------------------------------------------------

INDUSTRY_POINTS = 2  # the industry of a course the applicant finished
REGENCY_POINTS = 3  # in the applicant's regency or city (the province goes with it)
PROVINCE_POINTS = 1  # elsewhere in the applicant's province


class Place(Enum):
    """Where a vacancy is, seen from the applicant."""

    REGENCY = "regency"
    PROVINCE = "province"  # the province, outside the regency
    ELSEWHERE = "elsewhere"


@dataclass(frozen=True, slots=True)
class Seeker:
    """What the ranking knows of an applicant."""

    region_code: str  # district PP.RR.DD
    education: int  # people.Education rank
    industries: frozenset[str]  # of the courses finished

    @property
    def regency_code(self) -> str:
        return self.region_code[:5]

    @property
    def province_code(self) -> str:
        return self.region_code[:2]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A live vacancy the seeker qualifies for, as the ranking sees it."""

    key: int
    industry: str
    regency_code: str
    province_code: str
    posted_at: datetime


@dataclass(frozen=True, slots=True)
class Tier:
    """Candidates with one combination of industry match and place: all score the same."""

    course_industry: bool
    place: Place


def place_of(candidate: Candidate, seeker: Seeker) -> Place:
    """The candidate's place relative to the seeker."""
    if candidate.regency_code == seeker.regency_code:
        return Place.REGENCY
    if candidate.province_code == seeker.province_code:
        return Place.PROVINCE
    return Place.ELSEWHERE


def score(candidate: Candidate, seeker: Seeker) -> tuple[int, list[MatchReason]]:
    """Points and the reasons that earned them."""
    points, reasons = 0, []
    if candidate.industry in seeker.industries:
        points += INDUSTRY_POINTS
        reasons.append(MatchReason.COURSE_INDUSTRY)
    place = place_of(candidate, seeker)
    if place is Place.REGENCY:
        points += REGENCY_POINTS
        reasons.append(MatchReason.SAME_REGENCY)
    elif place is Place.PROVINCE:
        points += PROVINCE_POINTS
        reasons.append(MatchReason.SAME_PROVINCE)
    return points, reasons


def tiers(seeker: Seeker) -> list[Tier]:
    """Every tier a candidate can fall in (without industry tiers when no course is finished).

    Each tier's newest ``limit`` candidates together hold the overall best ``limit``: within a
    tier the score is equal, so only recency orders it.
    """
    matches = (True, False) if seeker.industries else (False,)
    return [Tier(match, place) for match in matches for place in Place]


def rank(
    candidates: Iterable[Candidate], seeker: Seeker, limit: int
) -> list[tuple[Candidate, int, list[MatchReason]]]:
    """The best ``limit`` candidates: highest score, then newest, then highest key."""
    unique = {candidate.key: candidate for candidate in candidates}.values()
    scored = [(candidate, *score(candidate, seeker)) for candidate in unique]
    scored.sort(key=lambda row: (-row[1], -row[0].posted_at.timestamp(), -row[0].key))
    return scored[:limit]
