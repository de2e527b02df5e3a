"""The synthetic population file: the columns every part reads and the ground-truth case labels.

One person per line of a CSV file with a header row. The generator (``simulators.population``)
writes it; the government simulators answer from it; the end-to-end tests drive registrations
from it; the reference server's bulk loader reads the programme's past beneficiaries from it.
They meet at this definition, never by importing each other.

The file describes each person twice where it matters: as the civil registry knows them
(``name``, ``birth_date``, ``face_id``…) and as the applicant declares them when registering
(``declared_name``); the two differ only for ``DATA_MISMATCH``. ``case`` is the ground truth:
the one outcome the verification pipeline must reach for this person.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Case(StrEnum):
    """What the verification pipeline must conclude about a person: eligible, or one reason.

    Every ineligible case fails exactly one check, so the pipeline's reason is unambiguous. For
    the cases that need a second person (``DUPLICATE_NIK``, ``DUPLICATE_FACE``, ``KK_LIMIT``)
    the label marks the extra person; which of the group the pipeline refuses depends on the
    order they are verified in, but how many it refuses does not.
    """

    ELIGIBLE = "ELIGIBLE"
    NIK_NOT_FOUND = "NIK_NOT_FOUND"  # the NIK is not in the civil registry
    DATA_MISMATCH = "DATA_MISMATCH"  # declared name differs from the registry's
    LIVENESS_FAILED = "LIVENESS_FAILED"  # the selfie is a spoof (photo of a photo, mask)
    FACE_MISMATCH = "FACE_MISMATCH"  # the selfie is not the face on the civil-registry photo
    DUPLICATE_NIK = "DUPLICATE_NIK"  # a second account for a NIK already registered
    DUPLICATE_FACE = "DUPLICATE_FACE"  # one face behind two NIKs
    SOCIAL_ASSISTANCE = "SOCIAL_ASSISTANCE"  # in DTKS; ineligible only where the scheme excludes
    UNDERAGE = "UNDERAGE"  # younger than 18
    STUDENT = "STUDENT"  # in formal education
    OFFICIAL = "OFFICIAL"  # official, civil servant, military, police, village apparatus, SOE
    PAST_BENEFICIARY = "PAST_BENEFICIARY"  # received a card in an earlier year
    REVOKED = "REVOKED"  # had a card revoked (no purchase within the deadline)
    KK_LIMIT = "KK_LIMIT"  # a third person of one family card


# Reasons the pipeline can give that no generated person is labelled with: they describe the
# sandbox's own state, not a person (a source that never answered is retried, not a reason).
INELIGIBLE_CASES = tuple(case for case in Case if case is not Case.ELIGIBLE)

# Cases the programme's own history decides: the bulk loader writes these people's earlier cards.
HISTORY_CASES = (Case.PAST_BENEFICIARY, Case.REVOKED)

# At most two beneficiaries per family card (KK): the third eligible member is KK_LIMIT.
RECIPIENTS_PER_FAMILY_CARD = 2

# Civil-registry occupation values (Dukcapil "jenis pekerjaan") the rules read.
OCCUPATION_STUDENT = "PELAJAR/MAHASISWA"
OFFICIAL_OCCUPATIONS = (
    "PEGAWAI NEGERI SIPIL",
    "TENTARA NASIONAL INDONESIA",
    "KEPOLISIAN RI",
    "KEPALA DESA",
    "PERANGKAT DESA",
    "DIREKSI BUMN/BUMD",
)

COLUMNS = (
    "nik",  # 16 digits: region (6), DDMMYY with +40 on the day for women (6), serial (4)
    "kk",  # family card number, 16 digits, same region prefix
    "name",  # as the civil registry has it
    "declared_name",  # as the applicant types it (differs only for DATA_MISMATCH)
    "sex",  # M | F
    "birth_date",  # ISO date
    "birth_place",
    "region_code",  # district code of the official list, "PP.RR.DD"
    "address",
    "rural",  # 1 | 0
    "phone",  # 08…
    "email",
    "education",  # SD SMP SMA D3 S1 S2 S3 (contract.registration.Education)
    "occupation",  # civil-registry occupation
    "employment_status",  # what the applicant declares (contract.registration.EmploymentStatus)
    "is_official",  # 1 | 0, the applicant's declaration
    "dtks",  # 1 | 0, in the social-assistance registry
    "face_id",  # the face on the civil-registry photo
    "selfie",  # the liveness token the applicant submits
    "selfie_face",  # the face in that selfie
    "selfie_live",  # 1 | 0
    "has_account",  # 1 | 0, holds a bank or e-wallet account
    "disability",  # 1 | 0
    "migrant_worker",  # 1 | 0, former migrant worker
    "case",  # ground truth: a Case value
)


def identity_of(row: Mapping[str, str]) -> dict[str, Any]:
    """The identity body (``POST registration/identity``) a row's person submits, as declared."""
    return {
        "nik": row["nik"],
        "kk": row["kk"],
        "name": row["declared_name"],
        "birth_place": row["birth_place"],
        "birth_date": row["birth_date"],
        "sex": row["sex"],
        "address": row["address"],
        "region_code": row["region_code"],
        "education": row["education"],
        "employment_status": row["employment_status"],
        "is_official": row["is_official"] == "1",
    }
