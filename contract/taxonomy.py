"""Shared vocabularies: the industries courses teach for and vacancies are in, and job types.

One list serves the course catalogue (a course's category) and the job portals' vacancies (the
industry of a job), so that a finished course can recommend vacancies of its industry.
"""

from __future__ import annotations

from enum import StrEnum


class Industry(StrEnum):
    """Industry of a vacancy, and the field a course prepares for."""

    SALES_MARKETING = "penjualan_pemasaran"
    IT = "teknologi_informasi"
    CULINARY = "kuliner"
    CREATIVE = "industri_kreatif"
    MANUFACTURING = "manufaktur"
    AGRICULTURE = "pertanian"
    TOURISM = "pariwisata_perhotelan"
    FINANCE = "keuangan_akuntansi"
    HEALTH = "kesehatan"
    CONSTRUCTION = "konstruksi"
    TRANSPORT = "transportasi_logistik"
    EDUCATION = "pendidikan"
    ADMINISTRATION = "administrasi_perkantoran"
    LANGUAGE = "bahasa"
    ENTREPRENEURSHIP = "kewirausahaan"


class JobType(StrEnum):
    """How a vacancy employs."""

    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    CONTRACT = "contract"
    INTERNSHIP = "internship"
    FREELANCE = "freelance"
