"""The verification pipeline end to end: real server, real simulators, over HTTP.

Each person fails exactly one check (or none) and must end with that reason. The people a second
one depends on (the first account of a NIK, the owner of a face, two members of a family card)
are verified first, so which of a pair is refused is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from contract.population import Case
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    AuditEvent,
    Beneficiary,
    Card,
    KkSlot,
    NikClaim,
    Wave,
    utcnow,
)
from tests.reference_server.people import (
    Sandbox,
    person,
    register,
    same_face,
    sandbox,
    second_account,
    verify_jobs_when_settled,
    wait_for_verdicts,
)

SINGLE_CASES = (
    Case.ELIGIBLE,
    Case.NIK_NOT_FOUND,
    Case.DATA_MISMATCH,
    Case.LIVENESS_FAILED,
    Case.FACE_MISMATCH,
    Case.UNDERAGE,
    Case.STUDENT,
    Case.OFFICIAL,
    Case.SOCIAL_ASSISTANCE,
)


def open_wave(box: Sandbox, scheme: str) -> None:
    """A wave open now (as the admin API would create it), so the rules run under ``scheme``."""
    now = utcnow()
    with transaction(box.runtime.sessions) as session:
        session.add(
            Wave(
                wave_code=f"W-{scheme}",
                quota=10,
                scheme=scheme,
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(hours=1),
            )
        )


def past_card(box: Sandbox, row: dict[str, str], status: str) -> None:
    """A card this NIK held in an earlier year (what the bulk loader writes)."""
    with transaction(box.runtime.sessions) as session:
        holder = Beneficiary(
            user_id=f"past-{row['nik']}",
            nik=row["nik"],
            name=row["name"],
            birth_date=utcnow().date().replace(year=1990),
            sex=row["sex"],
            education=3,
            phone_number=row["phone"],
            email=row["email"],
        )
        session.add(holder)
        session.flush()
        session.add(
            Card(
                beneficiary_id=holder.id,
                card_number=f"5{row['nik'][1:]}",
                scheme="semi_bansos",
                status=status,
                balance=0,
            )
        )


def test_every_case_ends_with_its_reason(new_database: Callable[[], str], tmp_path: Path) -> None:
    singles = [person(case) for case in SINGLE_CASES]
    revoked, past = person(), person()
    owner = person()  # the first account of a NIK and the owner of a face
    family = [person(kk="3171019999990001"), person(kk="3171019999990001")]
    third = person(Case.KK_LIMIT, kk="3171019999990001")
    again, lookalike = second_account(owner), same_face(owner)
    first_wave = [*singles, revoked, past, owner, *family]
    rows = [*first_wave, again, lookalike, third]

    with sandbox(rows, new_database(), tmp_path / "server.log", worker_threads="2") as box:
        open_wave(box, "semi_bansos")  # DTKS recipients are ineligible under it
        past_card(box, revoked, "revoked")
        past_card(box, past, "active")
        applicants = [register(box.http, row) for row in first_wave]
        verdicts = wait_for_verdicts(applicants, timeout=30)
        assert len(verdicts) == len(applicants), "some applicants never concluded"
        later = [register(box.http, row) for row in (again, lookalike, third)]
        verdicts |= wait_for_verdicts(later, timeout=30)
        assert len(verdicts) == len(rows)

        expected = {
            **{a.account_id: r["case"] for a, r in zip(applicants, first_wave, strict=True)},
            **{a.account_id: r["case"] for a, r in zip(later, rows[-3:], strict=True)},
        }
        expected[applicants[len(singles)].account_id] = Case.REVOKED.value
        expected[applicants[len(singles) + 1].account_id] = Case.PAST_BENEFICIARY.value
        got = {account: status["reason"] or status["stage"] for account, status in verdicts.items()}
        assert got == expected
        for status in verdicts.values():
            assert (status["stage"] == "ELIGIBLE") == (status["reason"] is None)
            assert (status["reason_message"] is None) == (status["reason"] is None)

        jobs = verify_jobs_when_settled(box.runtime)
        assert [job.status for job in jobs] == ["done"] * len(rows)
        with box.runtime.sessions() as session:
            slots = session.scalars(select(KkSlot.slot).where(KkSlot.kk == "3171019999990001"))
            assert sorted(slots) == [1, 2]
            assert session.scalar(select(func.count()).select_from(NikClaim)) == len(rows) - 4 - 1
            audited = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "verified", AuditEvent.actor == "verification")
            )
            assert audited == len(rows)

        # An eligible applicant joins the open wave; twice is refused.
        eligible = applicants[0]
        joined = eligible.post("/wave/join")
        assert joined.status_code == 200, joined.text
        assert joined.json()["data"]["wave_code"] == "W-semi_bansos"
        assert eligible.status()["stage"] == "JOINED"
        assert eligible.status()["wave_code"] == "W-semi_bansos"
        assert eligible.post("/wave/join").json()["code"] == "ERRREG40907"
        refused = applicants[1].post("/wave/join")  # NIK_NOT_FOUND
        assert refused.json()["code"] == "ERRREG40906"


def test_a_join_under_a_stricter_scheme_reapplies_the_rules(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    """Verified under `normal` (DTKS allowed), joining a `semi_bansos` wave: refused with the
    reason recorded, the family-card slot freed."""
    recipient, other = person(Case.SOCIAL_ASSISTANCE), person()
    with sandbox([recipient, other], new_database(), tmp_path / "server.log") as box:
        applicants = [register(box.http, row) for row in (recipient, other)]
        verdicts = wait_for_verdicts(applicants, timeout=20)
        assert {s["stage"] for s in verdicts.values()} == {"ELIGIBLE"}  # normal: no exclusion
        assert error_code(applicants[0].post("/wave/join")) == "ERRREG40905"  # no wave yet
        open_wave(box, "semi_bansos")
        assert error_code(applicants[0].post("/wave/join")) == "ERRREG40906"
        status = applicants[0].status()
        assert (status["stage"], status["reason"]) == ("INELIGIBLE", "SOCIAL_ASSISTANCE")
        with box.runtime.sessions() as session:
            assert session.scalar(select(KkSlot.slot).where(KkSlot.kk == recipient["kk"])) is None
        assert applicants[1].post("/wave/join").status_code == 200


def error_code(answer: object) -> str:
    return str(answer.json()["code"])  # type: ignore[attr-defined]
