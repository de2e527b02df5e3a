"""Commands that talk to a running sandbox as a partner would: call, inbox."""

from __future__ import annotations

import json
from typing import Annotated

import httpx
import typer
from rich.console import Console

from contract.client import PartnerClient

console = Console()

Sandbox = Annotated[
    str, typer.Option("--sandbox", envvar="PRAKERJA_SANDBOX_URL", help="Base URL of the sandbox.")
]
ClientCode = Annotated[
    str, typer.Option("--client-code", envvar="PRAKERJA_CLIENT_CODE", help="Your client_code.")
]
SignKey = Annotated[
    str, typer.Option("--sign-key", envvar="PRAKERJA_SIGN_KEY", help="Your sign_key.")
]


def _path(path: str) -> str:
    if path.startswith("/"):
        return path
    return f"/api/v1/integration/{path}"


def call(
    path: Annotated[str, typer.Argument(help="Full path, or the part after /api/v1/integration/.")],
    body: Annotated[str, typer.Argument(help="JSON body.")] = "{}",
    payment_token: Annotated[
        str | None, typer.Option(help="Sends `Authorization: Payment <token>` (payment/authorize).")
    ] = None,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = "http://127.0.0.1:8000",
) -> None:
    """Send one signed request and print the response (exit 1 when success is false).

    Example: prakerja call payment/quota-schedule '{"course_code":"SBX-MANDIRI","schedule_code":"SBX-MANDIRI-OPEN"}'
    """
    if not (client_code and sign_key):
        raise typer.BadParameter(
            "set --client-code and --sign-key (or PRAKERJA_CLIENT_CODE / PRAKERJA_SIGN_KEY)"
        )
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"body is not JSON: {exc}") from exc
    authorization = f"Payment {payment_token}" if payment_token else None
    try:
        with PartnerClient(sandbox, client_code, sign_key, restamp_replays=3) as client:
            response = client.post(_path(path), parsed, authorization=authorization)
    except httpx.TransportError as exc:
        raise typer.BadParameter(f"cannot reach the sandbox at {sandbox}: {exc}") from exc
    console.print_json(response.text)
    if not response.json().get("success"):
        raise typer.Exit(1)


def inbox(
    prakerja_id: Annotated[str, typer.Argument(help="Card number of a test beneficiary.")],
    sandbox: Sandbox = "http://127.0.0.1:8000",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Read the sandbox SMS inbox of a test beneficiary (OTPs), newest first.

    Example: prakerja inbox 9929593153839412
    """
    try:
        response = httpx.get(
            f"{sandbox.rstrip('/')}/api/v1/sandbox/sms-inbox", params={"prakerja_id": prakerja_id}
        )
    except httpx.TransportError as exc:
        raise typer.BadParameter(f"cannot reach the sandbox at {sandbox}: {exc}") from exc
    if as_json:
        typer.echo(response.text)
        return
    payload = response.json()
    if not payload.get("success"):
        console.print(f"[red]{payload.get('code')}[/] {payload.get('message')}")
        raise typer.Exit(1)
    for message in payload["data"]["messages"]:
        console.print(
            f"[dim]{message['sent_at']}[/]  [bold]{message['otp'] or ''}[/]  {message['text']}"
        )
