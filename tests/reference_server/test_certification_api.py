"""Certification runs over HTTP: what the sandbox stores, certifies, refuses and lets the office
decide; and the certificate it signs verifies offline against its published key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contract import errors as err
from contract.certification import (
    Certificate,
    Outcome,
    PublicKeyData,
    RunReport,
    report_digest,
    verify_certificate,
)
from contract.endpoints import DECIDE_RUN, GET_RUN, LIST_RUNS, PUBLIC_KEY, SUBMIT_RUN, Role
from contract.requirements import Mode
from reference_server.errors import error_body
from tests.factories import Partner, Partners, run_report


@pytest.fixture(scope="module")
def office(partners: Partners) -> Partner:
    """The programme office."""
    return partners.add(role=Role.PMO)


def _submit(partner: Partner, report: RunReport | dict[str, Any]) -> httpx.Response:
    body = report.model_dump(mode="json") if isinstance(report, RunReport) else report
    return partner.post(SUBMIT_RUN.path, body)


def _data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _refused(response: httpx.Response, error: err.ErrorCode) -> None:
    assert response.status_code == error.http_status, response.text
    assert response.json()["code"] == error.code


def _key(server_url: str) -> PublicKeyData:
    return PublicKeyData.model_validate(_data(httpx.get(server_url + PUBLIC_KEY.path)))


def test_a_passed_run_gets_a_certificate_that_verifies_offline(
    partners: Partners, server_url: str
) -> None:
    dp = partners.dp()
    report = run_report(partner=dp.creds.client_code, role=Role.DP, waived=("DP-PAY-003",))
    run = _data(_submit(dp, report))
    assert (run["passed"], run["must_failures"], run["decision"]) == (True, 0, None)
    certificate = Certificate.model_validate(run["certificate"])
    body = certificate.certificate
    assert (body.partner, body.role, body.run_id, body.results_digest) == (
        dp.creds.client_code, Role.DP, report.run_id, report.digest,
    )  # fmt: skip
    assert body.waived == ["DP-PAY-003"]
    key = _key(server_url)
    now = datetime.now(UTC)
    assert verify_certificate(certificate, key.public_key, now, report.digest).valid
    assert _key(server_url) == key, "one office key per sandbox"
    later = verify_certificate(certificate, key.public_key, now + timedelta(days=366))
    assert any("expired" in p for p in later.problems)


def test_a_failed_run_is_stored_without_a_certificate_and_can_only_be_rejected(
    partners: Partners, office: Partner
) -> None:
    dp = partners.dp()
    report = run_report(partner=dp.creds.client_code, role=Role.DP, failing=("DP-ERR-001",))
    run = _data(_submit(dp, report))
    assert (run["passed"], run["must_failures"], run["certificate"]) == (False, 1, None)
    accept = {"run_id": report.run_id, "decision": "accepted", "comment": "looks fine"}
    _refused(office.post(DECIDE_RUN.path, accept), err.CERT_FAILED_RUN)
    reject = {**accept, "decision": "rejected", "comment": "Retries blindly (DP-ERR-001)."}
    decided = _data(office.post(DECIDE_RUN.path, reject))
    assert (decided["decision"], decided["decided_by"]) == ("rejected", office.creds.client_code)
    _refused(office.post(DECIDE_RUN.path, reject), err.CERT_DECIDED)
    mine = _data(dp.post(GET_RUN.path, {"run_id": report.run_id}))
    assert mine["run"]["comment"] == "Retries blindly (DP-ERR-001)."
    assert RunReport.model_validate(mine["report"]) == report


def test_only_the_office_decides_and_partners_see_only_their_own_runs(
    partners: Partners, office: Partner
) -> None:
    dp, other = partners.dp(), partners.dp()
    report = run_report(partner=dp.creds.client_code, role=Role.DP)
    _data(_submit(dp, report))
    decision = {"run_id": report.run_id, "decision": "accepted", "comment": "ok"}
    _refused(dp.post(DECIDE_RUN.path, decision), err.WRONG_ROLE)
    _refused(other.post(GET_RUN.path, {"run_id": report.run_id}), err.CERT_RUN_NOT_FOUND)
    assert _data(other.post(LIST_RUNS.path, {}))["runs"] == []
    _refused(other.post(LIST_RUNS.path, {"client_code": dp.creds.client_code}), err.CERT_NOT_YOURS)
    listed = _data(office.post(LIST_RUNS.path, {"client_code": dp.creds.client_code}))["runs"]
    assert [r["run_id"] for r in listed] == [report.run_id]
    assert _data(office.post(DECIDE_RUN.path, decision))["decision"] == "accepted"


def test_the_same_report_twice_is_one_run_and_a_reused_run_id_is_refused(
    partners: Partners,
) -> None:
    dp = partners.dp()
    report = run_report(partner=dp.creds.client_code, role=Role.DP)
    first = _data(_submit(dp, report))
    assert _data(_submit(dp, report)) == first
    changed = run_report(partner=dp.creds.client_code, role=Role.DP, failing=("DP-OTP-001",))
    reused = changed.model_copy(update={"run_id": report.run_id})
    reused = reused.model_copy(update={"digest": report_digest(reused)})
    _refused(_submit(dp, reused), err.CERT_RUN_EXISTS)


def _redigest(report: RunReport, **changes: Any) -> RunReport:
    changed = report.model_copy(update=changes)
    return changed.model_copy(update={"digest": report_digest(changed)})


def test_reports_that_are_not_whole_honest_or_the_callers_are_refused(
    partners: Partners,
) -> None:
    dp, lp = partners.dp(), partners.lp()
    report = run_report(partner=dp.creds.client_code, role=Role.DP)
    tampered = report.model_copy(update={"results": report.results[1:]})
    _refused(_submit(dp, tampered), err.CERT_DIGEST)
    _refused(_submit(dp, _redigest(report, results=report.results[1:])), err.CERT_INCOMPLETE)
    flipped = [r.model_copy(update={"outcome": Outcome.FAILED}) for r in report.results]
    _refused(_submit(dp, _redigest(report, results=flipped)), err.CERT_INCOMPLETE)  # summary
    _refused(_submit(dp, _redigest(report, capabilities=["teleport"])), err.CERT_INCOMPLETE)
    _refused(_submit(dp, _redigest(report, catalogue_version="0.9+r1")), err.CERT_VERSION)
    _refused(_submit(lp, report), err.CERT_NOT_YOURS)
    as_lp = run_report(partner=lp.creds.client_code, role=Role.DP)
    _refused(_submit(lp, as_lp), err.CERT_NOT_YOURS)
    nothing = run_report(
        partner=dp.creds.client_code, role=Role.DP, mode=Mode.SERVER, capabilities=("void",)
    )  # a DP without a webhook receiver has nothing to certify in server mode
    _refused(_submit(dp, nothing), err.CERT_INCOMPLETE)
    client_results = run_report(partner=dp.creds.client_code, role=Role.DP).results
    _refused(
        _submit(dp, _redigest(report, mode=Mode.SERVER, results=client_results)),
        err.CERT_INCOMPLETE,
    )
    body = report.model_dump(mode="json")
    _refused(_submit(dp, {**body, "results": "all good"}), err.BAD_REQUEST)
    unsigned = httpx.post(dp.client.http.base_url.join(SUBMIT_RUN.path), json=body)
    assert (unsigned.status_code, unsigned.json()) == (401, error_body(err.MISSING_HEADERS))
