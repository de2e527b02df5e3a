"""Schemathesis over the live server: every documented operation answers as its document says.

The cases come from the document the server publishes at /openapi.json (built in-process so that
pytest lists one test per operation; a test checks that the live server serves exactly it). Each
generated request is signed when it is sent (a fresh timestamp and signature per request, since a
signature is accepted once) by a DP or an LP according to the operation's role in the endpoint
catalogue; SSO calls carry the LP's ``X-Client-Id``. The checks are strict: no server error, and
responses, status codes and content types exactly as documented. Generation is seeded, so a
failure reproduces on the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NotSet
from schemathesis.core.result import Ok
from schemathesis.generation.case import Case as GenericCase

from contract import errors as err
from contract.client import PartnerClient, compact, signed_headers
from contract.endpoints import (
    BY_PATH,
    PAYOUT_CALLBACK,
    SSO_AUTHORIZE_PATH,
    SSO_PROFILE_PATH,
    SSO_REFRESH_PATH,
    SSO_TOKEN_PATH,
    Role,
)
from contract.errors import ErrorCode
from contract.signature import sign
from reference_server.errors import error_body, is_sso_path
from reference_server.openapi_export import app_document
from reference_server.runtime import Runtime
from tests.factories import (
    REDIRECT_URI,
    SSO_SCOPE,
    Partner,
    Partners,
    beneficiary,
    redeem_code,
    sso_code,
)
from tests.reference_server.payouts_support import Sim, a_paid_disbursement, running_partners

pytestmark = pytest.mark.slow
Case = GenericCase[Any]
Headers = dict[str, str]

SEED = 20_240_601
MAX_EXAMPLES = 40
NEGATIVE_AUTH_EXAMPLES = 4
# Everything a partner calls: the integration API, SSO and the sandbox inbox. /health and the
# HTML pages of the participant's browser are not part of the partner contract.
PARTNER_SURFACE = r"^/api/v1/(integration|oauth|resource|sandbox)/"
AUTHENTICATED_SURFACE = r"^/api/v1/(integration|oauth|resource)/"
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# How far back (seconds, inside the ±300 s tolerance) a repeated request may be stamped.
TIMESTAMP_SPREAD = 240
STALE_TIMESTAMP = 1_516_239_022

BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _config(mode: str, max_examples: int, *, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "request-timeout": 10,
            "generation": {"mode": mode, "max-examples": max_examples},
            "phases": {"coverage": {"enabled": coverage}, "stateful": {"enabled": False}},
        }
    )


@dataclass
class Signer:
    """Signs each generated request as the partner the operation belongs to."""

    dp: Partner
    lp: Partner
    pp: Partner
    used: set[tuple[str, str, str, int]] = field(default_factory=set)

    def timestamp(self, method: str, path: str, body_text: str) -> int:
        """Now, or the latest second before it that this exact request has not been signed with.

        A signature is accepted once, and generation repeats bodies (and a GET signs no body), so
        a repeated request takes an earlier second inside the tolerance window.
        """
        now = int(time.time())
        for back in range(TIMESTAMP_SPREAD):
            key = (method, path, body_text, now - back)
            if key not in self.used:
                self.used.add(key)
                return now - back
        raise AssertionError(f"over {TIMESTAMP_SPREAD} identical {method} {path} in the window")

    def partner(self, role: Role) -> Partner:
        """The partner of this role."""
        return {Role.DP: self.dp, Role.PP: self.pp}.get(role, self.lp)

    def headers(
        self, path: str, method: str, body_text: str, *, timestamp: int | None = None
    ) -> dict[str, str]:
        """The authentication headers a correct partner sends on this call."""
        endpoint = BY_PATH.get(path)
        if endpoint is not None and endpoint.role is not None:
            creds = self.partner(endpoint.role).creds
            ts = self.timestamp(method, path, body_text) if timestamp is None else timestamp
            return signed_headers(
                creds.client_code, creds.sign_key, path, body_text, method=method, timestamp=ts
            )
        if is_sso_path(path):
            creds = self.lp.creds
            headers = {"X-Client-Id": creds.client_code}
            if path == SSO_AUTHORIZE_PATH:
                stamp = str(
                    self.timestamp(method, path, body_text) if timestamp is None else timestamp
                )
                headers["X-Timestamp"] = stamp
                headers["X-Signature"] = sign(
                    creds.sign_key, creds.client_code, stamp, method, path, ""
                )
            return headers
        return {}


@pytest.fixture(scope="module")
def payment_partner(runtime: Runtime, server_url: str) -> Iterator[tuple[Sim, Partner]]:
    """A payment-partner simulator, as a signing partner of this module."""
    with running_partners(runtime, server_url, ("ovo",)) as sims:
        creds = sims["ovo"].creds
        with PartnerClient(server_url, creds.client_code, creds.sign_key) as client:
            yield sims["ovo"], Partner(creds, client, {})


@pytest.fixture(scope="module")
def signer(partners: Partners, payment_partner: tuple[Sim, Partner]) -> Signer:
    """A DP, an LP and a PP of their own for this module."""
    return Signer(partners.dp(), partners.lp(), payment_partner[1])


def body_bytes(case: Case) -> bytes | None:
    """The exact bytes sent: compact JSON as official clients send it, raw bytes as generated."""
    if isinstance(case.body, NotSet):
        return None
    if isinstance(case.body, bytes):  # a negative case: not JSON at all
        return case.body
    return compact(case.body).encode()


def body_text(case: Case) -> str:
    """The body text a partner signs (what it sends; undecodable bytes cannot be signed right)."""
    return (body_bytes(case) or b"").decode("utf-8", errors="replace")


def send(case: Case, server_url: str, headers: dict[str, str]) -> schemathesis.Response:
    """Send the case with these headers over the generated ones, and the body as signed."""
    content = body_bytes(case)
    if content is None:
        return case.call(base_url=server_url, headers=headers)
    return case.call(base_url=server_url, headers=headers, data=content)


# The document the server publishes, built in-process so pytest can list one test per operation
# (schemathesis' lazy ``from_fixture`` loader does not run under pytest 9.2); the last test below
# checks that the live server serves exactly this document.
DOCUMENT = app_document()
live = schemathesis.openapi.from_dict(
    DOCUMENT, config=_config("all", MAX_EXAMPLES, coverage=True)
).include(path_regex=PARTNER_SURFACE)
valid = schemathesis.openapi.from_dict(
    DOCUMENT, config=_config("positive", NEGATIVE_AUTH_EXAMPLES, coverage=False)
).include(path_regex=AUTHENTICATED_SURFACE)


@BOUNDED
@live.parametrize()
def test_partner_surface_conforms(case: Case, server_url: str, signer: Signer) -> None:
    """Correctly authenticated calls with generated data: no 5xx, everything as documented."""
    headers = signer.headers(case.path, case.method.upper(), body_text(case))
    response = send(case, server_url, headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


class HappyPath:
    """Calls one operation with data that must succeed; schemathesis validates the response."""

    def __init__(self, server_url: str, signer: Signer) -> None:
        self.server_url = server_url
        self.signer = signer
        self.called: set[str] = set()

    def __call__(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        headers: Headers | None = None,
    ) -> Any:
        """The ``data`` of the documented 200 response."""
        operation = live[path][method]
        given: dict[str, Any] = {"query": query, "headers": headers or {}}
        if body is not None:
            given["body"] = body
        case = operation.Case(**given)
        sent = self.signer.headers(path, method, body_text(case))
        response = send(case, self.server_url, sent)
        case.validate_response(response, checks=CHECKS, headers=sent)
        assert response.status_code == 200, f"{operation.label}: {response.text}"
        self.called.add(operation.label)
        return response.json().get("data")


def test_every_operation_succeeds_as_documented(
    server_url: str,
    signer: Signer,
    partners: Partners,
    runtime: Runtime,
    payment_partner: tuple[Sim, Partner],
) -> None:
    """One successful call of each operation, so the success schemas are checked too."""
    call = HappyPath(server_url, signer)
    card = beneficiary(signer.dp, "normal-1")["prakerja_id"]
    course = {"course_code": "SBX-MANDIRI", "schedule_code": "SBX-MANDIRI-OPEN"}
    payment = "/api/v1/integration/payment"
    call("POST", f"{payment}/quota-schedule", body=course)
    order = {**course, "prakerja_id": card, "user_platform_id": "u-happy", "amount": 500_000}
    token = call("POST", f"{payment}/send-otp", body=order)["payment_token"]
    inbox = call("GET", "/api/v1/sandbox/sms-inbox", query={"prakerja_id": card})
    call("GET", "/api/v1/sandbox/mail-inbox", query={"email": "nobody-yet@example.test"})
    invoice = {"invoice_code": "INV-HAPPY-1", "invoice_url": "https://dp.example/inv/1"}
    paid = call(
        "POST",
        f"{payment}/authorize",
        body={**invoice, "otp": inbox["messages"][0]["otp"]},
        headers={"Authorization": f"Payment {token}"},
    )
    call("POST", f"{payment}/status", body={"invoice_code": "INV-HAPPY-1"})
    voided = {"invoice_code": "INV-HAPPY-1", "transaction_code": paid["transaction_code"]}
    call("POST", f"{payment}/void", body=voided)

    first = {"redeem_code": redeem_code(signer.lp, "TC1-001-200")}
    call("POST", f"{payment}/redeem-code/status", body={**first, "sequence": 1})
    call("POST", f"{payment}/redeem-code/commit", body=first)
    call("POST", f"{payment}/redeem-code/reset", body=first)
    webinar = redeem_code(signer.lp, "TC2-001-200")
    link = {"redirect_uri": REDIRECT_URI, "email": "happy@lp.example", "sequence": 1}
    call("POST", "/api/v1/integration/oauth/url-generate", body={"redeem_code": webinar, **link})
    work = {"redeem_code": redeem_code(signer.lp, "TC1-999-200"), "scope": "tpm", "sequence": 1}
    tpm = "/api/v1/integration/tpm"
    call("POST", f"{tpm}/submission", body={**work, "url_file": "https://lp.example/work.txt"})
    call("POST", f"{tpm}/feedback/submission", body={**work, "notes": "Bagus."})
    call("POST", f"{tpm}/submission/status", body=work)

    login = {"redirect_uri": REDIRECT_URI, "login_uri": REDIRECT_URI, "scope": SSO_SCOPE}
    query = {"state": "STATE-HAPPY", "client_id": signer.lp.creds.client_code, **login}
    call("GET", SSO_AUTHORIZE_PATH, query=query)
    holder = beneficiary(signer.dp, "normal-2")["prakerja_id"]
    code = sso_code(server_url, signer.lp, card_number=holder, **login)
    tokens = call("POST", SSO_TOKEN_PATH, body={"code": code})
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    call("GET", SSO_PROFILE_PATH, headers=bearer)
    call("POST", SSO_REFRESH_PATH, body={"token": tokens["refresh_token"]})

    with httpx.Client(base_url=server_url) as http:
        settled = a_paid_disbursement(runtime, http, payment_partner[0])
    call("POST", PAYOUT_CALLBACK.path, body=settled)  # a late duplicate: answered as the first

    results = list(live.get_all_operations())
    every = {result.ok().label for result in results if isinstance(result, Ok)}
    assert len(every) == len(results), "the published document has an invalid operation"
    assert call.called == every, f"no successful call of {sorted(every - call.called)}"


def _unsigned(signer: Signer, case: Case) -> Headers:
    return {"Content-Type": "application/json"}


def _bad_signature(signer: Signer, case: Case) -> Headers:
    return {
        **signer.headers(case.path, case.method.upper(), body_text(case)),
        "signature": "0" * 40,
    }


def _stale(signer: Signer, case: Case) -> Headers:  # signed correctly, but long ago
    return signer.headers(
        case.path, case.method.upper(), body_text(case), timestamp=STALE_TIMESTAMP
    )


def _unknown_client(signer: Signer, case: Case) -> Headers:
    good = signer.headers(case.path, case.method.upper(), body_text(case))
    return {**good, "client_code": "dp-000000000000"}


def _no_client_id(signer: Signer, case: Case) -> Headers:
    return {}


def _unknown_client_id(signer: Signer, case: Case) -> Headers:
    good = signer.headers(case.path, case.method.upper(), body_text(case))
    return {**good, "X-Client-Id": "lp-000000000000"}


@dataclass(frozen=True)
class Forgery:
    """One way a caller gets authentication wrong, and the catalogued error it must receive."""

    name: str
    headers: Callable[[Signer, Case], Headers]
    error: ErrorCode
    strip: tuple[str, ...] = ()  # generated headers this mistake leaves out


INTEGRATION_FORGERIES = (
    Forgery("unsigned", _unsigned, err.MISSING_HEADERS, ("client_code", "signature", "timestamp")),
    Forgery("bad signature", _bad_signature, err.BAD_SIGNATURE),
    Forgery("stale timestamp", _stale, err.BAD_TIMESTAMP),
    Forgery("unknown client_code", _unknown_client, err.UNKNOWN_CLIENT),
)
SSO_FORGERIES = (
    Forgery("no X-Client-Id", _no_client_id, err.SSO_NO_CLIENT_ID, ("X-Client-Id",)),
    Forgery("unknown X-Client-Id", _unknown_client_id, err.SSO_UNKNOWN_CLIENT),
)


def forgeries_for(path: str) -> tuple[Forgery, ...]:
    """The authentication mistakes that apply to an operation."""
    endpoint = BY_PATH.get(path)
    if endpoint is not None and endpoint.role is not None:
        return INTEGRATION_FORGERIES
    if is_sso_path(path):
        return SSO_FORGERIES
    return ()


@settings(BOUNDED, max_examples=NEGATIVE_AUTH_EXAMPLES)
@valid.parametrize()
def test_bad_authentication_is_refused_in_the_envelope(
    case: Case, server_url: str, signer: Signer
) -> None:
    """Unsigned, badly signed, stale or unknown callers get the catalogued error, never a 5xx."""
    for forgery in forgeries_for(case.path):
        stripped = {name.lower() for name in forgery.strip}
        for name in [k for k in (case.headers or {}) if k.lower() in stripped]:
            del case.headers[name]
        headers = forgery.headers(signer, case)
        response = send(case, server_url, headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        expected: dict[str, Any] = error_body(forgery.error)
        assert (response.status_code, response.json()) == (forgery.error.http_status, expected), (
            f"{forgery.name} on {case.method} {case.path}"
        )


def test_live_server_publishes_the_tested_document(server_url: str) -> None:
    """The server under test serves at /openapi.json exactly the document the cases come from."""
    response = httpx.get(f"{server_url}/openapi.json")
    assert response.status_code == 200
    served = response.json()
    differing = sorted(
        key
        for part in ("paths", "components")
        for key in {*served.get(part, {}), *DOCUMENT.get(part, {})}
        if served.get(part, {}).get(key) != DOCUMENT.get(part, {}).get(key)
    )
    assert served == DOCUMENT, (
        f"the live document differs at {differing or 'its info or extensions'}"
    )
