"""The shares the synthetic population reproduces, as data.

From program-facts.md (the 2021 beneficiary survey, seed 002): 52% women, 62% rural, 73% aged
18-41, 2% over 60, 18% primary education only, 90% not working at registration, 28% without a bank
or e-wallet account, 2% with a disability, 3% former migrant workers. They describe beneficiaries,
so they hold for the ordinary (eligible-looking) applicants; the bad cases bend them where their
case says so (students are young and in school, under-age applicants are 15-17, officials work).

Provinces are weighted by their population (Sensus Penduduk 2020, thousands, rounded; the 2022
Papua provinces split from 91 and 92 by the 2022 estimates): an approximation is enough, it only
decides where people live. Within a province every district is equally likely.
"""

from __future__ import annotations

from contract.population import OCCUPATION_STUDENT, OFFICIAL_OCCUPATIONS

WOMEN = 0.52
RURAL = 0.62
HAS_ACCOUNT = 0.72
DISABILITY = 0.02
MIGRANT_WORKER = 0.03

# (first age, last age, share) of ordinary adults: 73% aged 18-41, 2% over 60, the rest between.
ADULT_AGES = ((18, 41, 0.73), (42, 60, 0.25), (61, 70, 0.02))
UNDERAGE_AGES = ((15, 17, 1.0),)
STUDENT_AGES = ((18, 21, 0.7), (22, 25, 0.3))
OFFICIAL_AGES = ((23, 41, 0.6), (42, 57, 0.4))
EDGE_DAYS = 7  # nobody is born within this many days of a birthday edge on the as-of date

# Highest completed education of ordinary adults: 18% primary school only.
EDUCATION = {"SD": 18.0, "SMP": 17.0, "SMA": 45.0, "D3": 6.0, "S1": 12.0, "S2": 1.8, "S3": 0.2}
STUDENT_EDUCATION = {"SMA": 80.0, "D3": 10.0, "S1": 10.0}
OFFICIAL_EDUCATION = {"SMA": 30.0, "D3": 15.0, "S1": 45.0, "S2": 10.0}
UNDERAGE_EDUCATION = {"SD": 40.0, "SMP": 60.0}

# Declared employment of ordinary adults (90% not working) and the civil-registry occupation
# that goes with it (the registry is often out of date: a laid-off worker is still "KARYAWAN").
EMPLOYMENT: dict[str, tuple[float, dict[str, float]]] = {
    "UNEMPLOYED": (65.0, {"BELUM/TIDAK BEKERJA": 70.0, "MENGURUS RUMAH TANGGA": 30.0}),
    "LAID_OFF": (
        25.0,
        {"KARYAWAN SWASTA": 50.0, "BURUH HARIAN LEPAS": 30.0, "BELUM/TIDAK BEKERJA": 20.0},
    ),
    "EMPLOYED": (
        5.0,
        {"KARYAWAN SWASTA": 60.0, "BURUH HARIAN LEPAS": 25.0, "BURUH TANI/PERKEBUNAN": 15.0},
    ),
    "SELF_EMPLOYED": (
        5.0,
        {"WIRASWASTA": 50.0, "PEDAGANG": 25.0, "PETANI/PEKEBUN": 15.0, "NELAYAN/PERIKANAN": 10.0},
    ),
}
NOT_WORKING = ("UNEMPLOYED", "LAID_OFF")
UNDERAGE_OCCUPATION = "BELUM/TIDAK BEKERJA"  # not in school either: under age is their one reason
STUDENT_OCCUPATION = OCCUPATION_STUDENT
OFFICIAL_OCCUPATION_CHOICES = OFFICIAL_OCCUPATIONS

# Province code -> population in thousands (SP2020; 91/92 split as the 2022 provinces).
PROVINCE_POPULATION = {
    "11": 5274,
    "12": 14799,
    "13": 5534,
    "14": 6394,
    "15": 3548,
    "16": 8467,
    "17": 2011,
    "18": 9008,
    "19": 1455,
    "21": 2064,
    "31": 10562,
    "32": 48274,
    "33": 36516,
    "34": 3669,
    "35": 40666,
    "36": 11905,
    "51": 4317,
    "52": 5320,
    "53": 5326,
    "61": 5414,
    "62": 2670,
    "63": 4074,
    "64": 3766,
    "65": 701,
    "71": 2622,
    "72": 2986,
    "73": 9074,
    "74": 2625,
    "75": 1171,
    "76": 1419,
    "81": 1849,
    "82": 1283,
    "91": 1035,
    "92": 560,
    "93": 522,
    "94": 1452,
    "95": 1448,
    "96": 602,
}

# Mobile number prefixes (08xx) by operator, weighted roughly by market share.
PHONE_PREFIXES = {
    **dict.fromkeys(("0811", "0812", "0813", "0821", "0822", "0823", "0851", "0852", "0853"), 5.5),
    **dict.fromkeys(("0814", "0815", "0816", "0855", "0856", "0857", "0858"), 3.0),
    **dict.fromkeys(("0817", "0818", "0819", "0859", "0877", "0878"), 3.3),
    **dict.fromkeys(("0895", "0896", "0897", "0898", "0899"), 1.4),
    **dict.fromkeys(("0881", "0882", "0883", "0885", "0887", "0888"), 0.5),
}
# Share of each of Faker's free e-mail domains (gmail dominates in Indonesia).
EMAIL_DOMAIN_WEIGHTS = {"gmail.com": 75.0, "yahoo.com": 15.0, "hotmail.com": 10.0}

# A family card holds one or two people who can pass every check (never more: the KK limit must
# be reached only where the generator means it), plus any number of people who fail another one.
SLOT_FAMILY_SIZES = {1: 0.55, 2: 0.45}
ALONE = 0.15  # share of people failing another check who live on a family card of their own
