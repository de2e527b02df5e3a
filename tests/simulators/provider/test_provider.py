"""The training provider simulator against the real server: a participant from redeem to the
post-test through Prakerja's verification page, assignments with feedback, X-Simulate, and each
mutant's fault as the server (or the journal) shows it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from contract.attendance import POST_TEST_SEQUENCE
from contract.endpoints import (
    REDEEM_STATUS,
    REPORT_RESULT,
    TPM_FEEDBACK,
    TPM_SUBMISSION,
    URL_GENERATE,
)
from reference_server.partners import add_redirect_uri
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from simulators.framework.registry import SimConfig
from simulators.provider.kinds import TRAINING_PROVIDER
from simulators.provider.launch import running_providers
from tests.factories import Partner, Partners, purchased_redeem_code
from tests.simulators.partner_helpers import calls, data, get, last_seq, post, visit

MUTANTS = [m.name for m in TRAINING_PROVIDER.mutants]


@dataclass
class Provider:
    name: str
    url: str
    partner: Partner


@pytest.fixture(scope="module")
def providers(
    partners: Partners, runtime: Runtime, server_url: str
) -> Iterator[dict[str, Provider]]:
    """A careful provider and one of each mutant (the mutants share one LP at the sandbox)."""
    names = ["careful", *MUTANTS]
    careful, mutants = partners.lp(redirect_uris=()), partners.lp(redirect_uris=())
    made = {name: careful if name == "careful" else mutants for name in names}
    configs = [
        SimConfig(
            instance=name,
            sandbox_url=server_url,
            client_code=lp.creds.client_code,
            sign_key=lp.creds.sign_key,
            mutant=None if name == "careful" else name,
            options={"seed": 7},
        )
        for name, lp in made.items()
    ]
    with running_providers(configs) as urls:
        with transaction(runtime.sessions) as session:
            for name, url in urls.items():
                add_redirect_uri(session, made[name].creds.client_code, f"{url}/callback")
        yield {name: Provider(name, urls[name], made[name]) for name in names}


def _code(runtime: Runtime, provider: Provider, method: str = "MANDIRI") -> str:
    return purchased_redeem_code(runtime, provider.partner, method=method)


def _enrol(provider: Provider, code: str, email: str | None = None) -> dict[str, object]:
    body = {"redeem_code": code, "email": email or f"{code.lower()}@peserta.test"}
    return dict(data(post(provider.url, "/enrolments", body)))


def _verify(enrolment: dict[str, object], action: str = "approve") -> dict[str, object]:
    step = enrolment["next"]
    assert isinstance(step, dict) and step["action"] == "verify", enrolment
    return dict(data(visit(str(step["verification_url"]), action)))


def _path(endpoint: object) -> str:
    return str(getattr(endpoint, "path"))  # noqa: B009 - endpoints are frozen dataclasses


def test_a_participant_goes_from_redeem_to_certificate_through_the_verification_page(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["careful"]
    code = _code(runtime, provider)
    since = last_seq(provider.url)
    enrolled = _enrol(provider, code)
    assert enrolled["pre_test"] is not None and enrolled["next"]["action"] == "verify"
    # the careful LP looks before it redeems
    assert calls(provider.url, since)[:2] == [
        (_path(REDEEM_STATUS), 200),
        (_path(URL_GENERATE), 200),
    ]

    back = _verify(enrolled)  # Prakerja's page sends the browser back to /callback
    assert back["stages"][0]["verified"] is True
    assert back["next"] == {
        "action": "assignment",
        "sequence": 1,
        "verification_url": None,
        "expires_at": None,
    }

    tpm = data(post(provider.url, f"/enrolments/{code}/assignments", {}))
    assert tpm["assignments"][0] == {
        "scope": "tpm",
        "sequence": 1,
        "status": "reviewed",
        "feedback": tpm["assignments"][0]["feedback"],
    }
    uk = data(post(provider.url, f"/enrolments/{code}/assignments"))
    assert [a["status"] for a in uk["assignments"]] == ["reviewed", "reviewed"]
    assert uk["next"]["action"] == "post_test"

    tested = data(post(provider.url, f"/enrolments/{code}/post-test"))
    assert tested["post_test"] is not None and tested["next"]["sequence"] == POST_TEST_SEQUENCE
    done = _verify(tested)
    assert all(stage["verified"] for stage in done["stages"])
    assert done["next"]["action"] == "done" and done["reported"] is True
    assert (done["certificate"] is not None) == (done["post_test"] > 60)


def test_a_webinar_participant_attends_every_session_in_order(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["careful"]
    code = _code(runtime, provider, "WEBINAR")
    enrolment = _verify(_enrol(provider, code))
    for session in (2, 3, 4):
        assert data(post(provider.url, f"/enrolments/{code}/assignments"))["failure"] is None
        asked = data(post(provider.url, f"/enrolments/{code}/attend"))
        assert asked["next"]["action"] == "verify" and asked["next"]["sequence"] == session
        enrolment = _verify(asked)
    assert [s["verified"] for s in enrolment["stages"]] == [True, True, True, True, False]
    last_tpm = data(post(provider.url, f"/enrolments/{code}/assignments"))
    assert last_tpm["assignments"][3]["status"] == "reviewed"
    assert last_tpm["next"]["action"] == "assignment" and last_tpm["next"]["sequence"] == 999


def test_a_cancelled_verification_records_nothing_and_the_stage_can_be_asked_again(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["careful"]
    code = _code(runtime, provider)
    cancelled = _verify(_enrol(provider, code), action="reject")
    assert cancelled["stages"][0]["verified"] is False
    assert cancelled["failure"]["reason"] == "verification_failed"
    again = data(post(provider.url, f"/enrolments/{code}/attend"))
    assert _verify(again)["stages"][0]["verified"] is True


def test_the_careful_provider_never_asks_a_later_stage_early(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["careful"]
    code = _code(runtime, provider, "WEBINAR")
    _enrol(provider, code)
    since = last_seq(provider.url)
    early = data(post(provider.url, f"/enrolments/{code}/attend"))
    assert early["next"]["action"] == "verify" and early["next"]["sequence"] == 1
    assert calls(provider.url, since) == [(_path(REDEEM_STATUS), 200), (_path(URL_GENERATE), 200)]


def test_a_stage_verified_without_its_callback_is_caught_up_from_redeem_status(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["careful"]
    code = _code(runtime, provider)
    page = _enrol(provider, code)["next"]["verification_url"]
    # the participant approves, but the browser never makes it back to the callback
    assert httpx.post(page, data={"action": "approve"}, follow_redirects=False).status_code == 303
    assert data(get(provider.url, f"/enrolments/{code}"))["stages"][0]["verified"] is True


def test_a_code_of_another_provider_is_refused_with_its_reason(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    other = _code(runtime, providers["wrong-scope"])  # the mutants' LP
    refused = post(
        providers["careful"].url, "/enrolments", {"redeem_code": other, "email": "a@b.id"}
    )
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_our_code"
    assert refused.json()["prakerja_code"] == "ERRRDM40001"


def test_bad_input_is_a_400_in_the_envelope(providers: dict[str, Provider]) -> None:
    refused = post(providers["careful"].url, "/enrolments", {"redeem_code": "X", "email": "no"})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_request"
    assert get(providers["careful"].url, "/enrolments/NOPE").status_code == 404


# --- X-Simulate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("directive", "code"), [("bad-signature", "ERRAUT40103"), ("stale-timestamp", "ERRAUT40104")]
)
def test_a_signing_directive_spoils_the_next_call_only(
    providers: dict[str, Provider], runtime: Runtime, directive: str, code: str
) -> None:
    provider = providers["careful"]
    redeem = _code(runtime, provider)
    body = {"redeem_code": redeem, "email": f"{redeem.lower()}@peserta.test"}
    spoiled = post(provider.url, "/enrolments", body, simulate_=directive)
    assert spoiled.status_code == 502 and spoiled.json()["prakerja_code"] == code
    assert data(post(provider.url, "/enrolments", body))["next"]["action"] == "verify"


def test_double_submit_sends_the_assignment_twice_and_it_is_reviewed_once(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["careful"]
    code = _code(runtime, provider)
    _verify(_enrol(provider, code))
    since = last_seq(provider.url)
    sent = data(post(provider.url, f"/enrolments/{code}/assignments", simulate_="double-submit"))
    assert sent["assignments"][0]["status"] == "reviewed"
    made = calls(provider.url, since)
    assert made.count((_path(TPM_SUBMISSION), 200)) == 2
    assert made.count((_path(TPM_FEEDBACK), 200)) == 1


def test_transport_directives_answer_without_calling_prakerja(
    providers: dict[str, Provider],
) -> None:
    provider = providers["careful"]
    since = last_seq(provider.url)
    body = {"redeem_code": "PRAT-NONE", "email": "a@b.id"}
    assert post(provider.url, "/enrolments", body, simulate_="503").status_code == 503
    assert (
        post(provider.url, "/enrolments", body, simulate_="duplicate-callback").status_code == 400
    )
    assert calls(provider.url, since) == []


# --- mutants: each wrong in the one way its name says ------------------------------------------


def _refused(provider: Provider, code: str, email: str | None = None) -> dict[str, object]:
    body = {"redeem_code": code, "email": email or f"{code.lower()}@peserta.test"}
    response = post(provider.url, "/enrolments", body)
    assert response.status_code in (404, 409, 502), response.text
    return dict(response.json())


@pytest.mark.parametrize(
    ("mutant", "code"),
    [
        ("unsigned", "ERRAUT40101"),
        ("wrong-signature", "ERRAUT40103"),
        ("stale-clock", "ERRAUT40104"),
        ("wrong-redirect-uri", "ERRRDM40007"),
    ],
)
def test_a_mutant_whose_calls_are_wrong_is_refused_by_the_server(
    providers: dict[str, Provider], runtime: Runtime, mutant: str, code: str
) -> None:
    refused = _refused(providers[mutant], _code(runtime, providers[mutant]))
    assert refused["code"] == "partner_error" and refused["prakerja_code"] == code


def test_replays_signature_resends_a_status_call_and_the_server_refuses_the_replay(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["replays-signature"]
    code = _code(runtime, provider)
    since = last_seq(provider.url)
    back = _verify(_enrol(provider, code))  # the callback asks status of stage 1 again
    assert calls(provider.url, since)[-1] == (_path(REDEEM_STATUS), 401)
    assert back["failure"]["prakerja_code"] == "ERRAUT40105"
    assert back["stages"][0]["verified"] is False


def test_skips_status_check_redeems_before_it_looks(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["skips-status-check"]
    since = last_seq(provider.url)
    _enrol(provider, _code(runtime, provider))
    assert [path for path, _ in calls(provider.url, since)] == [
        _path(URL_GENERATE),
        _path(REDEEM_STATUS),
    ]


def test_reuses_email_binds_the_second_participant_to_the_first_ones_email(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["reuses-email"]
    _enrol(provider, _code(runtime, provider, "WEBINAR"))
    refused = _refused(provider, _code(runtime, provider, "WEBINAR"))
    assert refused["code"] == "email_taken" and refused["prakerja_code"] == "ERRRDM40005"


def test_attendance_before_redeem_asks_session_two_before_stage_one_is_verified(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["attendance-before-redeem"]
    code = _code(runtime, provider, "WEBINAR")
    _enrol(provider, code)
    early = data(post(provider.url, f"/enrolments/{code}/attend"))
    assert early["failure"]["prakerja_code"] == "ERRRDM40003"
    assert calls(provider.url)[-1] == (_path(URL_GENERATE), 400)


@pytest.mark.parametrize(("name", "recorded"), [("careful", False), ("trusts-callback", True)])
def test_a_callback_claiming_success_is_checked_with_redeem_status(
    providers: dict[str, Provider], runtime: Runtime, name: str, recorded: bool
) -> None:
    provider = providers[name]
    code = _code(runtime, provider)
    _enrol(provider, code)  # the link is issued but the participant never opens it
    forged = data(get(provider.url, f"/callback?redeem_code={code}&sequence=1&status=success"))
    assert forged["stages"][0]["verified"] is recorded


def test_blind_retry_sends_a_refused_url_generate_again_unchanged(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["blind-retry-refused"]
    shared = f"shared-{_code(runtime, provider).lower()}@peserta.test"
    _enrol(provider, _code(runtime, provider), shared)
    second = _code(runtime, provider)
    since = last_seq(provider.url)
    assert _refused(provider, second, shared)["prakerja_code"] == "ERRRDM40005"
    assert calls(provider.url, since)[1:] == [(_path(URL_GENERATE), 400)] * 2


def test_feedback_before_submission_is_refused_and_the_work_stays_unreviewed(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["feedback-before-submission"]
    code = _code(runtime, provider)
    _verify(_enrol(provider, code))
    since = last_seq(provider.url)
    sent = data(post(provider.url, f"/enrolments/{code}/assignments"))
    assert calls(provider.url, since) == [(_path(TPM_FEEDBACK), 400), (_path(TPM_SUBMISSION), 200)]
    assert sent["assignments"][0]["status"] == "submitted"


def _to_uk(provider: Provider, code: str) -> None:
    _verify(_enrol(provider, code))
    assert data(post(provider.url, f"/enrolments/{code}/assignments"))["failure"] is None


def test_wrong_scope_sends_the_uk_as_a_tpm_and_is_refused(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["wrong-scope"]
    code = _code(runtime, provider)
    _to_uk(provider, code)
    uk = data(post(provider.url, f"/enrolments/{code}/assignments"))
    assert uk["failure"]["prakerja_code"] == "ERRTPM40001"


@pytest.mark.parametrize(("name", "made"), [("careful", 1), ("retry-storm", 12)])
def test_a_refused_read_is_asked_once_but_the_storm_asks_it_twelve_times(
    providers: dict[str, Provider], name: str, made: int
) -> None:
    provider = providers[name]
    since = last_seq(provider.url)
    _refused(provider, f"NOPE-{name}")
    assert calls(provider.url, since) == [(_path(REDEEM_STATUS), 400)] * made


def test_certificate_before_post_test_reports_before_prakerja_verified_it(
    providers: dict[str, Provider], runtime: Runtime
) -> None:
    provider = providers["certificate-before-post-test"]
    code = _code(runtime, provider)
    _to_uk(provider, code)
    assert data(post(provider.url, f"/enrolments/{code}/assignments"))["failure"] is None
    since = last_seq(provider.url)
    data(post(provider.url, f"/enrolments/{code}/post-test"))
    assert calls(provider.url, since) == [(_path(REPORT_RESULT), 409), (_path(URL_GENERATE), 200)]
