"""The files a partner keeps beside the harness: what it implements, and its known failures.

Both are TOML (or JSON, by extension). A capabilities file::

    role = "pp"
    capabilities = ["bank", "reconciliation", "webhooks"]   # from requirements.json, per role
    callback_within_seconds = 30                # agreed settings (optional)
    webhook_url = "https://bank.example/webhooks/prakerja"   # with the webhooks capability

    [fixtures]                                  # server mode: your test data
    account_type = "BANK"
    verified_account = "0412345678"
    nik = "3171014101900001"                     # the verified account holder's
    unknown_account = "0499999999"

A waiver file::

    [[waiver]]
    requirement = "PP-CB-004"
    check = "duplicate_callbacks_agree"          # optional: one check of the requirement
    reason = "Fixed in release 2.3 (ticket PAY-812)"
    expires = 2025-09-30

Anything unknown (a capability, a requirement, a key) is refused with the line to fix, so a typo
can neither skip a check nor hide a failure.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from conformance.errors import UsageError
from contract.certification import CheckResult, Outcome, Waiver
from contract.requirements import CAPABILITIES, REQUIREMENTS
from contract.roles import Role

SETTINGS = {
    "callback_within_seconds": (1, 600, 30),  # (min, max, default)
    "answer_within_seconds": (1, 60, 5),  # the contract: Prakerja waits 5 s for an answer
}
MAX_WAIVER_DAYS = 366


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            f"{path} is not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a table of keys")
    return data


@dataclass(frozen=True)
class Declaration:
    """What a partner declares it implements, and its agreed settings."""

    role: Role
    capabilities: frozenset[str]
    settings: dict[str, int]
    source: str  # the file, or how it was decided
    fixtures: dict[str, str] = field(default_factory=dict)
    webhook_url: str | None = None

    @classmethod
    def everything(cls, role: Role) -> Declaration:
        """No file: every capability of the role is judged (the strictest reading)."""
        return cls(
            role,
            frozenset(CAPABILITIES[role]),
            {k: v[2] for k, v in SETTINGS.items()},
            "every capability (no capabilities file)",
        )


def load_capabilities(path: Path, role: Role) -> Declaration:
    """Read a capabilities file for ``role``; refuse what the catalogue does not know."""
    data = _read(path)
    declared_role = data.pop("role", role.value)
    if declared_role != role.value:
        raise UsageError(f"{path} declares role {declared_role!r}, but --role is {role.value}")
    caps = data.pop("capabilities", [])
    if not isinstance(caps, list) or not all(isinstance(c, str) for c in caps):
        raise UsageError(f"{path}: capabilities must be a list of names")
    known = CAPABILITIES[role]
    unknown = sorted(set(caps) - set(known))
    if unknown:
        raise UsageError(
            f"{path}: {role.value} has no capability {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    fixtures = data.pop("fixtures", {})
    if not isinstance(fixtures, dict) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in fixtures.values()
    ):
        raise UsageError(f"{path}: [fixtures] must map names to strings")
    webhook_url = data.pop("webhook_url", None)
    if webhook_url is not None and (
        not isinstance(webhook_url, str) or not webhook_url.startswith(("http://", "https://"))
    ):
        raise UsageError(f"{path}: webhook_url must be an http(s) URL")
    settings = {k: v[2] for k, v in SETTINGS.items()}
    for key, value in data.items():
        if key not in SETTINGS:
            raise UsageError(
                f"{path}: unknown key {key!r} (known: role, capabilities, {', '.join(SETTINGS)})"
            )
        low, high, _ = SETTINGS[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise UsageError(f"{path}: {key} must be an integer from {low} to {high}")
        settings[key] = value
    return Declaration(
        role,
        frozenset(caps),
        settings,
        str(path),
        {str(k): str(v) for k, v in fixtures.items()},
        webhook_url,
    )


@dataclass(frozen=True)
class WaiverEntry:
    """One known failure, accepted until it expires."""

    requirement: str
    check: str | None
    reason: str
    expires: date

    def covers(self, result: CheckResult) -> bool:
        """True when this waiver is about that result."""
        return self.requirement == result.requirement_id and self.check in (None, result.check)


def load_waivers(path: Path, today: date) -> list[WaiverEntry]:
    """Read a waiver file; each entry needs a known requirement, a reason and a near expiry."""
    data = _read(path)
    entries = data.pop("waiver", [])
    if data:
        raise UsageError(f"{path}: unknown keys {', '.join(sorted(data))} (use [[waiver]] tables)")
    if not isinstance(entries, list):
        raise UsageError(f"{path}: waivers must be [[waiver]] tables")
    waivers = []
    for number, entry in enumerate(entries, 1):
        where = f"{path} waiver {number}"
        if not isinstance(entry, dict):
            raise UsageError(f"{where}: not a table")
        unknown = sorted(set(entry) - {"requirement", "check", "reason", "expires"})
        if unknown:
            raise UsageError(f"{where}: unknown keys {', '.join(unknown)}")
        requirement = entry.get("requirement")
        if requirement not in REQUIREMENTS:
            raise UsageError(f"{where}: unknown requirement {requirement!r}")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"{where}: a reason is required")
        expires = entry.get("expires")
        if isinstance(expires, str):
            try:
                expires = date.fromisoformat(expires)
            except ValueError:
                expires = None
        if not isinstance(expires, date):
            raise UsageError(f"{where}: expires must be a date (YYYY-MM-DD)")
        if expires > today + timedelta(days=MAX_WAIVER_DAYS):
            raise UsageError(f"{where}: expires more than {MAX_WAIVER_DAYS} days ahead")
        check = entry.get("check")
        if check is not None and not isinstance(check, str):
            raise UsageError(f"{where}: check must be a check's name")
        waivers.append(WaiverEntry(str(requirement), check, reason.strip(), expires))
    return waivers


def apply_waivers(result: CheckResult, waivers: list[WaiverEntry], today: date) -> CheckResult:
    """The result as judged under the waivers: a waived failure is WAIVED, a waived pass is a
    STALE_WAIVER (the waiver must go), an expired waiver waives nothing."""
    waiver = next((w for w in waivers if w.covers(result)), None)
    if waiver is None:
        return result
    note = Waiver(reason=waiver.reason[:4000], expires=waiver.expires.isoformat())
    if waiver.expires < today:
        suffix = f" (waiver expired on {waiver.expires.isoformat()}: remove it)"
        return result.model_copy(
            update={"message": (result.message + suffix).strip(), "waiver": note}
        )
    if result.outcome is Outcome.FAILED:
        return result.model_copy(update={"outcome": Outcome.WAIVED, "waiver": note})
    if result.outcome is Outcome.PASSED:
        return result.model_copy(
            update={
                "outcome": Outcome.STALE_WAIVER,
                "waiver": note,
                "message": "Passes although waived: remove the waiver.",
            }
        )
    return result
