"""Realistic vacancies as an Indonesian job portal lists them, seeded and repeatable.

Company names come from Faker's ``id_ID`` provider (``PT Santoso Tbk``, ``CV Hartati``…); titles,
duties and requirements from the vocabulary below, per industry, in Indonesian; the place is a
district or regency of ``contract.regions``, drawn by province population (or a portal's own
regional focus); the salary starts near the province's minimum wage (UMP 2024) and grows with
the education asked and the kind of job, in whole rupiah rounded to Rp50,000.

The same seed gives the same vacancies in the same order, whatever the clock says; times are
given by the caller (``now``) so that posted_at never runs ahead of the real clock, however much
a test compresses time.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from faker import Faker

from contract import regions
from contract.registration import Education
from contract.taxonomy import Industry, JobType
from simulators.population.demographics import PROVINCE_POPULATION

# Approximately the provincial minimum wages of 2024 (UMP), rupiah per month.
UMP_2024: dict[str, int] = {
    "11": 3_460_672, "12": 2_809_915, "13": 2_811_449, "14": 3_294_625, "15": 3_037_121,
    "16": 3_456_874, "17": 2_507_079, "18": 2_716_497, "19": 3_640_000, "21": 3_279_194,
    "31": 5_067_381, "32": 2_057_495, "33": 2_036_947, "34": 2_125_897, "35": 2_165_244,
    "36": 2_727_812, "51": 2_813_672, "52": 2_444_067, "53": 2_186_826, "61": 2_702_616,
    "62": 3_261_616, "63": 3_282_812, "64": 3_360_858, "65": 3_361_653, "71": 3_545_000,
    "72": 2_736_698, "73": 3_434_298, "74": 2_885_964, "75": 3_025_100, "76": 2_914_958,
    "81": 2_949_953, "82": 3_200_000, "91": 3_393_000, "92": 3_393_000, "93": 4_024_270,
    "94": 4_024_270, "95": 4_024_270, "96": 3_393_000,
}  # fmt: skip

# Per industry: (title, least education) and the duties such a job lists.
TITLES: dict[Industry, tuple[tuple[str, Education], ...]] = {
    Industry.SALES_MARKETING: (
        ("Sales Lapangan", Education.SMA), ("Kasir", Education.SMA),
        ("Pramuniaga Toko", Education.SMP), ("Admin Penjualan Online", Education.SMA),
        ("Marketing Executive", Education.D3), ("Digital Marketing Specialist", Education.S1),
    ),
    Industry.IT: (
        ("Programmer Web", Education.D3), ("Staf IT Support", Education.SMA),
        ("Data Analyst", Education.S1), ("Mobile Developer", Education.S1),
        ("Teknisi Jaringan", Education.D3), ("Quality Assurance Tester", Education.D3),
    ),
    Industry.CULINARY: (
        ("Barista", Education.SMA), ("Koki", Education.SMA), ("Asisten Dapur", Education.SMP),
        ("Pelayan Restoran", Education.SMP), ("Baker", Education.SMA),
    ),
    Industry.CREATIVE: (
        ("Desainer Grafis", Education.D3), ("Video Editor", Education.SMA),
        ("Content Creator", Education.SMA), ("Fotografer", Education.SMA),
        ("Copywriter", Education.S1),
    ),
    Industry.MANUFACTURING: (
        ("Operator Produksi", Education.SMA), ("Quality Control", Education.D3),
        ("Teknisi Mesin", Education.SMA), ("Penjahit Garmen", Education.SMP),
        ("Staf PPIC", Education.D3),
    ),
    Industry.AGRICULTURE: (
        ("Pekerja Kebun", Education.SD), ("Mandor Perkebunan", Education.SMA),
        ("Penyuluh Pertanian", Education.D3), ("Operator Alat Pertanian", Education.SMP),
        ("Staf Peternakan", Education.SMA),
    ),
    Industry.TOURISM: (
        ("Resepsionis Hotel", Education.SMA), ("Housekeeping", Education.SMP),
        ("Pemandu Wisata", Education.SMA), ("Staf Reservasi", Education.D3),
        ("Bartender", Education.SMA),
    ),
    Industry.FINANCE: (
        ("Staf Akuntansi", Education.D3), ("Teller Bank", Education.D3),
        ("Admin Keuangan", Education.SMA), ("Analis Kredit", Education.S1),
        ("Staf Perpajakan", Education.S1),
    ),
    Industry.HEALTH: (
        ("Perawat", Education.D3), ("Asisten Apoteker", Education.SMA),
        ("Bidan", Education.D3), ("Caregiver Lansia", Education.SMA),
        ("Analis Laboratorium", Education.D3),
    ),
    Industry.CONSTRUCTION: (
        ("Tukang Bangunan", Education.SD), ("Drafter", Education.D3),
        ("Pengawas Lapangan", Education.SMA), ("Teknisi Listrik", Education.SMA),
        ("Estimator Proyek", Education.S1),
    ),
    Industry.TRANSPORT: (
        ("Kurir", Education.SMP), ("Sopir Truk", Education.SMP), ("Admin Gudang", Education.SMA),
        ("Staf Logistik", Education.D3), ("Helper Gudang", Education.SD),
    ),
    Industry.EDUCATION: (
        ("Guru Les Privat", Education.S1), ("Tutor Bahasa Inggris", Education.S1),
        ("Guru PAUD", Education.D3), ("Staf Tata Usaha Sekolah", Education.SMA),
    ),
    Industry.ADMINISTRATION: (
        ("Staf Administrasi", Education.SMA), ("Resepsionis Kantor", Education.SMA),
        ("Sekretaris", Education.D3), ("Data Entry", Education.SMA),
        ("Staf HRD", Education.S1),
    ),
    Industry.LANGUAGE: (
        ("Penerjemah", Education.S1), ("Customer Service Berbahasa Jepang", Education.D3),
        ("Instruktur Bahasa Mandarin", Education.S1),
    ),
    Industry.ENTREPRENEURSHIP: (
        ("Mitra Usaha Waralaba", Education.SMA), ("Staf Pengembangan UMKM", Education.S1),
        ("Reseller Produk", Education.SMP), ("Pengelola Toko Online", Education.SMA),
    ),
}  # fmt: skip

DUTIES: dict[Industry, tuple[str, ...]] = {
    Industry.SALES_MARKETING: (
        "mencapai target penjualan bulanan", "melayani dan menjaga hubungan dengan pelanggan",
        "membuat laporan penjualan harian", "mempromosikan produk di toko dan media sosial",
    ),
    Industry.IT: (
        "mengembangkan dan memelihara aplikasi", "menangani keluhan perangkat dan jaringan",
        "menulis dokumentasi teknis", "menguji fitur sebelum rilis",
    ),
    Industry.CULINARY: (
        "menyiapkan menu sesuai standar resep", "menjaga kebersihan dapur",
        "melayani pesanan pelanggan", "mengelola stok bahan baku",
    ),
    Industry.CREATIVE: (
        "membuat materi visual untuk kampanye", "menyunting video promosi",
        "mengelola konten media sosial", "berkoordinasi dengan tim pemasaran",
    ),
    Industry.MANUFACTURING: (
        "mengoperasikan mesin produksi sesuai SOP", "memeriksa mutu hasil produksi",
        "mencatat hasil produksi per shift", "merawat peralatan kerja",
    ),
    Industry.AGRICULTURE: (
        "merawat tanaman dan lahan", "mencatat hasil panen",
        "mengoperasikan alat pertanian", "membantu penyuluhan kepada petani",
    ),
    Industry.TOURISM: (
        "menyambut dan melayani tamu", "mengelola reservasi kamar",
        "menjaga kebersihan dan kerapian kamar", "memandu wisatawan di destinasi",
    ),
    Industry.FINANCE: (
        "mencatat transaksi keuangan harian", "menyusun laporan keuangan bulanan",
        "melayani nasabah di kantor cabang", "menganalisis kelayakan kredit",
    ),
    Industry.HEALTH: (
        "memberikan asuhan kepada pasien", "menyiapkan obat sesuai resep",
        "mencatat rekam medis", "mendampingi lansia dalam kegiatan sehari-hari",
    ),
    Industry.CONSTRUCTION: (
        "mengerjakan pekerjaan struktur dan finishing", "membuat gambar kerja",
        "mengawasi progres proyek harian", "memasang instalasi listrik",
    ),
    Industry.TRANSPORT: (
        "mengantar paket tepat waktu", "mengatur keluar masuk barang di gudang",
        "merawat kendaraan operasional", "mencatat stok barang",
    ),
    Industry.EDUCATION: (
        "mengajar sesuai kurikulum", "menyiapkan materi dan evaluasi belajar",
        "berkomunikasi dengan orang tua murid", "mengelola administrasi kelas",
    ),
    Industry.ADMINISTRATION: (
        "mengelola surat-menyurat dan arsip", "menginput data ke sistem",
        "menerima tamu dan telepon", "menyiapkan jadwal rapat",
    ),
    Industry.LANGUAGE: (
        "menerjemahkan dokumen bisnis", "melayani pelanggan mancanegara",
        "mengajar kelas bahasa", "mendampingi tamu asing",
    ),
    Industry.ENTREPRENEURSHIP: (
        "mengelola toko online dan pesanan", "mendampingi pelaku UMKM",
        "memasarkan produk kemitraan", "menyusun laporan usaha",
    ),
}  # fmt: skip

REQUIREMENTS = (
    "jujur, teliti dan bertanggung jawab", "mampu bekerja dalam tim",
    "bersedia bekerja dengan sistem shift", "berpengalaman minimal 1 tahun (fresh graduate dipersilakan)",
    "memiliki SIM C dan kendaraan sendiri", "komunikatif dan berpenampilan rapi",
    "menguasai Microsoft Office", "domisili dekat lokasi kerja",
)  # fmt: skip
BENEFITS = (
    "BPJS Kesehatan dan Ketenagakerjaan", "THR", "uang makan dan transport", "bonus bulanan",
    "pelatihan kerja", "jenjang karier yang jelas",
)  # fmt: skip
JOB_TYPE_WEIGHTS = {
    JobType.FULL_TIME: 55.0,
    JobType.CONTRACT: 25.0,
    JobType.PART_TIME: 10.0,
    JobType.INTERNSHIP: 6.0,
    JobType.FREELANCE: 4.0,
}
JOB_TYPE_PAY = {
    JobType.FULL_TIME: 1.05,
    JobType.CONTRACT: 1.0,
    JobType.PART_TIME: 0.55,
    JobType.INTERNSHIP: 0.45,
    JobType.FREELANCE: 0.8,
}
EDUCATION_PAY = {
    Education.SD: 0.9,
    Education.SMP: 0.95,
    Education.SMA: 1.0,
    Education.D3: 1.2,
    Education.S1: 1.5,
    Education.S2: 2.1,
    Education.S3: 2.8,
}
ROUND_TO = 50_000
URGENT = "Segera, kuota terbatas."
REGENCY_SHARE = 0.3  # listings that name only the regency or city, not the district


@cache
def _places() -> dict[str, tuple[str, ...]]:
    """Province code → its district codes and regency codes, in list order."""
    found: dict[str, list[str]] = {}
    for district in regions.districts():
        found.setdefault(district.province_code, []).append(district.code)
    return {province: tuple(codes) for province, codes in found.items()}


def _round(amount: float) -> int:
    return max(ROUND_TO, int(round(amount / ROUND_TO)) * ROUND_TO)


@dataclass(frozen=True, slots=True)
class Listing:
    """One vacancy the portal publishes (the contract's Vacancy fields)."""

    body: dict[str, Any]

    @property
    def vacancy_id(self) -> str:
        return str(self.body["vacancy_id"])


class VacancyMaker:
    """Makes a portal's vacancies: new ones, and revisions of published ones."""

    def __init__(
        self,
        seed: int | str,
        *,
        id_prefix: str,
        apply_base: str,
        focus: Mapping[str, float] | None = None,
        listing_days: tuple[int, int] = (14, 60),
        salary_inverted: bool = False,
    ) -> None:
        self.rng = random.Random(f"vacancies:{seed}")
        self.faker = Faker("id_ID")
        self.faker.seed_instance(self.rng.getrandbits(32))
        self.id_prefix = id_prefix
        self.apply_base = apply_base.rstrip("/")
        weights = dict(focus) if focus else dict(PROVINCE_POPULATION)
        self.provinces = [p for p in weights if p in _places()]
        self.province_weights = [weights[p] for p in self.provinces]
        self.listing_days = listing_days
        self.salary_inverted = salary_inverted  # a mutant's one fault: salary_min > salary_max
        self.made = 0

    def _place(self) -> str:
        province = self.rng.choices(self.provinces, self.province_weights)[0]
        district = self.rng.choice(_places()[province])
        return district[:5] if self.rng.random() < REGENCY_SHARE else district

    def _salary(self, place: str, education: Education, job_type: JobType) -> tuple[int, int]:
        base = UMP_2024[place[:2]] * EDUCATION_PAY[education] * JOB_TYPE_PAY[job_type]
        low = _round(base * self.rng.uniform(0.95, 1.2))
        high = _round(low * self.rng.uniform(1.1, 1.6))
        return (high, low) if self.salary_inverted else (low, high)

    def _description(self, industry: Industry, company: str) -> str:
        duties = self.rng.sample(DUTIES[industry], 2)
        asks = self.rng.sample(REQUIREMENTS, 3)
        perks = self.rng.sample(BENEFITS, 2)
        return (
            f"{company} membuka lowongan. Tugas: {duties[0]}; {duties[1]}. "
            f"Syarat: {'; '.join(asks)}. Fasilitas: {' dan '.join(perks)}."
        )

    def new(self, now: datetime) -> Listing:
        """A new vacancy posted ``now`` (an aware datetime)."""
        self.made += 1
        industry = self.rng.choice(list(Industry))
        title, education = self.rng.choice(TITLES[industry])
        job_type = self.rng.choices(list(JOB_TYPE_WEIGHTS), list(JOB_TYPE_WEIGHTS.values()))[0]
        company = self.faker.company()
        place = self._place()
        low, high = self._salary(place, education, job_type)
        vacancy_id = f"{self.id_prefix}-{self.made:07d}"
        days = self.rng.randint(*self.listing_days)
        return Listing(
            {
                "vacancy_id": vacancy_id,
                "title": title,
                "company": company,
                "description": self._description(industry, company),
                "location": place,
                "min_education": education.value,
                "industry": industry.value,
                "job_type": job_type.value,
                "salary_min": low,
                "salary_max": high,
                "posted_at": now.isoformat(timespec="seconds"),
                "expires_at": (now + timedelta(days=days)).isoformat(timespec="seconds"),
                "apply_url": f"{self.apply_base}/lowongan/{vacancy_id}",
            }
        )

    def revise(self, listing: Listing) -> Listing:
        """The same vacancy changed as portals change them: a better salary, or a longer run."""
        body = dict(listing.body)
        if self.rng.random() < 0.5:
            bump = _round(body["salary_max"] * self.rng.uniform(0.05, 0.15))
            body["salary_min"] += bump
            body["salary_max"] += bump
        else:
            expires = datetime.fromisoformat(body["expires_at"]) + timedelta(days=7)
            posted = datetime.fromisoformat(body["posted_at"])
            latest = posted + timedelta(days=self.listing_days[1] + 30)
            body["expires_at"] = min(expires, latest).isoformat(timespec="seconds")
            if not body["description"].endswith(URGENT):
                body["description"] = f"{body['description']} {URGENT}"
        return Listing(body)
