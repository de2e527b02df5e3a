"""The roles of signed callers (re-exported by ``contract.endpoints``, where most code finds it)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a signed caller is: the partner roles of the programme and its office."""

    DP = "dp"  # digital platform: sells courses, takes payment by card
    LP = "lp"  # training provider: redeem codes, attendance, assignments
    PP = "pp"  # payment partner (bank or e-wallet): pays incentives (sandbox-defined surface)
    JP = "jp"  # job portal: pushes vacancies (sandbox-defined surface)
    PMO = "pmo"  # the programme office: waves, the lottery, curation (sandbox-defined)
