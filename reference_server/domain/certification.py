"""Certification rules: when a submitted report is whole and honest, what a certificate says,
who may decide a run, and how the secrets of recorded calls are kept (as fingerprints).

A report is checked, in this order: versions (the catalogue this sandbox serves), whose it is
(the caller's client_code and role), its digest (unaltered), then its content against the
catalogue (every applicable requirement judged, nothing else, levels as catalogued, capabilities
known, the summary its own). Refusals are catalogued ``ApiError``s.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from contract import VERSION
from contract import errors as err
from contract.certification import (
    CertificateBody,
    Decision,
    Outcome,
    RunReport,
    report_digest,
    summarize,
)
from contract.errors import ApiError
from contract.redact import NIK_KEYS, SECRET_KEYS, mask_nik
from contract.requirements import CAPABILITIES, CATALOGUE_VERSION, REQUIREMENTS, for_partner
from contract.roles import Role

ISSUER = "Prakerja programme office (sandbox)"
FINGERPRINT_HEX = 12


def check_report(report: RunReport, *, client_code: str, role: str) -> None:
    """Refuse a report that is not this caller's, not this catalogue's, altered, or not whole."""
    if report.contract_version != VERSION or report.catalogue_version != CATALOGUE_VERSION:
        raise ApiError(
            err.CERT_VERSION,
            f"This sandbox serves contract {VERSION}, catalogue {CATALOGUE_VERSION}.",
        )
    if report.partner != client_code or report.role.value != role:
        raise ApiError(err.CERT_NOT_YOURS)
    if report_digest(report) != report.digest:
        raise ApiError(err.CERT_DIGEST)
    unknown = sorted(set(report.capabilities) - set(CAPABILITIES[report.role]))
    if unknown:
        raise ApiError(err.CERT_INCOMPLETE, f"Unknown capabilities: {', '.join(unknown)}.")
    expected = {r.id for r in for_partner(report.role, report.mode, frozenset(report.capabilities))}
    if not expected:
        raise ApiError(
            err.CERT_INCOMPLETE,
            f"No requirement applies to {report.role.value} in {report.mode.value} mode with "
            "these capabilities: there is nothing to certify.",
        )
    judged = {r.requirement_id for r in report.results}
    if judged != expected:
        missing, extra = sorted(expected - judged), sorted(judged - expected)
        detail = "; ".join(
            part
            for part in (
                f"not judged: {', '.join(missing[:10])}" if missing else "",
                f"not applicable: {', '.join(extra[:10])}" if extra else "",
            )
            if part
        )
        raise ApiError(err.CERT_INCOMPLETE, detail + ".")
    for result in report.results:
        if result.level is not REQUIREMENTS[result.requirement_id].level:
            raise ApiError(err.CERT_INCOMPLETE, f"{result.requirement_id} has the wrong level.")
    if summarize(report.results) != report.summary:
        raise ApiError(err.CERT_INCOMPLETE, "The summary does not count the results.")


def waived(report: RunReport) -> list[str]:
    """The requirements failed under a waiver in this run."""
    return sorted({r.requirement_id for r in report.results if r.outcome is Outcome.WAIVED})


def certificate_body(
    report: RunReport, *, partner_name: str, now: datetime, validity_days: int, key_id: str
) -> CertificateBody:
    """What the office signs for a passed run."""
    return CertificateBody(
        certificate_id=secrets.token_hex(16),
        issuer=ISSUER,
        partner=report.partner,
        partner_name=partner_name,
        role=report.role,
        mode=report.mode,
        contract_version=report.contract_version,
        catalogue_version=report.catalogue_version,
        capabilities=sorted(report.capabilities),
        run_id=report.run_id,
        results_digest=report.digest,
        waived=waived(report),
        issued_at=now.isoformat(timespec="seconds"),
        expires_at=(now + timedelta(days=validity_days)).isoformat(timespec="seconds"),
        key_id=key_id,
    )


def check_decision(*, passed: bool, current: str | None, decision: Decision) -> None:
    """A run is decided once, and a failed run can only be rejected."""
    if current is not None:
        raise ApiError(err.CERT_DECIDED, f"It was {current}.")
    if decision is Decision.ACCEPTED and not passed:
        raise ApiError(err.CERT_FAILED_RUN)


def may_read(*, reader_role: str, reader_code: str, owner_code: str) -> bool:
    """The office reads every run; a partner only its own."""
    return reader_role == Role.PMO.value or reader_code == owner_code


# --- recorded calls: secrets as fingerprints --------------------------------------------------


def fingerprint(salt: str, value: str) -> str:
    """A short keyed fingerprint: equal values, equal fingerprints; nothing to reverse."""
    digest = hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()
    return digest[:FINGERPRINT_HEX]


def token_of(authorization: str) -> str:
    """The credential of an Authorization value, without its scheme (``Payment``, ``Bearer``)."""
    parts = authorization.strip().split(None, 1)
    return parts[1].strip() if len(parts) == 2 else authorization.strip()


def _mask(node: Any, salt: str) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            lowered = str(key).lower()
            if lowered in SECRET_KEYS and isinstance(value, str | int) and value != "":
                out[key] = f"fp:{fingerprint(salt, str(value))}"
            elif lowered in NIK_KEYS and isinstance(value, str):
                out[key] = mask_nik(value)
            else:
                out[key] = _mask(value, salt)
        return out
    if isinstance(node, list):
        return [_mask(item, salt) for item in node]
    return node


def mask_body(body: bytes, salt: str, limit: int) -> str | None:
    """A recorded body: JSON with the secrets of ``contract.redact`` as keyed fingerprints (so the
    judge still sees that authorize carried the token send-otp issued) and NIKs masked, or the
    text as sent; cut at ``limit``. Other numbers (card numbers) stay: the judge needs them and
    only the partner itself and the office read its calls."""
    if not body:
        return None
    try:
        text = json.dumps(_mask(json.loads(body), salt), ensure_ascii=False)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        text = body.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "…"
