"""Who may join a wave: the verification pipeline's order and its pure rules.

The pipeline stops at the first check a person fails, so the reason is unambiguous:

1. Dukcapil: the NIK is in the civil registry (NIK_NOT_FOUND), and the declared name, birth
   date and family card agree with it (DATA_MISMATCH);
2. biometrics liveness on the selfie (LIVENESS_FAILED);
3. the selfie is the face on the NIK's registry photo (FACE_MISMATCH);
4. the NIK is not another applicant's (DUPLICATE_NIK);
5. the face is not another applicant's (DUPLICATE_FACE);
6. the NIK never held a card: revoked (REVOKED) or any other (PAST_BENEFICIARY);
7. the rules on the registry's data: 18 or older on the day (UNDERAGE), not a student
   (STUDENT), not an official (OFFICIAL);
8. not a social-assistance (DTKS) recipient where the scheme excludes them (SOCIAL_ASSISTANCE);
9. a free slot of the two per family card (KK_LIMIT).

Steps 4, 5 and 9 are claims the database decides (unique keys), step 6 reads the card history;
this module holds the rest as plain functions of facts, a scheme and a day, so a join under a
wave of another scheme can re-apply steps 7-8 to the facts stored at verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from contract.government import NikVerifyResponse
from contract.population import (
    OCCUPATION_STUDENT,
    OFFICIAL_OCCUPATIONS,
    RECIPIENTS_PER_FAMILY_CARD,
    Case,
)
from contract.registration import EmploymentStatus
from reference_server.domain.people import age_on
from reference_server.domain.schemes import Scheme

ADULT_AGE = 18
KK_SLOTS = tuple(range(1, RECIPIENTS_PER_FAMILY_CARD + 1))
REVOKED_CARD = "revoked"
# The programme's day is Jakarta's (WIB, UTC+7, no daylight saving): ages turn at its midnight.
WIB = timezone(timedelta(hours=7), "WIB")

REASON_MESSAGES: dict[Case, str] = {
    Case.NIK_NOT_FOUND: "NIK tidak terdaftar di Dukcapil.",
    Case.DATA_MISMATCH: "Nama, tanggal lahir atau nomor KK tidak sesuai dengan data Dukcapil.",
    Case.LIVENESS_FAILED: "Swafoto tidak lolos uji keaslian (liveness).",
    Case.FACE_MISMATCH: "Wajah pada swafoto tidak sesuai dengan foto Dukcapil.",
    Case.DUPLICATE_NIK: "NIK sudah digunakan oleh akun lain.",
    Case.DUPLICATE_FACE: "Wajah sudah terdaftar dengan NIK lain.",
    Case.PAST_BENEFICIARY: "Anda pernah menerima Kartu Prakerja.",
    Case.REVOKED: "Kartu Prakerja Anda pernah dicabut.",
    Case.UNDERAGE: "Usia di bawah 18 tahun.",
    Case.STUDENT: "Sedang menempuh pendidikan formal.",
    Case.OFFICIAL: "Pejabat negara, ASN, TNI/Polri, perangkat desa atau direksi BUMN/BUMD.",
    Case.SOCIAL_ASSISTANCE: "Penerima bantuan sosial lain (DTKS) pada skema ini.",
    Case.KK_LIMIT: "Sudah ada dua penerima dari Kartu Keluarga yang sama.",
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules of steps 7-8 read: the registry's data and the applicant's declarations.

    ``birth_date`` is the registry's, which equals the declared one once step 1 passed.
    ``dtks`` is None while the DTKS answer is not in.
    """

    birth_date: date
    registry_occupation: str | None
    employment_status: str | None
    is_official: bool | None
    dtks: bool | None


def programme_day(moment: datetime) -> date:
    """The calendar day in Jakarta at ``moment`` (aware)."""
    return moment.astimezone(WIB).date()


def dukcapil_reason(answer: NikVerifyResponse) -> Case | None:
    """Step 1 from the registry's answer."""
    if not answer.found:
        return Case.NIK_NOT_FOUND
    if not (answer.name_match and answer.birth_date_match and answer.kk_match):
        return Case.DATA_MISMATCH
    return None


def person_reason(facts: Facts, today: date) -> Case | None:
    """Step 7: age, formal education, office; the registry and the declaration both count."""
    if age_on(facts.birth_date, today) < ADULT_AGE:
        return Case.UNDERAGE
    occupation = (facts.registry_occupation or "").strip().upper()
    if occupation == OCCUPATION_STUDENT or facts.employment_status == EmploymentStatus.STUDENT:
        return Case.STUDENT
    if occupation in OFFICIAL_OCCUPATIONS or facts.is_official:
        return Case.OFFICIAL
    return None


def needs_dtks(facts: Facts, today: date) -> bool:
    """Whether step 8 still waits for the DTKS answer (asked once step 7 passed, whatever the
    scheme, so that a join under another scheme can re-apply the rules without asking again)."""
    return facts.dtks is None and person_reason(facts, today) is None


def rules_reason(facts: Facts, scheme: Scheme, today: date) -> Case | None:
    """Steps 7-8: the first rule the person fails under ``scheme`` on ``today``, or None.

    A missing DTKS answer counts as not a recipient: callers ask DTKS first (``needs_dtks``).
    """
    reason = person_reason(facts, today)
    if reason is not None:
        return reason
    if facts.dtks and scheme.excludes_social_assistance:
        return Case.SOCIAL_ASSISTANCE
    return None


def history_reason(card_statuses: list[str]) -> Case | None:
    """Step 6 from the statuses of the cards the NIK ever held."""
    if not card_statuses:
        return None
    return Case.REVOKED if REVOKED_CARD in card_statuses else Case.PAST_BENEFICIARY


def scheme_for(
    wave_scheme: str | None, open_wave_scheme: str | None, schemes: dict[str, Scheme], year: int
) -> Scheme:
    """The scheme the rules run under: the applicant's wave's, else the open wave's, else the
    one in force in ``year`` (the newest if several claim it); LookupError if none does."""
    for name in (wave_scheme, open_wave_scheme):
        if name is not None and name in schemes:
            return schemes[name]
    in_force = [s for s in schemes.values() if s.applies_to(year)]
    if not in_force:
        raise LookupError(f"no scheme is in force in {year}")
    return max(in_force, key=lambda s: s.first_year)
