"""Sandbox-only helpers: the SMS inbox (no signature; refused when the server is not a sandbox)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contract.endpoints import MAIL_INBOX, SMS_INBOX
from contract.envelope import ok
from reference_server.auth import RuntimeDep
from reference_server.routers.common import route_options
from reference_server.services import sandbox

router = APIRouter()
# Longer than any card number or phone, shorter than anything that could burden a query.
MAX_QUERY_LENGTH = 32
NO_NUL = r"^[^\x00]*$"


@router.get(SMS_INBOX.path, **route_options(SMS_INBOX))
def sms_inbox(
    runtime: RuntimeDep,
    prakerja_id: Annotated[
        str | None, Query(max_length=MAX_QUERY_LENGTH, pattern=NO_NUL, description="Card number.")
    ] = None,
    phone_number: Annotated[
        str | None, Query(max_length=MAX_QUERY_LENGTH, pattern=NO_NUL, description="Phone number.")
    ] = None,
) -> dict[str, Any]:
    """Texts sent to a test beneficiary, newest first."""
    data = sandbox.sms_inbox(runtime, prakerja_id, phone_number)
    return ok(data.model_dump(), SMS_INBOX.success_message)


@router.get(MAIL_INBOX.path, **route_options(MAIL_INBOX))
def mail_inbox(
    runtime: RuntimeDep,
    email: Annotated[
        str, Query(min_length=1, max_length=254, pattern=NO_NUL, description="E-mail address.")
    ],
) -> dict[str, Any]:
    """E-mails sent to an address, newest first."""
    data = sandbox.mail_inbox(runtime, email)
    return ok(data.model_dump(), MAIL_INBOX.success_message)
