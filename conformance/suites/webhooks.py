"""A partner's webhook receiver (any role declaring ``webhooks``): the harness sends Prakerja's
signed events and judges the answers. Registered onto each role's server-mode suite; a DP or an
LP is judged in server mode on these alone."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from conformance.errors import HarnessError, PartnerFailure
from conformance.server_mode import ServerContext
from conformance.suite import Suite
from contract.client import compact
from contract.requirements import Mode
from contract.roles import Role
from contract.webhooks import WEBHOOK_TIMEOUT_SECONDS

STALE = 1_516_239_022


def event_for(role: Role) -> dict[str, Any]:
    """A plausible event of the kind Prakerja sends a partner of ``role``."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    event_id = f"EVT-CERT-{secrets.token_hex(8)}"
    if role is Role.PP:
        data: dict[str, Any] = {
            "event_type": "disbursement.settled",
            "data": {"disbursement_id": f"DSB-CERT-{secrets.token_hex(6)}",
                     "partner_reference": None, "amount": 600_000, "status": "PAID",
                     "failure_code": None},
        }  # fmt: skip
    elif role is Role.LP:
        data = {
            "event_type": "purchase.voided",
            "data": {"transaction_code": "CERT" + secrets.token_hex(6).upper(),
                     "course_code": "SBX-MANDIRI", "redeem_code": None, "voided_at": now},
        }  # fmt: skip
    else:
        data = {
            "event_type": "card.revoked",
            "data": {"prakerja_id": "9" + "".join(secrets.choice("0123456789") for _ in range(15)),
                     "revoked_at": now},
        }  # fmt: skip
    return {"event_id": event_id, "occurred_at": now, **data}


def _url(ctx: ServerContext) -> str:
    if not ctx.webhook_url:
        raise HarnessError(
            "no webhook URL: pass --webhook-url or declare webhook_url in the capabilities file "
            "(or leave the webhooks capability out of it)"
        )
    return ctx.webhook_url


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[-1].partition("/")[2].partition("?")[0]


def _deliver(
    ctx: ServerContext,
    event: dict[str, Any],
    *,
    timestamp: int | None = None,
    signature: str | None = None,
) -> int:
    url = _url(ctx)
    text = compact(event)
    headers = ctx.headers(_path(url), text, timestamp=timestamp)
    if signature is not None:
        headers["signature"] = signature
    answer = ctx.evidence.call(
        "POST", url, content=text.encode(), headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
    )
    return answer.status


def _refused(ctx: ServerContext, what: str, status: int) -> None:
    if 200 <= status < 300:
        raise PartnerFailure(
            f"A webhook {what} was accepted.",
            received=f"HTTP {status}",
            expected="a refusal (non-2xx): verify the signature and timestamp before trusting it",
        )


def add_webhook_checks(suite: Suite[ServerContext]) -> None:
    """Register the WH-* checks on ``suite``."""

    @suite.check("WH-ACK-001")
    def signed_event_acknowledged(ctx: ServerContext) -> None:
        """A correctly signed event gets a 2xx within 10 s."""
        status = _deliver(ctx, event_for(ctx.role))
        if not 200 <= status < 300:
            raise PartnerFailure(
                "A correctly signed webhook was not acknowledged.",
                received=f"HTTP {status}",
                expected="HTTP 2xx within 10 s",
            )

    @suite.check("WH-SIGN-001")
    def bad_signature_refused(ctx: ServerContext) -> None:
        """An event with a signature not Prakerja's is refused."""
        _refused(
            ctx, "with a wrong signature", _deliver(ctx, event_for(ctx.role), signature="0" * 40)
        )

    @suite.check("WH-SIGN-002")
    def stale_timestamp_refused(ctx: ServerContext) -> None:
        """An event stamped long ago is refused."""
        _refused(ctx, "stamped in 2018", _deliver(ctx, event_for(ctx.role), timestamp=STALE))

    @suite.check("WH-SIGN-003")
    def replay_refused(ctx: ServerContext) -> None:
        """The same signed delivery sent twice: the second is refused."""
        url = _url(ctx)
        text = compact(event_for(ctx.role))
        headers = ctx.headers(_path(url), text)
        first = ctx.evidence.call("POST", url, content=text.encode(), headers=headers)
        if not 200 <= first.status < 300:
            raise HarnessError(f"the first delivery was not accepted (HTTP {first.status})")
        again = ctx.evidence.call("POST", url, content=text.encode(), headers=headers)
        _refused(ctx, "replayed with the same signature", again.status)

    @suite.check("WH-DUP-001")
    def duplicate_event_harmless(ctx: ServerContext) -> None:
        """The same event delivered twice (each signed anew) is acknowledged both times."""
        event = event_for(ctx.role)
        statuses = [_deliver(ctx, event), _deliver(ctx, event)]
        if not all(200 <= s < 300 for s in statuses):
            raise PartnerFailure(
                "A duplicate delivery of an event was not acknowledged.",
                received=f"HTTP {statuses[0]}, then HTTP {statuses[1]}",
                expected="HTTP 2xx both times (de-duplicate by event_id)",
            )


def receiver_suite(role: Role) -> Suite[ServerContext]:
    """The server-mode suite of a role whose only server is its webhook receiver (DP, LP)."""
    suite: Suite[ServerContext] = Suite(role, Mode.SERVER, f"{role.value} webhook receiver")
    add_webhook_checks(suite)
    return suite


dp_suite = receiver_suite(Role.DP)
lp_suite = receiver_suite(Role.LP)
