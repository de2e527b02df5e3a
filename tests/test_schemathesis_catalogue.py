"""Schemathesis over the catalogue surface and the review operation, against the live server: every
generated request gets a documented answer, never a 5xx, and every operation succeeds once with
data a real DP, PMO, LP or beneficiary would send.

Each request carries what its operation needs: signed by a DP, the PMO or an LP of this module
according to the endpoint catalogue (a fresh timestamp per request, as a signature is accepted
once), the bearer token of a beneficiary for the review, nothing for the public catalogue.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
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

from contract.catalogue import AssessmentKind
from contract.client import compact, signed_headers
from contract.endpoints import BY_PATH, CATALOGUE_API, SUBMIT_REVIEW, Role
from reference_server.openapi_export import app_document
from reference_server.runtime import Runtime
from tests.factories import Partner, Partners, verify_stage
from tests.reference_server import catalogue_support as cs
from tests.reference_server.applicants import Applicant

pytestmark = pytest.mark.slow
Case = GenericCase[Any]

SEED = 20_240_601
MAX_EXAMPLES = 25
SURFACE = rf"^({CATALOGUE_API}/|{SUBMIT_REVIEW.path}$)"
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
TIMESTAMP_SPREAD = 240

DOCUMENT = app_document()
config = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "request-timeout": 10,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        "phases": {"coverage": {"enabled": True}, "stateful": {"enabled": False}},
    }
)
surface = schemathesis.openapi.from_dict(DOCUMENT, config=config).include(path_regex=SURFACE)


@dataclass
class Callers:
    """Who sends what: a DP, the PMO and an LP (signatures), a beneficiary (bearer)."""

    dp: Partner
    office: Partner
    lp: Partner
    person: Applicant
    http: httpx.Client
    used: set[tuple[str, str, int]] = field(default_factory=set)

    def headers(
        self, path: str, method: str, body_text: str, person: Applicant | None = None
    ) -> dict[str, str]:
        endpoint = BY_PATH.get(path)
        if endpoint is None or endpoint.role is None:
            return dict((person or self.person).auth) if path == SUBMIT_REVIEW.path else {}
        partner = {Role.DP: self.dp, Role.PMO: self.office, Role.LP: self.lp}[endpoint.role]
        now = int(time.time())
        stamp = next(
            now - back
            for back in range(TIMESTAMP_SPREAD)
            if (path, body_text, now - back) not in self.used
        )
        self.used.add((path, body_text, stamp))
        creds = partner.creds
        return signed_headers(
            creds.client_code, creds.sign_key, path, body_text, method=method, timestamp=stamp
        )


@pytest.fixture(scope="module")
def callers(partners: Partners, runtime: Runtime, server_url: str) -> Iterator[Callers]:
    """A DP, a PMO, an LP and a beneficiary of this module."""
    with httpx.Client(base_url=server_url) as http:
        person, _ = cs.beneficiary(runtime, http)
        yield Callers(partners.dp(), cs.pmo(partners), partners.lp(), person, http)


def body_text(case: Case) -> str:
    if isinstance(case.body, NotSet):
        return ""
    if isinstance(case.body, bytes):
        return case.body.decode("utf-8", errors="replace")
    return compact(case.body)


def send(case: Case, base_url: str, headers: dict[str, str]) -> Any:
    if isinstance(case.body, NotSet):
        return case.call(base_url=base_url, headers=headers)
    return case.call(base_url=base_url, headers=headers, data=body_text(case).encode())


@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@surface.parametrize()
def test_catalogue_surface_conforms(case: Case, callers: Callers, server_url: str) -> None:
    """Generated calls, authenticated as the operation requires: documented answers, no 5xx."""
    headers = callers.headers(case.path, case.method.upper(), body_text(case))
    response = send(case, server_url, headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


class HappyPath:
    """Calls one operation with data that must succeed; schemathesis validates the response."""

    def __init__(self, callers: Callers, server_url: str, person: Applicant) -> None:
        self.callers = callers
        self.server_url = server_url
        self.person = person
        self.called: set[str] = set()

    def __call__(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
    ) -> Any:
        operation = surface[path][method]
        given: dict[str, Any] = {"query": query} if query is not None else {}
        if body is not None:
            given["body"] = body
        case = operation.Case(**given)
        sent = self.callers.headers(path, method, body_text(case), self.person)
        response = send(case, self.server_url, sent)
        case.validate_response(response, checks=CHECKS, headers=sent)
        assert response.status_code == 200, f"{operation.label}: {response.text}"
        self.called.add(operation.label)
        return response.json()["data"]


def test_every_catalogue_operation_succeeds_as_documented(
    callers: Callers, runtime: Runtime, server_url: str
) -> None:
    person, card = cs.beneficiary(runtime, callers.http)  # its own request budget
    call = HappyPath(callers, server_url, person)
    api = CATALOGUE_API
    lp = callers.lp
    body = cs.course_body(lp)
    course_code = body["course_code"]
    call("POST", f"{api}/courses/submit", body)
    call("POST", f"{api}/submissions/status", {"course_code": course_code})
    call("POST", f"{api}/submissions/list", {"status": "PENDING"})
    call("POST", f"{api}/curation/pending", {})
    call("GET", f"{api}/indicators")
    scores = cs.all_good(AssessmentKind.ENTRY)
    call(
        "POST",
        f"{api}/curation/assess",
        {"course_code": course_code, "kind": "entry", "scores": scores},
    )
    extra = cs.schedule()
    call("POST", f"{api}/courses/schedules", {"course_code": course_code, "schedules": [extra]})
    call("POST", f"{api}/curation/show", {"course_code": course_code})
    listed = call(
        "GET", f"{api}/courses", query={"lp": lp.creds.client_code, "method": "self_paced"}
    )
    assert [c["course_code"] for c in listed["courses"]] == [course_code]

    paid = cs.buy(callers.dp, server_url, card, course_code, extra["schedule_code"])
    email = f"{secrets.token_hex(4)}@lp.example"
    for sequence in (1, 999):
        assert verify_stage(lp, paid["redeem_code"], sequence, email=email).status_code == 303
    result = {"redeem_code": paid["redeem_code"], "pre_test": 55, "post_test": 70}
    call("POST", f"{api}/results", result)
    review = {
        "transaction_code": paid["transaction_code"],
        "rating": 5,
        "review": "Sangat bermanfaat.",
    }
    call("POST", SUBMIT_REVIEW.path, review)
    page = call("GET", f"{api}/course", query={"course_code": course_code})
    assert page["rating_count"] == 1 and page["results"]["reported"] == 1

    results = list(surface.get_all_operations())
    every = {result.ok().label for result in results if isinstance(result, Ok)}
    assert len(every) == len(results), "the published document has an invalid operation"
    assert call.called == every, f"no successful call of {sorted(every - call.called)}"
