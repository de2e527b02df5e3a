"""Schemathesis over the jobs surface on the live server: push and withdraw signed by a job portal,
search unauthenticated. No 5xx, every answer as documented, every operation succeeds once, and
badly authenticated pushes get the catalogued refusal. (Recommendations are fuzzed with the
registration surface in test_schemathesis_journey.)
"""

from __future__ import annotations

import time
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
from contract.client import compact, signed_headers
from contract.endpoints import (
    BY_PATH,
    JOBS,
    PUSH_VACANCIES,
    SEARCH_VACANCIES,
    WITHDRAW_VACANCIES,
)
from reference_server.errors import error_body
from reference_server.openapi_export import app_document
from tests.factories import Partner, Partners
from tests.reference_server.vacancies_support import jp, vacancy

pytestmark = pytest.mark.slow
Case = GenericCase[Any]

SEED = 20_240_601
MAX_EXAMPLES = 30
TIMESTAMP_SPREAD = 240
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
DOCUMENT = app_document()
jobs_surface = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "request-timeout": 10,
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
            "phases": {"coverage": {"enabled": True}, "stateful": {"enabled": False}},
        }
    ),
).include(path_regex=rf"^{JOBS}/")


class Portal:
    """Signs each generated call as the module's job portal, each signature once."""

    def __init__(self, partner: Partner) -> None:
        self.partner = partner
        self.used: set[tuple[str, str, int]] = set()

    def headers(self, path: str, method: str, body_text: str) -> dict[str, str]:
        endpoint = BY_PATH.get(path)
        if endpoint is None or endpoint.role is None:
            return {}
        now = int(time.time())
        stamp = next(
            now - back
            for back in range(TIMESTAMP_SPREAD)
            if (path, body_text, now - back) not in self.used
        )
        self.used.add((path, body_text, stamp))
        creds = self.partner.creds
        return signed_headers(
            creds.client_code, creds.sign_key, path, body_text, method=method, timestamp=stamp
        )


@pytest.fixture(scope="module")
def portal(partners: Partners) -> Portal:
    return Portal(jp(partners))


def body_text(case: Case) -> str:
    if isinstance(case.body, NotSet):
        return ""
    if isinstance(case.body, bytes):
        return case.body.decode("utf-8", errors="replace")
    return compact(case.body)


def send(case: Case, server_url: str, headers: dict[str, str]) -> Any:
    if isinstance(case.body, NotSet):
        return case.call(base_url=server_url, headers=headers)
    return case.call(base_url=server_url, headers=headers, data=body_text(case).encode())


@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@jobs_surface.parametrize()
def test_jobs_surface_conforms(case: Case, server_url: str, portal: Portal) -> None:
    """Generated calls, signed where the surface wants a signature: documented answers, no 5xx."""
    headers = portal.headers(case.path, case.method.upper(), body_text(case))
    response = send(case, server_url, headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


def test_every_jobs_operation_succeeds_as_documented(server_url: str, portal: Portal) -> None:
    called: set[str] = set()

    def call(method: str, path: str, **given: Any) -> Any:
        operation = jobs_surface[path][method]
        case = operation.Case(**given)
        headers = portal.headers(path, method, body_text(case))
        response = send(case, server_url, headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        assert response.status_code == 200, f"{operation.label}: {response.text}"
        called.add(operation.label)
        return response.json()["data"]

    item = vacancy(title="Penjahit Garmen Fuzz")
    assert call("POST", PUSH_VACANCIES.path, body={"vacancies": [item]})["accepted"] == 1
    page = call("GET", SEARCH_VACANCIES.path, query={"q": "penjahit fuzz", "province": "31"})
    assert [v["vacancy_id"] for v in page["vacancies"]] == [item["vacancy_id"]]
    body = {"vacancy_ids": [item["vacancy_id"]]}
    assert call("POST", WITHDRAW_VACANCIES.path, body=body)["withdrawn"] == 1

    results = list(jobs_surface.get_all_operations())
    every = {result.ok().label for result in results if isinstance(result, Ok)}
    assert len(every) == len(results) == 3
    assert called == every


@pytest.mark.parametrize(
    ("mistake", "error"),
    [
        ("unsigned", err.MISSING_HEADERS),
        ("bad signature", err.BAD_SIGNATURE),
        ("stale timestamp", err.BAD_TIMESTAMP),
        ("unknown client_code", err.UNKNOWN_CLIENT),
    ],
)
def test_badly_authenticated_pushes_are_refused(
    mistake: str, error: err.ErrorCode, server_url: str, portal: Portal
) -> None:
    text = compact({"vacancies": [vacancy()]})
    creds = portal.partner.creds
    good = signed_headers(creds.client_code, creds.sign_key, PUSH_VACANCIES.path, text)
    headers = {
        "unsigned": {"Content-Type": "application/json"},
        "bad signature": {**good, "signature": "0" * 40},
        "stale timestamp": signed_headers(
            creds.client_code, creds.sign_key, PUSH_VACANCIES.path, text, timestamp=1_516_239_022
        ),
        "unknown client_code": {**good, "client_code": "jp-000000000000"},
    }[mistake]
    response = httpx.post(server_url + PUSH_VACANCIES.path, content=text, headers=headers)
    assert (response.status_code, response.json()) == (error.http_status, error_body(error))
