"""The published documents, exported from the code: never hand-edited twins of it.

The app serves one document at ``/openapi.json``: every route as mounted, a component for every
message model of ``contract/``, and the error catalogue in ``x-error-catalogue`` and in
``info.description``. It is published as one document per surface, each holding its own paths and
the components they reference: ``openapi/integration.openapi.json`` (the partner API: payments,
attendance, assignments, SSO, sandbox helpers), ``registration.openapi.json`` (applicants,
sandbox-defined), ``admin.openapi.json`` (the programme office: waves and the lottery) and
``catalogue.openapi.json`` (course submissions, curation, the public catalogue, LP results;
sandbox-defined) and ``government.openapi.json`` (what the government sources serve, which the
sandbox calls and simulates; built from ``contract.government``). ``openapi/errors.json`` is the
catalogue as data with the JSON Schema of each error envelope, and ``openapi/schemas/<Model>.json``
holds one JSON Schema (draft 2020-12) per message model. Output is deterministic (sorted keys,
2-space indent, trailing newline) so that a diff of the committed files means a change of contract.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Literal

import typer
from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from contract import (
    VERSION,
    admin,
    assignments,
    attendance,
    catalogue,
    certification,
    envelope,
    government,
    incentives,
    jobs,
    partner_app,
    payments,
    payouts,
    registration,
    sandbox,
    simulate,
    sso,
    webhooks,
)
from contract import errors as err
from contract.endpoints import (
    ADMIN,
    CATALOGUE_API,
    CERTIFICATION,
    JOB_PORTAL_FEED,
    JOBS,
    PARTNER_ENDPOINTS,
    PAYOUT_CALLBACK,
    REGISTRATION,
    Endpoint,
)
from contract.errors import CATALOGUE, ErrorCode, Surface
from contract.requirements import catalogue_document
from reference_server.errors import error_body

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
OPENAPI_FILE = "integration.openapi.json"
REGISTRATION_FILE = "registration.openapi.json"
ADMIN_FILE = "admin.openapi.json"
CATALOGUE_FILE = "catalogue.openapi.json"
GOVERNMENT_FILE = "government.openapi.json"
PAYMENT_PARTNER_FILE = "payment-partner.openapi.json"
WEBHOOKS_FILE = "webhooks.openapi.json"
JOBS_FILE = "jobs.openapi.json"
JOB_PORTAL_FILE = "job-portal.openapi.json"
CERTIFICATION_FILE = "certification.openapi.json"
REQUIREMENTS_FILE = "requirements.json"  # the conformance requirement catalogue
# Each surface's document: its title, what it says first, and which paths are its own.
SURFACES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    REGISTRATION_FILE: (
        "Prakerja Partner Sandbox — registration API (sandbox-defined)",
        "Applicants (people, not partners) create an account, verify e-mail and phone by OTP, "
        "submit identity and a selfie, join the open wave and read their status and dashboard. "
        "No signature: `POST accounts` and `POST login` return a session token that the other "
        "calls carry as `Authorization: Bearer <token>`. Sign-ups and OTP sends per phone, "
        "requests per account, sign-ups and logins per address, and OTP attempts per account "
        "are limited per window; past a limit the answer is 429 `ERRREG42901` with `Retry-After` "
        "(seconds). Verification (Dukcapil, biometrics, DTKS, the scheme's rules) runs in the "
        "background after identity and selfie are in: poll the status.",
        (REGISTRATION,),
    ),
    ADMIN_FILE: (
        "Prakerja Partner Sandbox — programme office API (sandbox-defined)",
        "Waves and the verifiable lottery, signed like the integration API by a partner of role "
        "`pmo`. A wave's seed is committed (its SHA-256 published) before the wave closes and "
        "revealed at the draw; winners are the `quota` eligible joiners with the smallest "
        "SHA-256(seed || NIK). Export the joiners and winners and recompute with "
        "`prakerja lottery verify`.",
        (ADMIN,),
    ),
    CATALOGUE_FILE: (
        "Prakerja Partner Sandbox — catalogue and curation API (sandbox-defined)",
        "How courses enter the one unified catalogue, signed like the integration API. A digital "
        "platform (role `dp`) submits a course with its schedules on behalf of one of its "
        "training providers and reads its status; the programme office (role `pmo`) assesses it "
        "on the published indicators (52 at entry, 40 in monitoring): approved, it is on sale "
        "through the DP that submitted it; rejected, it carries its reasons and may be corrected "
        "and submitted again; a failed monitoring assessment suspends it (send-otp refuses "
        "`ERRCAT40007`) until a later one passes. A training provider (role `lp`) reports a "
        "finished participant's scores and certificate. The catalogue, a course's page and the "
        "indicators are public (no signature). Beneficiaries review a finished purchase on the "
        "registration surface (`POST /api/v1/registration/reviews`).",
        (f"{CATALOGUE_API}/",),
    ),
    JOBS_FILE: (
        "Prakerja Partner Sandbox — jobs API (sandbox-defined)",
        "Job portals push their vacancies in batches (signed like the integration API by a "
        "partner of role `jp`), each item judged on its own, and withdraw them; anyone searches "
        "the live ones. Recommendations for an applicant are on the registration surface "
        "(`GET /api/v1/registration/jobs/recommendations`, bearer). What a job portal serves "
        "itself (its feed, which Prakerja pulls) is in `job-portal.openapi.json`.",
        (f"{JOBS}/",),
    ),
    CERTIFICATION_FILE: (
        "Prakerja Partner Sandbox — certification API (sandbox-defined)",
        "Conformance runs and certificates. `prakerja certify` judges a partner against the "
        "requirement catalogue of its role (`requirements.json`) and submits the report, signed "
        "by the partner it certifies; a run with no MUST failure gets a certificate signed with "
        "the programme office's Ed25519 key (`GET public-key`), verifiable offline with "
        "`prakerja certify verify`. The office (role `pmo`) lists runs and accepts or rejects "
        "them with a comment. Client mode (DP, LP, JP pushes): a session records every call the "
        "partner makes under the scenario started last, and injects the scenario's faults "
        "(`ERRCRT50301` busy with `Retry-After`, `ERRCRT50401` answer lost after processing).",
        (CERTIFICATION,),
    ),
}
ERRORS_FILE = "errors.json"
SCHEMAS_DIR = "schemas"
REGENERATE = "prakerja openapi"
MESSAGE_MODULES: tuple[ModuleType, ...] = (
    payments,
    attendance,
    assignments,
    sso,
    sandbox,
    registration,
    admin,
    catalogue,
    government,
    jobs,
    envelope,
    payouts,
    incentives,
    webhooks,
    partner_app,  # what a partner's own app does (simulators only): its messages' schemas
    certification,
)
# Base classes that only carry configuration (``extra="ignore"``); their subclasses are the messages.
BASE_CLASS_NAMES = frozenset({"Request"})
ERROR_ENVELOPES: dict[Surface, type[BaseModel]] = {
    Surface.INTEGRATION: envelope.ErrorEnvelope,
    Surface.SSO: envelope.SsoErrorEnvelope,
}
# FastAPI documents a 422 for every body it validates; this server answers those in the envelope
# with a catalogued 400 instead (reference_server.errors), so the 422 would be a false promise.
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

Mode = Literal["validation", "serialization"]


# --- the models -------------------------------------------------------------------------------


def message_models() -> dict[str, type[BaseModel]]:
    """Every request and response message model of the contract, by name."""
    found: dict[str, type[BaseModel]] = {}
    for module in MESSAGE_MODULES:
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
                and name not in BASE_CLASS_NAMES
                and not name.startswith("_")
            ):
                if name in found and found[name] is not value:
                    raise ValueError(f"two message models are named {name}: give one another name")
                found[name] = value
    return dict(sorted(found.items()))


def mode_of(name: str) -> Mode:
    """Requests are documented as the server validates them, everything else as it is sent."""
    return "validation" if name.endswith("Request") else "serialization"


def model_schema(name: str, model: type[BaseModel]) -> dict[str, Any]:
    """The standalone JSON Schema (draft 2020-12) of one message model."""
    schema = model.model_json_schema(mode=mode_of(name))
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


# --- the error catalogue ----------------------------------------------------------------------


def error_entry(error: ErrorCode) -> dict[str, Any]:
    """One catalogued error as data, with the body the server renders for it."""
    return {
        "code": error.code,
        "http_status": error.http_status,
        "message": error.message,
        "description": error.description,
        "surface": error.surface.value,
        "portal": error.portal,
        "example": error_body(error),
    }


def error_catalogue() -> list[dict[str, Any]]:
    """The whole error catalogue, in catalogue order."""
    return [error_entry(error) for error in CATALOGUE.values()]


def errors_document() -> dict[str, Any]:
    """``errors.json``: the catalogue and the JSON Schema of the error envelope of each surface."""
    return {
        "contract_version": VERSION,
        "envelopes": {
            surface.value: model_schema(model.__name__, model)
            for surface, model in ERROR_ENVELOPES.items()
        },
        "errors": error_catalogue(),
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def catalogue_markdown() -> str:
    """The error catalogue as a Markdown section for ``info.description``."""
    lines = [
        "## Error catalogue",
        "",
        "Every error is rendered in the envelope of its surface: integration "
        '`{"success": false, "code", "message"}`, SSO also with `errorCode`. Codes marked '
        "*portal* were seen on developer.prakerja.go.id; the others are sandbox-defined in the "
        "same style. The same list, as data, is in `x-error-catalogue`.",
        "",
        "| code | HTTP | surface | message | meaning |",
        "|---|---|---|---|---|",
    ]
    for error in CATALOGUE.values():
        code = f"`{error.code}`" + (" *portal*" if error.portal else "")
        lines.append(
            f"| {code} | {error.http_status} | {error.surface.value} | "
            f"{_cell(error.message)} | {_cell(error.description)} |"
        )
    return "\n".join(lines) + "\n"


# --- the OpenAPI document ---------------------------------------------------------------------


def _message_components() -> dict[str, Any]:
    """Component schemas for every message model, referencing each other under components."""
    models = message_models()
    _, definitions = models_json_schema(
        [(model, mode_of(name)) for name, model in models.items()],
        ref_template="#/components/schemas/{model}",
    )
    components: dict[str, Any] = definitions.get("$defs", {})
    return components


def _drop_fastapi_422(document: dict[str, Any]) -> None:
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            schema = (
                responses.get("422", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            if schema.get("$ref") == "#/components/schemas/HTTPValidationError":
                del responses["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for name in FASTAPI_VALIDATION_SCHEMAS:  # outermost first: it references the next
        rest = {key: value for key, value in schemas.items() if key != name}
        if f"#/components/schemas/{name}" not in json.dumps([document.get("paths", {}), rest]):
            schemas.pop(name, None)


def publish(base: dict[str, Any]) -> dict[str, Any]:
    """The published document: FastAPI's document of the routes plus messages and errors."""
    document = copy.deepcopy(base)
    _drop_fastapi_422(document)
    info = document.setdefault("info", {})
    info["description"] = info.get("description", "").rstrip("\n") + "\n\n" + catalogue_markdown()
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _message_components().items():
        schemas.setdefault(name, schema)
    document["x-error-catalogue"] = error_catalogue()
    return document


def install(app: FastAPI) -> None:
    """Serve the published document at ``/openapi.json`` instead of FastAPI's bare one."""
    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        base = FastAPI.openapi(app)  # FastAPI's own cache, rebuilt when the routes change
        if cache.get("base") is not base:
            cache["base"], cache["document"] = base, publish(base)
        document: dict[str, Any] = cache["document"]
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def app_document() -> dict[str, Any]:
    """What the app serves at ``/openapi.json``, built without a database (a copy of its own:
    the document is built once per process, which several test modules ask for)."""
    return copy.deepcopy(_built_document())


@functools.cache
def _built_document() -> dict[str, Any]:
    from cryptography.fernet import Fernet

    from reference_server.app import create_app
    from reference_server.settings import ServerSettings

    with tempfile.TemporaryDirectory(prefix="prakerja-openapi-") as folder:
        # Never connected to: building the app and its document needs no database.
        settings = ServerSettings(
            database_url=f"sqlite:///{Path(folder) / 'unused.db'}",
            secret_key=Fernet.generate_key().decode(),
        )
        app = create_app(settings)
        try:
            return app.openapi()
        finally:
            app.state.runtime.close()


# --- files ------------------------------------------------------------------------------------


def render(document: Any) -> str:
    """Deterministic JSON text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _prune_components(document: dict[str, Any]) -> None:
    """Keep only the component schemas the paths reach (transitively)."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    reached: set[str] = set()
    todo = list(_refs(document.get("paths", {})))
    while todo:
        name = todo.pop()
        if name in reached or name not in schemas:
            continue
        reached.add(name)
        todo.extend(_refs(schemas[name]))
    document.setdefault("components", {})["schemas"] = {
        name: schema for name, schema in schemas.items() if name in reached
    }


def surface_documents(full: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The served document split by surface: file name to document."""
    claimed: dict[str, str] = {}
    for name, (_, _, prefixes) in SURFACES.items():
        for path in full.get("paths", {}):
            if path.startswith(prefixes):
                claimed[path] = name
    documents: dict[str, dict[str, Any]] = {}
    for name in (OPENAPI_FILE, *SURFACES):
        document = copy.deepcopy(full)
        document["paths"] = {
            path: item
            for path, item in full.get("paths", {}).items()
            if claimed.get(path, OPENAPI_FILE) == name
        }
        if name in SURFACES:
            title, description, _ = SURFACES[name]
            document["info"] = {
                **document["info"],
                "title": title,
                "description": description + "\n\n" + catalogue_markdown(),
            }
        _prune_components(document)
        documents[name] = document
    return documents


def government_document() -> dict[str, Any]:
    """What the government sources serve (and the sandbox simulates), from contract.government."""
    operations = (
        (
            "dukcapil_verify",
            government.DUKCAPIL_VERIFY,
            "Dukcapil: verify a NIK",
            government.NikVerifyRequest,
            government.NikVerifyResponse,
        ),
        (
            "dtks_check",
            government.DTKS_CHECK,
            "DTKS: is the NIK a social-assistance recipient",
            government.DtksRequest,
            government.DtksResponse,
        ),
        (
            "liveness",
            government.LIVENESS,
            "Biometrics: is the selfie live",
            government.LivenessRequest,
            government.LivenessResponse,
        ),
        (
            "face_match",
            government.FACE_MATCH,
            "Biometrics: selfie vs the civil-registry photo",
            government.FaceMatchRequest,
            government.FaceMatchResponse,
        ),
    )
    models = [m for op in operations for m in op[3:]] + [government.SourceError]
    _, definitions = models_json_schema(
        [(m, mode_of(m.__name__)) for m in models], ref_template="#/components/schemas/{model}"
    )

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    error = {"application/json": {"schema": ref(government.SourceError)}}
    paths = {
        path: {
            "post": {
                "operationId": op_id,
                "summary": summary,
                "parameters": [
                    {
                        "name": government.SIMULATE_HEADER,
                        "in": "header",
                        "required": False,
                        "description": "Simulators only: force an outcome. " + simulate.describe(),
                        "schema": {"type": "string", "maxLength": 200},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref(request)}},
                },
                "responses": {
                    "200": {
                        "description": "The answer.",
                        "content": {"application/json": {"schema": ref(response)}},
                    },
                    "400": {
                        "description": "Malformed request (a caller's bug: not retried).",
                        "content": error,
                    },
                    "503": {
                        "description": "Source unavailable: retry with backoff.",
                        "content": error,
                    },
                    "504": {
                        "description": "Source timed out: retry with backoff.",
                        "content": error,
                    },
                },
            }
        }
        for op_id, path, summary, request, response in operations
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Government sources as the sandbox calls them (Dukcapil, DTKS, biometrics)",
            "version": VERSION,
            "description": (government.__doc__ or "").strip(),
        },
        "paths": paths,
        "components": {"schemas": definitions.get("$defs", {})},
    }


# --- partner-hosted documents: the payment partner's API and the webhooks Prakerja sends --------

SIGNED_BY_PRAKERJA = (
    err.MISSING_HEADERS,
    err.UNKNOWN_CLIENT,
    err.BAD_SIGNATURE,
    err.BAD_TIMESTAMP,
    err.REPLAYED,
)


def _definitions(models: list[type[BaseModel]]) -> dict[str, Any]:
    _, definitions = models_json_schema(
        [(m, mode_of(m.__name__)) for m in models], ref_template="#/components/schemas/{model}"
    )
    found: dict[str, Any] = definitions.get("$defs", {})
    return found


def _ref(model: type[BaseModel]) -> dict[str, str]:
    # Pydantic names a generic's component after its parameters: Envelope[X] -> Envelope_X_.
    name = re.sub(r"[^A-Za-z0-9_]", "_", model.__name__)
    return {"$ref": f"#/components/schemas/{name}"}


def _signature_headers(key: str, who: str = "payment partner") -> list[dict[str, Any]]:
    """The three headers of a signed call, as OpenAPI parameters."""
    return [
        {
            "name": "client_code",
            "in": "header",
            "required": True,
            "description": f"The {who}'s own client code.",
            "schema": {"type": "string"},
        },
        {
            "name": "timestamp",
            "in": "header",
            "required": True,
            "description": "Unix seconds; refused more than 300 s from the receiver's clock.",
            "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
        },
        {
            "name": "signature",
            "in": "header",
            "required": True,
            "description": f"Lower-case hex HMAC-SHA1 with the {who}'s {key} over client_code "
            "+ timestamp + METHOD + path + body; each accepted once.",
            "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{40}$"},
        },
    ]


def _error_responses(codes: tuple[ErrorCode, ...]) -> dict[str, Any]:
    grouped: dict[int, list[ErrorCode]] = {}
    for code in dict.fromkeys(codes):
        grouped.setdefault(code.http_status, []).append(code)
    return {
        str(status): {
            "description": "; ".join(f"`{c.code}`: {c.description}" for c in items),
            "content": {
                "application/json": {
                    "schema": _ref(envelope.ErrorEnvelope),
                    "examples": {
                        c.code: {"summary": c.description, "value": error_body(c)} for c in items
                    },
                }
            },
        }
        for status, items in sorted(grouped.items())
    }


def _operation(
    endpoint: Endpoint,
    data: type[BaseModel],
    errors: tuple[ErrorCode, ...],
    key: str,
    who: str = "payment partner",
) -> dict[str, Any]:
    assert endpoint.request is not None
    return {
        "operationId": endpoint.name,
        "summary": endpoint.summary,
        "description": endpoint.description,
        "tags": [endpoint.tag],
        "parameters": _signature_headers(key, who),
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref(endpoint.request)}},
        },
        "responses": {
            "200": {
                "description": "Success envelope; `data` as below.",
                "content": {"application/json": {"schema": _ref(envelope.Envelope[data])}},  # type: ignore[valid-type]
            },
            **_error_responses(errors),
        },
    }


def partner_catalogue_markdown() -> str:
    """The payment-partner error catalogue as a Markdown section."""
    lines = [
        "## Payment-partner error catalogue",
        "",
        "The codes a payment partner answers (HTTP errors) or records as a FAILED "
        "disbursement's `failure_code`; signature failures use the integration API's `ERRAUT` "
        "codes. As data: `x-partner-error-catalogue`.",
        "",
        "| code | HTTP | message | meaning |",
        "|---|---|---|---|",
    ]
    for error in payouts.PARTNER_CATALOGUE.values():
        lines.append(
            f"| `{error.code}` | {error.http_status} | {_cell(error.message)} | "
            f"{_cell(error.description)} |"
        )
    return "\n".join(lines) + "\n"


def payment_partner_document() -> dict[str, Any]:
    """What a payment partner serves, and the callback it sends Prakerja (as a webhook)."""
    models: list[type[BaseModel]] = [envelope.ErrorEnvelope]
    paths: dict[str, Any] = {}
    for endpoint in PARTNER_ENDPOINTS:
        assert endpoint.request is not None and endpoint.data is not None
        models += [endpoint.request, envelope.Envelope[endpoint.data]]  # type: ignore[name-defined]
        errors = SIGNED_BY_PRAKERJA + endpoint.errors
        paths[endpoint.path] = {"post": _operation(endpoint, endpoint.data, errors, "webhook key")}
    callback = PAYOUT_CALLBACK
    assert callback.request is not None and callback.data is not None
    models += [callback.request, envelope.Envelope[callback.data]]  # type: ignore[name-defined]
    callback_errors = SIGNED_BY_PRAKERJA + (err.REPLAYED, err.WRONG_ROLE, err.BAD_REQUEST)
    hook = _operation(callback, callback.data, callback_errors + callback.errors, "sign key")
    hook["description"] = (
        f"Sent by the partner to `{{prakerja}}{callback.path}` (Prakerja's base URL, agreed at "
        "onboarding). " + callback.description
    )
    catalogue = [
        {key: value for key, value in error_entry(error).items() if key != "surface"}
        for error in payouts.PARTNER_CATALOGUE.values()
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Payment partner API: what a bank or e-wallet serves to pay Kartu Prakerja "
            "incentives (sandbox-defined)",
            "version": VERSION,
            "description": (payouts.__doc__ or "").strip() + "\n\n" + partner_catalogue_markdown(),
        },
        "servers": [
            {"url": "{base_url}", "variables": {"base_url": {"default": "https://pp.example"}}}
        ],
        "paths": paths,
        "webhooks": {"payoutCallback": {"post": hook}},
        "components": {"schemas": _definitions(models)},
        "x-partner-error-catalogue": catalogue,
    }


def webhooks_document() -> dict[str, Any]:
    """The events Prakerja POSTs to partners' webhook URLs (OpenAPI ``webhooks``)."""
    hooks: dict[str, Any] = {}
    for event_type, model in webhooks.EVENT_MODELS.items():
        hooks[event_type.value] = {
            "post": {
                "operationId": event_type.value.replace(".", "_"),
                "summary": f"`{event_type.value}`",
                "parameters": _signature_headers("webhook key", "receiving partner"),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(model)}},
                },
                "responses": {
                    "2XX": {"description": "Received (the body is ignored)."},
                    "default": {"description": "Anything else: delivered again later."},
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Webhooks Prakerja sends to partners (sandbox-defined)",
            "version": VERSION,
            "description": (webhooks.__doc__ or "").strip(),
        },
        "paths": {},
        "webhooks": hooks,
        "components": {"schemas": _definitions(list(webhooks.EVENT_MODELS.values()))},
    }


JOB_PORTAL_DESCRIPTION = """\
What a job portal (role `jp`) serves itself, at its `base_url` (registered with `prakerja partners
add --base-url` or `partners set-urls`), for Prakerja and the conformance harness to call: its
vacancy feed. Prakerja pulls it in the background, page by page from the last cursor it kept,
and takes in each vacancy exactly as a push (`jobs.openapi.json`): the same Vacancy schema and
rules, judged item by item.

**Signature.** Prakerja signs each call with the portal's `webhook_key` (issued with its
credentials): headers `client_code` (the portal's own client_code), `timestamp` (Unix seconds)
and `signature` = lower-case hex HMAC-SHA1(webhook_key, client_code + timestamp + `POST` + path +
body). The portal must refuse a missing, wrong or replayed signature and a timestamp outside
±300 s, in the error envelope with the `ERRAUT` codes, before looking at the body.
"""


def job_portal_document() -> dict[str, Any]:
    """What a job portal serves: its vacancy feed, which Prakerja pulls."""
    feed = JOB_PORTAL_FEED
    assert feed.request is not None and feed.data is not None
    models: list[type[BaseModel]] = [
        envelope.ErrorEnvelope,
        feed.request,
        envelope.Envelope[feed.data],  # type: ignore[name-defined]
    ]
    operation = _operation(feed, feed.data, feed.errors, "webhook key", who="job portal")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Job portal API: what a job portal serves Prakerja (sandbox-defined)",
            "version": VERSION,
            "description": JOB_PORTAL_DESCRIPTION,
        },
        "servers": [
            {"url": "{base_url}", "variables": {"base_url": {"default": "https://jp.example"}}}
        ],
        "paths": {feed.path: {"post": operation}},
        "components": {"schemas": _definitions(models)},
    }


def exported_files() -> dict[str, str]:
    """Every published file as the code exports it: relative path to text."""
    files = {name: render(doc) for name, doc in surface_documents(app_document()).items()}
    files[GOVERNMENT_FILE] = render(government_document())
    files[PAYMENT_PARTNER_FILE] = render(payment_partner_document())
    files[WEBHOOKS_FILE] = render(webhooks_document())
    files[JOB_PORTAL_FILE] = render(job_portal_document())
    files[ERRORS_FILE] = render(errors_document())
    files[REQUIREMENTS_FILE] = render(catalogue_document())
    for name, model in message_models().items():
        files[f"{SCHEMAS_DIR}/{name}.json"] = render(model_schema(name, model))
    return dict(sorted(files.items()))


def _managed(out_dir: Path) -> Iterator[str]:
    """The files under ``out_dir`` this exporter owns (other documents there are left alone)."""
    for name in (
        OPENAPI_FILE,
        *SURFACES,
        GOVERNMENT_FILE,
        PAYMENT_PARTNER_FILE,
        WEBHOOKS_FILE,
        JOB_PORTAL_FILE,
        ERRORS_FILE,
        REQUIREMENTS_FILE,
    ):
        if (out_dir / name).is_file():
            yield name
    if (out_dir / SCHEMAS_DIR).is_dir():
        for path in sorted((out_dir / SCHEMAS_DIR).glob("*.json")):
            yield f"{SCHEMAS_DIR}/{path.name}"


@dataclass(frozen=True)
class Difference:
    """One published file that disagrees with the code."""

    path: str
    kind: str  # missing | changed | stale
    diff: str = ""

    def describe(self, out_dir: Path) -> str:
        """One line for a person: which file and how it differs."""
        what = {
            "missing": "is missing (the code exports it)",
            "changed": "differs from what the code exports",
            "stale": "is no longer exported by the code",
        }[self.kind]
        return f"{out_dir / self.path} {what}"


def differences(out_dir: Path, exported: dict[str, str] | None = None) -> list[Difference]:
    """The committed files under ``out_dir`` that disagree with ``exported`` (default: the code)."""
    exported = exported_files() if exported is None else exported
    found: list[Difference] = []
    for path, text in exported.items():
        target = out_dir / path
        if not target.is_file():
            found.append(Difference(path, "missing"))
            continue
        committed = target.read_text(encoding="utf-8")
        if committed != text:
            diff = "".join(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"committed/{path}",
                    tofile=f"exported/{path}",
                    n=2,
                )
            )
            found.append(Difference(path, "changed", diff))
    found.extend(Difference(path, "stale") for path in _managed(out_dir) if path not in exported)
    return found


def write(out_dir: Path, exported: dict[str, str] | None = None) -> list[Difference]:
    """Bring ``out_dir`` in line with the code; returns what changed."""
    exported = exported_files() if exported is None else exported
    changed = differences(out_dir, exported)
    for item in changed:
        target = out_dir / item.path
        if item.kind == "stale":
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(exported[item.path], encoding="utf-8")
    return changed


def report(out_dir: Path, items: list[Difference], echo: Callable[[str], None]) -> None:
    """Say which files differ and how to regenerate them."""
    for item in items:
        echo(f"  {item.describe(out_dir)}")
    echo(f"Regenerate with: {REGENERATE}")


def export_cmd(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Write nothing; exit 1 listing the files that differ from the code."
        ),
    ] = False,
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Where the published documents live.")
    ] = Path("openapi"),
) -> None:
    """Export the OpenAPI document, the error catalogue and the JSON Schemas from the code.

    Example: prakerja openapi --check
    """
    if check:
        items = differences(out_dir)
        if items:
            typer.echo(f"{len(items)} published file(s) disagree with the code:", err=True)
            report(out_dir, items, lambda line: typer.echo(line, err=True))
            raise typer.Exit(1)
        typer.echo(f"{out_dir}/ matches the code.")
        return
    items = write(out_dir)
    for item in items:
        verb = {"missing": "created", "changed": "updated", "stale": "removed"}[item.kind]
        typer.echo(f"{verb} {out_dir / item.path}")
    if not items:
        typer.echo(f"{out_dir}/ already matches the code.")


if __name__ == "__main__":  # python -m reference_server.openapi_export [--check]
    typer.run(export_cmd)
