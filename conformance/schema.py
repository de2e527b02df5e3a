"""Schema conformance with Schemathesis, as a library: generated valid calls of one operation of
our published document, signed as Prakerja signs them, answered as documented.

The documents are the ones in ``openapi/`` (exported from the contract), read from the checkout
the harness runs from. Generation is seeded (``derandomize``), so a failure reproduces; the first
failing case stops the check, with Schemathesis's own account of what was wrong. A transient
answer (502/503/504, which the contract lets Prakerja retry) is sent again, newly signed, before
it is judged.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from conformance.errors import HarnessError, PartnerFailure
from conformance.evidence import Answer
from conformance.server_mode import TRANSIENT, TRIES, ServerContext

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "openapi"
EXAMPLES = 12


@lru_cache(maxsize=8)
def _schema(document: str) -> Any:
    import schemathesis

    path = OPENAPI_DIR / document
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HarnessError(f"cannot read the published document {path}: {exc.strerror}") from exc
    config = schemathesis.Config.from_dict(
        {"generation": {"mode": "positive"}, "phases": {"stateful": {"enabled": False}}}
    )
    return schemathesis.openapi.from_dict(raw, config=config)


def document(name: str) -> dict[str, Any]:
    """A published document as data."""
    loaded: dict[str, Any] = json.loads((OPENAPI_DIR / name).read_text(encoding="utf-8"))
    return loaded


def conforms(
    ctx: ServerContext,
    document_name: str,
    path: str,
    *,
    method: str = "POST",
    examples: int = EXAMPLES,
) -> None:
    """Send generated valid calls of ``path`` and judge each answer against the document."""
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.core import NotSet

    operation = _schema(document_name)[path][method]
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]  # fmt: skip
    failed: list[PartnerFailure] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def one(case: Any) -> None:
        if failed:
            return
        body = {} if isinstance(case.body, NotSet) else case.body
        text = json.dumps(body, separators=(",", ":"))  # ASCII: any generated text can be signed
        try:
            answer = _send(ctx, path, text)
        except PartnerFailure as exc:  # no answer at all, three times
            failed.append(exc)
            return
        try:
            case.validate_response(answer.response, checks=checks)
        except (Exception, BaseExceptionGroup) as exc:  # Schemathesis's failures: the answer
            # breaks the document (a FailureGroup is a BaseExceptionGroup, not an Exception)
            failed.append(
                PartnerFailure(
                    f"{method} {path} answered outside its document.",
                    received=f"HTTP {answer.status}: {' '.join(str(exc).split())[:900]}",
                    expected=f"what {document_name} documents for this request: {text[:300]}",
                )
            )

    one()
    if failed:
        raise failed[0]


def _send(ctx: ServerContext, path: str, text: str) -> Answer:
    for attempt in range(TRIES):  # newly signed each time: the partner may have taken the first
        try:
            answer = ctx.evidence.call(
                "POST", ctx.origin + ctx.path(path), content=text.encode(),
                headers=ctx.headers(ctx.path(path), text),
            )  # fmt: skip
        except PartnerFailure:
            if attempt == TRIES - 1:
                raise
            continue
        if answer.status not in TRANSIENT or attempt == TRIES - 1:
            return answer
    raise HarnessError("unreachable")
