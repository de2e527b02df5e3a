"""The shipped region code list: complete, well formed, and the lookups the server relies on."""

from __future__ import annotations

import re

from contract import regions


def test_the_list_has_every_province_regency_and_district() -> None:
    districts = regions.districts()
    assert len(districts) == 7_277
    assert len({d.regency_code for d in districts}) == 514
    assert len(regions.provinces()) == 38
    assert all(re.fullmatch(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}", d.code) for d in districts)
    assert len({d.code for d in districts}) == len(districts)
    assert list(districts) == sorted(districts, key=lambda d: d.code)
    assert all(d.province and d.regency and d.district for d in districts)


def test_lookups_by_code_and_by_nik_prefix() -> None:
    bakongan = regions.district("11.01.01")
    assert bakongan is not None
    assert (bakongan.province, bakongan.regency, bakongan.district) == (
        "ACEH",
        "KABUPATEN ACEH SELATAN",
        "Bakongan",
    )
    assert bakongan.nik_prefix == "110101" and bakongan.regency_code == "11.01"
    assert regions.is_district("32.73.01")  # Kota Bandung
    assert not regions.is_district("32.73.99")
    assert not regions.is_district("327301")
    assert not regions.is_district("")
    assert regions.district_of_nik_prefix("3273011203950001") == regions.district("32.73.01")
    assert regions.is_nik_region("327301")
    assert not regions.is_nik_region("327399")
    assert not regions.is_nik_region("32")
    assert regions.district_of_nik_prefix("3273") is None


def test_provinces_by_code() -> None:
    assert regions.province_of("32.73.01") == "32"
    assert regions.province_of("3273011203950001") == "32"
    assert regions.province_of("99.01.01") is None
    assert regions.province_of("x") is None
    assert regions.province_name("31") == "DKI JAKARTA"
    assert regions.province_name("96") == "PAPUA BARAT DAYA"
    assert regions.province_name("00") is None
    assert list(regions.provinces()) == sorted(regions.provinces())
