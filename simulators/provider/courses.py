"""A training provider's courses: generated from a seed, published for the platforms that carry it.

Each provider simulator teaches a few courses of its own (the programme's mix: mostly self-paced,
some webinars of a few live sessions; about six hours; priced in whole Rp50,000 steps up to the
semi-bansos balance), each with two schedules starting on the next days. What it publishes is
exactly what a platform submits to the catalogue (``contract.catalogue.SubmitCourseRequest``), in
each platform's own codes (``for_platform``): the catalogue sells a course through the platform
that submitted it, so a provider carried by three platforms lists each course three times.

It also knows the two courses the sandbox gives every LP as fixtures (decisions.md, *Fixtures*:
``<CLIENT_CODE>-MANDIRI``, self-paced, and ``<CLIENT_CODE>-WEBINAR``, four sessions), so that
the sandbox's ``PRAT-`` test codes and purchases of those courses can be taken here too; those
are already in the sandbox and are not published for submission.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from contract.catalogue import Method, ScheduleSpec, SubmitCourseRequest
from contract.registration import Education
from contract.taxonomy import Industry

PRICE_STEP = 50_000
MAX_PRICE = 1_000_000  # a semi-bansos card's whole balance
CAPACITY = 1_000
SCHEDULE_STARTS = (3, 17)  # days from today
START_TIME = time(2, 0, tzinfo=UTC)  # 09:00 WIB
FIXTURE_SESSIONS = {"MANDIRI": 1, "WEBINAR": 4}
PLATFORM_SEPARATOR = "."  # never in a provider's own codes

TITLES: dict[Industry, tuple[str, ...]] = {
    Industry.SALES_MARKETING: ("Pemasaran Digital untuk UMKM", "Teknik Penjualan Daring"),
    Industry.IT: ("Dasar Pemrograman Python", "Analisis Data dengan Spreadsheet"),
    Industry.CULINARY: ("Usaha Kue Rumahan", "Manajemen Dapur Restoran"),
    Industry.CREATIVE: ("Desain Grafis untuk Pemula", "Fotografi Produk dengan Ponsel"),
    Industry.FINANCE: ("Dasar Akuntansi Usaha Kecil", "Perpajakan untuk Pelaku UMKM"),
    Industry.ADMINISTRATION: ("Administrasi Perkantoran Modern", "Pengelolaan Arsip Digital"),
    Industry.LANGUAGE: ("Bahasa Inggris untuk Layanan Pelanggan", "Bahasa Jepang Dasar Kerja"),
    Industry.ENTREPRENEURSHIP: ("Memulai Usaha dari Rumah", "Perencanaan Bisnis Sederhana"),
    Industry.TOURISM: ("Pemandu Wisata Lokal", "Pelayanan Tamu Hotel"),
    Industry.AGRICULTURE: ("Budidaya Hidroponik", "Pemasaran Hasil Tani"),
}


@dataclass(frozen=True)
class CourseInfo:
    """What the provider needs of a course to teach it."""

    course_code: str
    title: str
    method: Method
    sessions: int  # 1 for a self-paced course


def _method(rng: random.Random, index: int) -> Method:
    if index == 0:
        return Method.SELF_PACED
    if index == 1:
        return Method.WEBINAR
    # The programme's mix: 71% self-paced (LMS), the rest live (webinar or hybrid).
    return Method.SELF_PACED if rng.random() < 0.71 else Method.WEBINAR


def _schedules(code: str, method: Method, sessions: int, today: date) -> list[ScheduleSpec]:
    length = timedelta(days=30) if method is Method.SELF_PACED else timedelta(weeks=sessions)
    schedules = []
    for days in SCHEDULE_STARTS:
        start = datetime.combine(today + timedelta(days=days), START_TIME)
        schedules.append(
            ScheduleSpec(
                schedule_code=f"{code}-{start:%Y%m%d}",
                start_at=start,
                end_at=start + length,
                capacity=CAPACITY,
            )
        )
    return schedules


def definitions(
    client_code: str, *, seed: int, count: int, today: date
) -> list[SubmitCourseRequest]:
    """The provider's own courses: the same for the same client code, seed and day."""
    rng = random.Random(f"{seed}:{client_code}:courses")
    industries = sorted(TITLES, key=lambda industry: industry.value)
    courses = []
    for index in range(count):
        industry = rng.choice(industries)
        title = rng.choice(TITLES[industry])
        method = _method(rng, index)
        sessions = 1 if method is Method.SELF_PACED else rng.randint(2, 5)
        code = f"{client_code}-K{index + 1:02d}"
        courses.append(
            SubmitCourseRequest(
                lp_client_code=client_code,
                course_code=code,
                title=title,
                description=f"{title}: pelatihan {'mandiri' if sessions == 1 else 'webinar'} "
                f"berbasis praktik dengan tugas praktik mandiri di setiap sesi dan unjuk "
                f"keterampilan di akhir.",
                category=industry,
                method=method,
                sessions=None if method is Method.SELF_PACED else sessions,
                duration_hours=rng.randint(2, 10),
                price=rng.randint(3, MAX_PRICE // PRICE_STEP) * PRICE_STEP,
                min_age=18,
                max_age=None,
                min_education=rng.choice((Education.SD, Education.SMP, Education.SMA)),
                schedules=_schedules(code, method, sessions, today),
            )
        )
    return courses


def for_platform(courses: list[SubmitCourseRequest], platform: str) -> list[SubmitCourseRequest]:
    """The courses as one platform lists them: a course sold on several platforms is one
    catalogue entry per platform, coded ``<provider's code>.<platform's client_code>`` (its
    schedules likewise), so that each platform sells it under a code of its own."""
    listed = []
    for course in courses:
        code = f"{course.course_code}{PLATFORM_SEPARATOR}{platform}"
        schedules = [
            s.model_copy(
                update={"schedule_code": code + s.schedule_code.removeprefix(course.course_code)}
            )
            for s in course.schedules
        ]
        listed.append(course.model_copy(update={"course_code": code, "schedules": schedules}))
    return listed


def base_code(course_code: str) -> str:
    """The provider's own code of a course, whichever platform's listing it came through."""
    return course_code.split(PLATFORM_SEPARATOR, 1)[0]


def info_of(course: SubmitCourseRequest) -> CourseInfo:
    """What the provider teaches of one of its published courses."""
    return CourseInfo(course.course_code, course.title, course.method, course.sessions or 1)


def fixture_courses(client_code: str) -> list[CourseInfo]:
    """The two fixture courses the sandbox gives every LP (not published for submission)."""
    return [
        CourseInfo(
            f"{client_code}-{suffix}".upper(),
            f"Pelatihan uji {suffix.lower()}",
            Method.SELF_PACED if sessions == 1 else Method.WEBINAR,
            sessions,
        )
        for suffix, sessions in FIXTURE_SESSIONS.items()
    ]
