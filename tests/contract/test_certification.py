"""Certificates and report digests, as the sandbox makes them and anyone checks them offline."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contract.certification import (
    Certificate,
    CertificateBody,
    Outcome,
    key_id,
    report_digest,
    signed_bytes,
    summarize,
    verify_certificate,
)
from contract.endpoints import Role
from contract.requirements import Mode
from tests.factories import run_report

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _keypair() -> tuple[Ed25519PrivateKey, str]:
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return private, base64.b64encode(raw).decode()


def _certificate(private: Ed25519PrivateKey, public: str, **changes: object) -> Certificate:
    body = CertificateBody(
        certificate_id="c1", issuer="office", partner="pp-1", partner_name="Bank Uji",
        role=Role.PP, mode=Mode.SERVER, contract_version="1.0.0", catalogue_version="1.0.0+r1",
        capabilities=["bank"], run_id="r" * 32, results_digest="d" * 64, waived=[],
        issued_at=NOW.isoformat(), expires_at=(NOW + timedelta(days=365)).isoformat(),
        key_id=key_id(public),
    )  # fmt: skip
    signature = base64.b64encode(private.sign(signed_bytes(body))).decode()
    certificate = Certificate(certificate=body, public_key=public, signature=signature)
    return certificate.model_copy(update={"certificate": body.model_copy(update=changes)})


def test_a_certificate_verifies_against_the_offices_key_only() -> None:
    private, public = _keypair()
    certificate = _certificate(private, public)
    assert verify_certificate(certificate, public, NOW + timedelta(days=1), "d" * 64).valid
    _, other = _keypair()
    wrong_key = verify_certificate(certificate, other, NOW)
    assert (
        not wrong_key.valid and f"not by the trusted key {key_id(other)}" in wrong_key.problems[0]
    )
    forged = _certificate(*_keypair())  # self-signed by someone else, carrying its own key
    assert not verify_certificate(forged, public, NOW).valid


def test_any_change_time_or_report_makes_it_invalid() -> None:
    private, public = _keypair()
    altered = _certificate(private, public, role=Role.DP)
    assert "altered or forged" in " ".join(verify_certificate(altered, public, NOW).problems)
    certificate = _certificate(private, public)
    assert "expired" in " ".join(
        verify_certificate(certificate, public, NOW + timedelta(days=400)).problems
    )
    assert "not valid before" in " ".join(
        verify_certificate(certificate, public, NOW - timedelta(days=1)).problems
    )
    other_report = verify_certificate(certificate, public, NOW, "e" * 64)
    assert other_report.problems == (
        "the report given is not the one this certificate certifies (digest)",
    )


def test_the_digest_covers_every_field_and_only_must_failures_fail_a_run() -> None:
    report = run_report(partner="dp-1", role=Role.DP)
    assert report_digest(report) == report.digest
    for change in ({"partner": "dp-2"}, {"target": "http://x"}, {"results": report.results[1:]}):
        assert report_digest(report.model_copy(update=change)) != report.digest
    should = next(r for r in report.results if r.level.value == "SHOULD")
    results = [
        r.model_copy(update={"outcome": Outcome.FAILED}) if r is should else r
        for r in report.results
    ]
    assert summarize(results).passed_run and summarize(results).should_failures == 1
    must = [r.model_copy(update={"outcome": Outcome.STALE_WAIVER}) for r in report.results[:1]]
    assert not summarize(must + report.results[1:]).passed_run
