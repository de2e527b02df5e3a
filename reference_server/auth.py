"""Authentication of partner calls: headers, timestamp window, signature, role, replay."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from contract import errors as err
from contract.endpoints import Role
from contract.errors import ApiError
from contract.signature import verify
from reference_server.runtime import PartnerIdentity, Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import SeenSignature, utcnow

PRUNE_EVERY = 500


async def get_runtime(request: Request) -> Runtime:
    """The process's runtime, set up by the app factory (async: FastAPI would otherwise send even
    this attribute read to the thread pool, one more hand-over per request)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def authenticate(request: Request, runtime: RuntimeDep) -> PartnerIdentity:
    """Who signed this request; raises a catalogued 401 when it is not a valid partner call."""
    client_code = request.headers.get("client_code", "").strip()
    signature = request.headers.get("signature", "").strip()
    timestamp = request.headers.get("timestamp", "").strip()
    if not (client_code and signature and timestamp):
        raise ApiError(err.MISSING_HEADERS)
    check_timestamp(timestamp, runtime.settings.timestamp_tolerance_seconds)
    partner = runtime.partner(client_code)
    if partner is None:
        raise ApiError(err.UNKNOWN_CLIENT)
    body = await request.body()
    if not verify(
        partner.sign_key,
        client_code,
        timestamp,
        request.method,
        request.url.path,
        body,
        signature,
        request.headers.get("authorization"),
    ):
        raise ApiError(err.BAD_SIGNATURE)
    return partner


def check_timestamp(timestamp: str, tolerance: int) -> None:
    """Integer seconds within ``tolerance`` of now, either side."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise ApiError(err.BAD_TIMESTAMP)
    if abs(time.time() - int(timestamp)) > tolerance:
        raise ApiError(err.BAD_TIMESTAMP)


def remember_signature(runtime: Runtime, partner: PartnerIdentity, signature: str) -> None:
    """Accept a (client_code, signature) pair once; a second time is a replay."""
    now = utcnow()
    try:
        with transaction(runtime.sessions) as session:
            # A plain INSERT: the ORM's unit of work would only add bookkeeping to one row.
            session.execute(
                insert(SeenSignature).values(
                    client_code=partner.client_code, signature=signature.lower(), seen_at=now
                )
            )
    except IntegrityError:
        raise ApiError(err.REPLAYED) from None
    if next(runtime.accepted_signatures) % PRUNE_EVERY == 0:
        horizon = now - timedelta(seconds=2 * runtime.settings.timestamp_tolerance_seconds)
        with transaction(runtime.sessions) as session:
            session.execute(delete(SeenSignature).where(SeenSignature.seen_at < horizon))


def require(role: Role) -> Callable[..., PartnerIdentity]:
    """A dependency admitting only partners of ``role``, each signature once."""
    return require_any((role,))


def require_any(roles: tuple[Role, ...]) -> Callable[..., PartnerIdentity]:
    """A dependency admitting partners of any of ``roles``, each signature once."""
    allowed = frozenset(role.value for role in roles)

    def dependency(
        request: Request,
        runtime: RuntimeDep,
        partner: Annotated[PartnerIdentity, Depends(authenticate)],
    ) -> PartnerIdentity:
        if partner.role not in allowed:
            raise ApiError(err.WRONG_ROLE)
        remember_signature(runtime, partner, request.headers["signature"].strip())
        return partner

    return dependency


DpPartner = Annotated[PartnerIdentity, Depends(require(Role.DP))]
LpPartner = Annotated[PartnerIdentity, Depends(require(Role.LP))]
PpPartner = Annotated[PartnerIdentity, Depends(require(Role.PP))]
