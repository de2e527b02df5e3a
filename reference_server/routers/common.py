"""Route options built from the endpoint catalogue, so docs and behaviour share one source."""

from __future__ import annotations

from typing import Any

from contract.endpoints import SIGNED, Endpoint
from contract.envelope import Envelope, ErrorEnvelope, MessageEnvelope
from contract.errors import ErrorCode


def error_responses(codes: tuple[ErrorCode, ...]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for catalogued errors, grouped by HTTP status, one example each."""
    grouped: dict[int, list[ErrorCode]] = {}
    for code in codes:
        grouped.setdefault(code.http_status, []).append(code)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, items in sorted(grouped.items()):
        responses[status] = {
            "model": ErrorEnvelope,
            "description": "; ".join(f"`{c.code}`: {c.description}" for c in items),
            "content": {
                "application/json": {
                    "examples": {
                        c.code: {
                            "summary": c.description,
                            "value": {"success": False, "code": c.code, "message": c.message},
                        }
                        for c in items
                    }
                }
            },
        }
    return responses


def route_options(endpoint: Endpoint) -> dict[str, Any]:
    """Keyword arguments for ``router.post(endpoint.path, **route_options(endpoint))``."""
    codes = endpoint.errors + (SIGNED if endpoint.role is not None else ())
    if endpoint.invalid_code not in codes:
        codes += (endpoint.invalid_code,)
    response_model: Any = Envelope[endpoint.data] if endpoint.data else MessageEnvelope  # type: ignore[name-defined]
    return {
        "summary": endpoint.summary,
        "description": endpoint.description,
        "operation_id": endpoint.name,
        "response_model": response_model,
        "responses": error_responses(tuple(dict.fromkeys(codes))),
        "tags": [endpoint.tag],
        "name": endpoint.name,
    }
