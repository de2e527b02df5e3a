"""Sandbox fixtures, seeded idempotently: a shared catalogue, and per partner its own test data.

Every DP gets its own test beneficiaries (cards and balances), so that one DP's test runs never
drain another's; every LP gets its own courses (self-paced and webinar) and ``PRAT-`` redeem codes
for the standard test cases, since an LP may only see codes of its own courses. Running the seed
again changes nothing but dates that time has overtaken (an "open" schedule whose start passed
moves forward again).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contract.attendance import TEST_CODE_PREFIX, RedeemStatus
from contract.taxonomy import Industry
from reference_server import audit
from reference_server.domain.people import Education
from reference_server.keys import KeyBox, new_sign_key
from reference_server.refunds import undo_purchase
from reference_server.storage.tables import (
    Assignment,
    Attendance,
    Beneficiary,
    Card,
    Course,
    LedgerEntry,
    Partner,
    RedeemCode,
    Schedule,
    TrainingResult,
    Transaction,
    VerificationLink,
    utcnow,
)

ACTOR = "sandbox-seed"
BUILTIN_DP = "sandbox-dp"
BUILTIN_LP = "sandbox-lp"


@dataclass(frozen=True)
class PersonFixture:
    slot: str
    name: str
    age: int
    sex: str
    education: Education
    scheme: str
    balance: int
    card_status: str
    purpose: str


DP_PEOPLE = (
    PersonFixture(
        "normal-1",
        "user skema normal 1",
        30,
        "M",
        Education.S1,
        "normal",
        3_500_000,
        "active",
        "happy path",
    ),
    PersonFixture(
        "normal-2",
        "user skema normal 2",
        27,
        "F",
        Education.SMA,
        "normal",
        3_500_000,
        "active",
        "happy path, concurrency",
    ),
    PersonFixture(
        "semi-bansos",
        "user skema semi bansos",
        24,
        "F",
        Education.SMA,
        "semi_bansos",
        1_000_000,
        "active",
        "Rp1,000,000 balance",
    ),
    PersonFixture(
        "low-balance",
        "user saldo rendah",
        35,
        "M",
        Education.SMA,
        "normal",
        100_000,
        "active",
        "ERRPLT40009 balance",
    ),
    PersonFixture(
        "revoked",
        "user kartu dicabut",
        29,
        "M",
        Education.SMA,
        "normal",
        3_500_000,
        "revoked",
        "ERRPLT40008 card not active",
    ),
    PersonFixture(
        "young",
        "user usia 19",
        19,
        "F",
        Education.S1,
        "normal",
        3_500_000,
        "active",
        "ERRPLT40005 on SBX-LANJUTAN (min age 21)",
    ),
    PersonFixture(
        "primary-school",
        "user lulusan SD",
        40,
        "M",
        Education.SD,
        "normal",
        3_500_000,
        "active",
        "ERRPLT40006 on SBX-LANJUTAN (min D3)",
    ),
)


@dataclass(frozen=True)
class CourseFixture:
    suffix: str
    title: str
    method: str
    sessions: int
    price: int
    min_age: int
    min_education: Education
    category: Industry
    duration_hours: int
    description: str


CATALOGUE = (
    CourseFixture(
        "MANDIRI",
        "Pemasaran Digital untuk UMKM (mandiri)",
        "self_paced",
        1,
        500_000,
        18,
        Education.SD,
        Industry.SALES_MARKETING,
        6,
        "Sandbox fixture: memasarkan produk UMKM lewat media sosial dan marketplace.",
    ),
    CourseFixture(
        "WEBINAR",
        "Dasar Akuntansi (webinar)",
        "webinar",
        4,
        1_000_000,
        18,
        Education.SD,
        Industry.FINANCE,
        8,
        "Sandbox fixture: pencatatan keuangan usaha kecil dalam empat sesi webinar.",
    ),
    CourseFixture(
        "LANJUTAN",
        "Analisis Data Lanjutan (mandiri)",
        "self_paced",
        1,
        750_000,
        21,
        Education.D3,
        Industry.IT,
        10,
        "Sandbox fixture: mengolah dan memvisualkan data dengan spreadsheet dan SQL.",
    ),
)
SCHEDULE_KINDS = {
    "OPEN": "starts in 30 days, 999,980 seats",
    "FULL": "no seats left (ERRPLT40004)",
    "STARTED": "started yesterday (ERRPLT40003)",
}
OPEN_SEATS = 999_980


@dataclass(frozen=True)
class TestCase:
    case: str
    course: str  # MANDIRI | WEBINAR
    verified: tuple[int, ...]
    voided: bool
    expect: str


TEST_CASES = (
    TestCase("TC1-001-200", "MANDIRI", (), False, "positive: self-paced, redeem (sequence 1)"),
    TestCase(
        "TC1-999-200", "MANDIRI", (1,), False, "positive: self-paced, post-test (sequence 999)"
    ),
    TestCase("TC2-001-200", "WEBINAR", (), False, "positive: webinar, redeem (sequence 1)"),
    TestCase(
        "TC2-999-200", "WEBINAR", (1, 2, 3, 4), False, "positive: webinar, post-test (sequence 999)"
    ),
    TestCase(
        "TC1-002-400",
        "MANDIRI",
        (1,),
        False,
        "negative: sequence 2 on a self-paced course -> ERRRDM40002",
    ),
    TestCase(
        "TC2-999-400",
        "WEBINAR",
        (1,),
        False,
        "negative: post-test before sessions 2-4 -> ERRRDM40003",
    ),
    TestCase("TC3-001-400", "MANDIRI", (), True, "negative: purchase voided -> ERRRDM40008"),
)
POSITIVE_CASES = frozenset(t.case for t in TEST_CASES if t.case.endswith("-200"))
REGENCIES = ("317101", "327301", "337401", "357801", "517101", "647201", "737101", "127101")


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("|".join(parts).encode()).digest()


def _digits(seed: bytes, n: int) -> str:
    return str(int.from_bytes(seed, "big")).zfill(n)[-n:]


def redeem_code_for(client_code: str, case: str, attempt: int = 0) -> str:
    """The deterministic PRAT- code of one test case of one LP."""
    tail = base64.b32encode(_digest(client_code, case, str(attempt))).decode()[:6]
    return f"{TEST_CODE_PREFIX}{tail}"


def _birth_date(age: int, seed: bytes, today: date) -> date:
    return today.replace(year=today.year - age) - timedelta(days=30 + seed[0] % 200)


def _nik(birth: date, sex: str, seed: bytes) -> str:
    day = birth.day + (40 if sex == "F" else 0)
    region = REGENCIES[seed[1] % len(REGENCIES)]
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{_digits(seed[2:8], 4)}"


def _unique(session: Session, column: Any, make: Any) -> str:
    for attempt in range(50):
        value = make(attempt)
        if session.scalar(select(column).where(column == value)) is None:
            return str(value)
    raise RuntimeError(f"could not find a free value for {column}")


def ensure_builtin_partners(session: Session, keys: KeyBox) -> None:
    """The built-in DP and LP that own the shared catalogue and fixture purchases."""
    for code, role, name in (
        (BUILTIN_DP, "dp", "Sandbox Marketplace"),
        (BUILTIN_LP, "lp", "LPK Sandbox"),
    ):
        if session.scalar(select(Partner).where(Partner.client_code == code)) is None:
            session.add(
                Partner(
                    client_code=code,
                    name=name,
                    role=role,
                    sign_key_enc=keys.seal(new_sign_key()),
                    builtin=True,
                )
            )
            audit.record(session, "partner", code, "created", ACTOR, role=role)
    session.flush()


def _person(session: Session, owner: Partner, spec: PersonFixture, now: datetime) -> Beneficiary:
    existing = session.scalar(
        select(Beneficiary).where(
            Beneficiary.fixture_of == owner.id, Beneficiary.fixture_slot == spec.slot
        )
    )
    if existing is not None:
        return existing
    seed = _digest(owner.client_code, spec.slot)
    birth = _birth_date(spec.age, seed, now.date())
    nik = _unique(
        session,
        Beneficiary.nik,
        lambda a: _nik(birth, spec.sex, _digest(owner.client_code, spec.slot, str(a))),
    )
    person = Beneficiary(
        user_id=_unique(
            session, Beneficiary.user_id, lambda a: "USR" + _digits(_digest(nik, str(a)), 12)
        ),
        nik=nik,
        name=spec.name,
        birth_date=birth,
        sex=spec.sex,
        education=int(spec.education),
        phone_number="0812" + _digits(seed[8:16], 8),
        email=f"{spec.slot}.{owner.client_code}@sandbox.prakerja.test".lower(),
        fixture_of=owner.id,
        fixture_slot=spec.slot,
    )
    session.add(person)
    session.flush()
    card = Card(
        beneficiary_id=person.id,
        card_number=_unique(
            session, Card.card_number, lambda a: "9" + _digits(_digest(nik, "card", str(a)), 15)
        ),
        scheme=spec.scheme,
        status=spec.card_status,
        balance=spec.balance,
    )
    session.add(card)
    session.flush()
    session.add(
        LedgerEntry(
            card_id=card.id,
            amount=spec.balance,
            kind="grant",
            reference=f"scheme:{spec.scheme}",
            actor=ACTOR,
        )
    )
    audit.record(
        session,
        "card",
        card.card_number,
        "issued",
        ACTOR,
        scheme=spec.scheme,
        status=spec.card_status,
    )
    return person


def _course(
    session: Session, lp: Partner, code: str, spec: CourseFixture, *, listed: bool = False
) -> Course:
    """A fixture course; ``listed``: in the public catalogue (the shared SBX- courses only)."""
    course = session.scalar(select(Course).where(Course.course_code == code))
    if course is None:
        course = Course(
            course_code=code,
            lp_id=lp.id,
            title=spec.title,
            method=spec.method,
            sessions=spec.sessions,
            price=spec.price,
            min_age=spec.min_age,
            max_age=None,
            min_education=int(spec.min_education),
        )
        session.add(course)
        session.flush()
        audit.record(session, "course", code, "created", ACTOR, method=spec.method)
    if course.category is None:  # new, or seeded before the catalogue existed
        course.category = spec.category.value
        course.description = spec.description
        course.duration_hours = spec.duration_hours
        course.listed = listed
    return course


def _schedule(session: Session, course: Course, code: str, kind: str, now: datetime) -> Schedule:
    schedule = session.scalar(select(Schedule).where(Schedule.schedule_code == code))
    if kind == "OPEN":
        start, seats = now + timedelta(days=30), OPEN_SEATS
    elif kind == "FULL":
        start, seats = now + timedelta(days=30), 0
    else:  # STARTED or RUNNING
        start, seats = now - timedelta(days=1), OPEN_SEATS
    if schedule is None:
        schedule = Schedule(
            schedule_code=code,
            course_id=course.id,
            start_at=start,
            end_at=start + timedelta(days=30),
            capacity=max(seats, 30),
            quota=seats,
        )
        session.add(schedule)
        session.flush()
    elif (kind in ("OPEN", "FULL") and schedule.start_at < now + timedelta(days=1)) or (
        kind in ("STARTED", "RUNNING") and schedule.start_at > now
    ):
        schedule.start_at, schedule.end_at = start, start + timedelta(days=30)
    return schedule


def ensure_catalogue(session: Session, now: datetime) -> None:
    """The shared catalogue of the built-in LP that every DP can buy from."""
    lp = session.scalars(select(Partner).where(Partner.client_code == BUILTIN_LP)).one()
    for spec in CATALOGUE:
        course = _course(session, lp, f"SBX-{spec.suffix}", spec, listed=True)
        for kind in SCHEDULE_KINDS:
            _schedule(session, course, f"SBX-{spec.suffix}-{kind}", kind, now)


def ensure_dp_fixtures(session: Session, dp: Partner, now: datetime) -> None:
    """A DP's own test beneficiaries."""
    for spec in DP_PEOPLE:
        _person(session, dp, spec, now)


def ensure_lp_fixtures(session: Session, lp: Partner, now: datetime) -> None:
    """An LP's own courses, running schedules and PRAT- codes for every test case."""
    dp = session.scalars(select(Partner).where(Partner.client_code == BUILTIN_DP)).one()
    courses: dict[str, tuple[Course, Schedule]] = {}
    for spec in CATALOGUE[:2]:
        code = f"{lp.client_code}-{spec.suffix}".upper()
        course = _course(session, lp, code, spec)
        courses[spec.suffix] = (
            course,
            _schedule(session, course, f"{code}-RUNNING", "RUNNING", now),
        )
    for case in TEST_CASES:
        if session.scalar(
            select(RedeemCode).where(
                RedeemCode.test_case == case.case,
                RedeemCode.course_id.in_([c.id for c, _ in courses.values()]),
            )
        ):
            continue
        course, schedule = courses[case.course]
        person = _person(
            session,
            lp,
            PersonFixture(
                case.case,
                f"peserta {case.case}",
                30,
                "F",
                Education.SMA,
                "normal",
                3_500_000,
                "active",
                case.expect,
            ),
            now,
        )
        card = session.scalars(select(Card).where(Card.beneficiary_id == person.id)).one()
        code = _unique(
            session, RedeemCode.code, lambda a, c=case.case: redeem_code_for(lp.client_code, c, a)
        )
        txn = Transaction(
            transaction_code="FX" + _digits(_digest(code), 14),
            dp_id=dp.id,
            invoice_code=f"FIXTURE-{code}",
            invoice_url=f"https://sandbox.prakerja.test/invoice/{code}",
            user_platform_id=person.user_id,
            card_id=card.id,
            course_id=course.id,
            schedule_id=schedule.id,
            amount=course.price,
            status="VOIDED" if case.voided else "SUCCESS",
            voided_at=now if case.voided else None,
        )
        card.balance -= course.price
        session.add(txn)
        session.flush()
        session.add(
            LedgerEntry(
                card_id=card.id,
                amount=-course.price,
                kind="purchase",
                reference=txn.transaction_code,
                actor=ACTOR,
            )
        )
        if case.voided:
            card.balance += course.price
            session.add(
                LedgerEntry(
                    card_id=card.id,
                    amount=course.price,
                    kind="void",
                    reference=txn.transaction_code,
                    actor=ACTOR,
                )
            )
        redeem = RedeemCode(
            code=code,
            transaction_id=txn.id,
            course_id=course.id,
            status=RedeemStatus.NOT_REDEEMED,
            test_case=case.case,
        )
        session.add(redeem)
        session.flush()
        apply_test_case(session, redeem, case, now)
        audit.record(session, "redeem_code", code, "created", ACTOR, test_case=case.case)


def apply_test_case(session: Session, redeem: RedeemCode, case: TestCase, now: datetime) -> None:
    """Put a test code in its starting state (used at seeding and by reset)."""
    session.execute(delete(Attendance).where(Attendance.redeem_code_id == redeem.id))
    session.execute(delete(TrainingResult).where(TrainingResult.redeem_code_id == redeem.id))
    for sequence in case.verified:
        session.add(
            Attendance(redeem_code_id=redeem.id, sequence=sequence, via="fixture", verified_at=now)
        )
    redeem.email = None
    redeem.redeemed_at = now if case.verified else None
    if case.voided:
        redeem.status = RedeemStatus.VOIDED
    else:
        redeem.status = RedeemStatus.REDEEMED if case.verified else RedeemStatus.NOT_REDEEMED


def test_case_of(code: str) -> TestCase | None:
    """The test case a fixture code was made for, by its recorded name."""
    return next((t for t in TEST_CASES if t.case == code), None)


def ensure_partner_fixtures(
    session: Session, partner: Partner, now: datetime | None = None
) -> None:
    """The fixtures of one partner, by role."""
    now = now or utcnow()
    if partner.role == "dp":
        ensure_dp_fixtures(session, partner, now)
    elif partner.role == "lp":
        ensure_lp_fixtures(session, partner, now)
    # pmo (programme office): no fixtures of its own


def seed(session: Session, keys: KeyBox, now: datetime | None = None) -> None:
    """Everything the sandbox needs to be useful at start: built-ins, catalogue, each partner's set."""
    now = now or utcnow()
    ensure_builtin_partners(session, keys)
    ensure_catalogue(session, now)
    for partner in session.scalars(
        select(Partner).where(Partner.active.is_(True)).order_by(Partner.id)
    ):
        ensure_partner_fixtures(session, partner, now)


def describe(session: Session, client_code: str | None = None) -> dict[str, Any]:
    """The fixtures as data, for ``prakerja fixtures --json`` (no NIK: it is not needed to test)."""
    query = select(Partner).where(Partner.active.is_(True)).order_by(Partner.id)
    if client_code:
        query = query.where(Partner.client_code == client_code)
    partners = session.scalars(query).all()
    catalogue = []
    for course in session.scalars(
        select(Course).where(Course.course_code.like("SBX-%")).order_by(Course.id)
    ):
        schedules = session.scalars(
            select(Schedule).where(Schedule.course_id == course.id).order_by(Schedule.id)
        ).all()
        catalogue.append(
            {
                "course_code": course.course_code,
                "title": course.title,
                "method": course.method,
                "sessions": course.sessions,
                "price": course.price,
                "min_age": course.min_age,
                "min_education": Education(course.min_education).name,
                "schedules": [
                    {
                        "schedule_code": s.schedule_code,
                        "start_at": s.start_at.isoformat(),
                        "quota": s.quota,
                        "purpose": SCHEDULE_KINDS[s.schedule_code.rsplit("-", 1)[1]],
                    }
                    for s in schedules
                ],
            }
        )
    result: dict[str, Any] = {"catalogue": catalogue, "partners": []}
    purposes = {p.slot: p.purpose for p in DP_PEOPLE}
    for partner in partners:
        entry: dict[str, Any] = {
            "client_code": partner.client_code,
            "name": partner.name,
            "role": partner.role,
        }
        if partner.role == "dp":
            rows = session.execute(
                select(Beneficiary, Card)
                .join(Card, Card.beneficiary_id == Beneficiary.id)
                .where(Beneficiary.fixture_of == partner.id)
                .order_by(Beneficiary.id)
            ).all()
            entry["beneficiaries"] = [
                {
                    "slot": b.fixture_slot,
                    "prakerja_id": c.card_number,
                    "name": b.name,
                    "phone_number": b.phone_number,
                    "scheme": c.scheme,
                    "card_status": c.status,
                    "balance": c.balance,
                    "education": Education(b.education).name,
                    "birth_date": b.birth_date.isoformat(),
                    "purpose": purposes.get(b.fixture_slot or "", ""),
                }
                for b, c in rows
            ]
        elif partner.role == "lp":
            rows2 = session.execute(
                select(RedeemCode, Course)
                .join(Course, Course.id == RedeemCode.course_id)
                .where(Course.lp_id == partner.id, RedeemCode.test_case.is_not(None))
                .order_by(RedeemCode.id)
            ).all()
            cases = {t.case: t for t in TEST_CASES}
            entry["courses"] = sorted({c.course_code for _, c in rows2})
            entry["redeem_codes"] = [
                {
                    "test_case": r.test_case,
                    "redeem_code": r.code,
                    "course_code": c.course_code,
                    "method": c.method,
                    "resettable": r.test_case in POSITIVE_CASES,
                    "expect": cases[r.test_case].expect if r.test_case in cases else "",
                }
                for r, c in rows2
            ]
        result["partners"].append(entry)
    return result


@dataclass(frozen=True)
class ResetOutcome:
    """What a fixture reset put back."""

    cards: int
    purchases_voided: int
    redeem_codes: int


def reset_partner_fixtures(
    session: Session, partner: Partner, actor: str, now: datetime | None = None
) -> ResetOutcome:
    """Put a partner's own fixtures back as seeded, so that test runs can repeat.

    A DP's test cards: live purchases voided (seats returned), balance and card status back to
    their starting values through ledger entries. An LP's PRAT- codes: every test case back in its
    starting state, verification links and assignments removed.
    """
    now = now or utcnow()
    if partner.role == "dp":
        return _reset_dp(session, partner, actor, now)
    return _reset_lp(session, partner, actor, now)


def _reset_dp(session: Session, dp: Partner, actor: str, now: datetime) -> ResetOutcome:
    specs = {p.slot: p for p in DP_PEOPLE}
    rows = session.execute(
        select(Beneficiary.fixture_slot, Card)
        .join(Card, Card.beneficiary_id == Beneficiary.id)
        .where(Beneficiary.fixture_of == dp.id)
        .order_by(Card.id)
        .with_for_update(of=Card)
    ).all()
    voided = 0
    for slot, card in rows:
        spec = specs.get(slot or "")
        if spec is None:
            continue
        live = session.scalars(
            select(Transaction).where(
                Transaction.card_id == card.id, Transaction.status == "SUCCESS"
            )
        ).all()
        for txn in live:
            undo_purchase(session, txn, actor, now, reason="fixture reset")
            voided += 1
        session.refresh(card)  # the credits above were applied in SQL
        if card.balance != spec.balance:
            session.add(
                LedgerEntry(
                    card_id=card.id,
                    amount=spec.balance - card.balance,
                    kind="adjustment",
                    reference="fixture-reset",
                    actor=actor,
                    created_at=now,
                )
            )
            card.balance = spec.balance
        card.status = spec.card_status
        audit.record(session, "card", card.card_number, "reset", actor)
    return ResetOutcome(cards=len(rows), purchases_voided=voided, redeem_codes=0)


def _reset_lp(session: Session, lp: Partner, actor: str, now: datetime) -> ResetOutcome:
    codes = session.scalars(
        select(RedeemCode)
        .join(Course, Course.id == RedeemCode.course_id)
        .where(Course.lp_id == lp.id, RedeemCode.test_case.is_not(None))
        .order_by(RedeemCode.id)
        .with_for_update(of=RedeemCode)
    ).all()
    for code in codes:
        case = test_case_of(code.test_case or "")
        if case is None:
            continue
        session.execute(delete(VerificationLink).where(VerificationLink.redeem_code_id == code.id))
        session.execute(delete(Assignment).where(Assignment.redeem_code_id == code.id))
        apply_test_case(session, code, case, now)
        audit.record(session, "redeem_code", code.code, "reset", actor, test_case=case.case)
    return ResetOutcome(cards=0, purchases_voided=0, redeem_codes=len(codes))
