"""The payment-partner contract: messages refuse what a bank must never receive or send, and the
published document says everything a partner's engineer needs (every operation, code and $ref)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from pydantic import ValidationError

from contract import errors as err
from contract.endpoints import ALL_ENDPOINTS, PARTNER_ENDPOINTS, PAYOUT_CALLBACK
from contract.errors import CATALOGUE
from contract.incentives import LinkAccountRequest, SurveyAnswerRequest
from contract.payouts import (
    CALLBACK_PATH,
    FAILURE_CODES,
    PARTNER_CATALOGUE,
    PARTNER_PATHS,
    DisbursementData,
    DisburseRequest,
    StatementRequest,
)
from contract.webhooks import EVENT_MODELS
from reference_server.openapi_export import payment_partner_document, webhooks_document

DISBURSE = {
    "disbursement_id": "DSB-1",
    "account_type": "EWALLET",
    "account_number": "081234567890",
    "amount": 600_000,
    "description": "Insentif Kartu Prakerja 1/4",
}
ANSWER = {
    "disbursement_id": "DSB-1",
    "partner_reference": "PR-1",
    "status": "SUCCESS",
    "amount": 600_000,
    "received_at": "2024-03-01T09:30:00+07:00",
    "final_at": "2024-03-01T09:30:01+07:00",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return payment_partner_document()


@pytest.mark.parametrize("amount", [600000.0, "600000", 0, -1, True, 1_000_000_001])
def test_a_disbursement_amount_is_a_positive_integer_of_rupiah(amount: object) -> None:
    with pytest.raises(ValidationError):
        DisburseRequest.model_validate({**DISBURSE, "amount": amount})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("disbursement_id", ""),
        ("disbursement_id", "DSB 1"),
        ("disbursement_id", "x" * 65),
        ("account_number", "0812-3456"),
        ("account_type", "CASH"),
    ],
)
def test_a_disburse_request_refuses_malformed_fields(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        DisburseRequest.model_validate({**DISBURSE, field: value})


def test_unknown_fields_are_ignored_both_ways() -> None:
    assert DisburseRequest.model_validate({**DISBURSE, "later": 1}).amount == 600_000
    assert DisbursementData.model_validate({**ANSWER, "later": 1}).partner_reference == "PR-1"


@pytest.mark.parametrize(
    "change",
    [
        {"status": "FAILED"},  # FAILED without failure_code
        {"failure_code": "ERRPPR42201"},  # a failure_code on a SUCCESS
        {"status": "PENDING"},  # PENDING with final_at
        {"final_at": None},  # SUCCESS without final_at
        {"final_at": "2024-03-01T09:30:01"},  # no UTC offset
        {"amount": 600000.5},
    ],
)
def test_a_partner_answer_that_contradicts_itself_breaks_the_contract(
    change: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        DisbursementData.model_validate({**ANSWER, **change})


def test_consistent_answers_are_accepted() -> None:
    DisbursementData.model_validate({**ANSWER, "status": "PENDING", "final_at": None})
    failed = {**ANSWER, "status": "FAILED", "failure_code": "ERRPPR42201"}
    assert DisbursementData.model_validate(failed).failure_code == "ERRPPR42201"


def test_statement_pages_are_bounded() -> None:
    assert StatementRequest.model_validate({"date": "2024-03-01"}).limit == 500
    for limit in (0, 1001, 10.0):
        with pytest.raises(ValidationError):
            StatementRequest.model_validate({"date": "2024-03-01", "limit": limit})


@pytest.mark.parametrize(
    ("number", "stored"),
    [
        ("081234567890", "081234567890"),
        ("+6281234567890", "081234567890"),
        ("6281234567890", "081234567890"),
    ],
)
def test_an_ewallet_is_linked_by_its_phone_in_national_form(number: str, stored: str) -> None:
    request = LinkAccountRequest.model_validate(
        {"partner_code": "pp-ovo", "account_type": "EWALLET", "account_number": number}
    )
    assert request.account_number == stored


@pytest.mark.parametrize(
    ("kind", "number"), [("EWALLET", "0212345678"), ("BANK", "12-34-56-78"), ("BANK", "12345")]
)
def test_link_requests_refuse_numbers_of_the_wrong_shape(kind: str, number: str) -> None:
    with pytest.raises(ValidationError):
        LinkAccountRequest.model_validate(
            {"partner_code": "pp-bni", "account_type": kind, "account_number": number}
        )


def test_survey_answers_are_bounded() -> None:
    with pytest.raises(ValidationError):
        SurveyAnswerRequest.model_validate(
            {"survey_code": "S1", "answers": {f"q{n}": 1 for n in range(51)}}
        )
    with pytest.raises(ValidationError):
        SurveyAnswerRequest.model_validate({"survey_code": "S1", "answers": {"q1": "x" * 501}})


def test_partner_codes_are_their_own_catalogue_in_the_shape_of_the_rest() -> None:
    assert not set(PARTNER_CATALOGUE) & set(CATALOGUE)
    for code, entry in PARTNER_CATALOGUE.items():
        match = re.fullmatch(r"ERRPPR(\d{3})\d{2}", code)
        assert match and int(match.group(1)) == entry.http_status, code
    assert set(FAILURE_CODES) <= set(PARTNER_CATALOGUE.values())
    incentive_codes = [c for c in CATALOGUE if c.startswith("ERRINC")]
    for code in incentive_codes:
        assert int(code[6:9]) == CATALOGUE[code].http_status, code


def test_partner_operations_are_not_served_by_prakerja() -> None:
    served = {e.path for e in ALL_ENDPOINTS}
    assert not served & set(PARTNER_PATHS)
    assert CALLBACK_PATH in served and PAYOUT_CALLBACK.role is not None


def test_the_partner_document_holds_its_operations_and_the_callback(
    document: dict[str, Any],
) -> None:
    assert set(document["paths"]) == set(PARTNER_PATHS)
    assert list(document["webhooks"]) == ["payoutCallback"]
    for endpoint in PARTNER_ENDPOINTS:
        operation = document["paths"][endpoint.path]["post"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"client_code", "timestamp", "signature"}
        documented = {
            code
            for response in operation["responses"].values()
            for code in response.get("content", {}).get("application/json", {}).get("examples", {})
        }
        expected = {e.code for e in endpoint.errors} | {err.BAD_SIGNATURE.code, err.REPLAYED.code}
        assert expected <= documented, endpoint.path
    codes = [entry["code"] for entry in document["x-partner-error-catalogue"]]
    assert codes == list(PARTNER_CATALOGUE)
    assert all(f"`{code}`" in document["info"]["description"] for code in codes)


def _refs(node: Any) -> set[str]:
    text = json.dumps(node)
    return {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}


@pytest.mark.parametrize("build", [payment_partner_document, webhooks_document])
def test_every_reference_resolves_and_every_example_is_valid(build: Any) -> None:
    document = build()
    schemas = document["components"]["schemas"]
    assert _refs(document) <= set(schemas)
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    root = {"components": document["components"]}
    for item in [*document["paths"].values(), *document["webhooks"].values()]:
        for status, response in item["post"]["responses"].items():
            content = response.get("content", {}).get("application/json", {})
            if "schema" not in content:
                continue
            validator = Draft202012Validator({**root, **content["schema"]})
            for name, example in content.get("examples", {}).items():
                assert not list(validator.iter_errors(example["value"])), (status, name)


def test_every_webhook_event_is_documented() -> None:
    document = webhooks_document()
    assert set(document["webhooks"]) == {t.value for t in EVENT_MODELS}
