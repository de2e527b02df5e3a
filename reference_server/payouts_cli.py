"""``prakerja payouts``: the programme office's incentive commands over the admin API (signed as a
partner of role ``pmo``, like ``prakerja waves``): run what is due, reconcile a partner's day,
read a stored report, see the disbursements per partner."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from contract.endpoints import PAYOUT_SUMMARY, RECONCILE, RECONCILIATION, RUN_DUE
from contract.payouts import STATEMENT_TIMEZONE
from reference_server.admin_cli import DEFAULT_SANDBOX, ClientCode, Sandbox, SignKey
from reference_server.catalogue_cli import _signed as signed_call

console = Console()
payouts_app = typer.Typer(
    help="Incentive payouts: due runs, reconciliation, summaries (signed, role pmo).",
    no_args_is_help=True,
)
AsJson = Annotated[bool, typer.Option("--json", help="Print the data as JSON for scripts.")]
PartnerArg = Annotated[str, typer.Argument(help="The payment partner's client_code.")]
Day = Annotated[
    str | None,
    typer.Option("--date", help="The statement day, YYYY-MM-DD (Asia/Jakarta; default yesterday)."),
]


def _data(sandbox: str, client_code: str, sign_key: str, path: str, body: dict[str, Any]) -> Any:
    # The catalogue commands' signed call: errors printed (exit 1), a same-second repeat re-signed.
    return signed_call(sandbox, client_code, sign_key, path, body, False)


def _day(value: str | None) -> str:
    if value is None:
        today = dt.datetime.now(ZoneInfo(STATEMENT_TIMEZONE)).date()
        return (today - dt.timedelta(days=1)).isoformat()
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise typer.BadParameter("give the day as YYYY-MM-DD", param_hint="--date") from None


@payouts_app.command("run-due")
def run_due(
    as_of: Annotated[
        str | None,
        typer.Option(help="Sandbox: run as if it were this time (ISO-8601 with an offset)."),
    ] = None,
    as_json: AsJson = False,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
) -> None:
    """Start the schedules of card holders who now qualify and queue every payment due.

    Example: prakerja payouts run-due --as-of 2025-05-01T00:00:00+07:00
    """
    body: dict[str, Any] = {}
    if as_of is not None:
        try:
            moment = dt.datetime.fromisoformat(as_of)
        except ValueError:
            raise typer.BadParameter("an ISO-8601 time", param_hint="--as-of") from None
        if moment.tzinfo is None:
            raise typer.BadParameter("give a zone offset, e.g. +07:00", param_hint="--as-of")
        body["as_of"] = moment.isoformat()
    data = _data(sandbox, client_code, sign_key, RUN_DUE.path, body)
    if as_json:
        console.print_json(data=data)
        return
    console.print(
        f"As of {data['as_of']}: {data['newly_eligible']} schedule(s) started, "
        f"{data['disbursements']} disbursement(s) queued, Rp{data['amount']:,}."
    )


def _report(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        console.print_json(data=data)
        return
    colour = "green" if data["mismatch_count"] == 0 else "red"
    console.print(
        f"{data['partner_code']} {data['date']} (run {data['run_at']}): "
        f"{data['statement_entries']} on the statement, {data['ledger_entries']} in the ledger, "
        f"{data['matched']} matched, [{colour}]{data['mismatch_count']} mismatch(es)[/]; "
        f"partner paid Rp{data['partner_success_amount']:,}, ledger Rp{data['ledger_paid_amount']:,}."
    )
    if data["mismatches"]:
        table = Table("kind", "disbursement", "Prakerja", "partner")
        for m in data["mismatches"]:
            table.add_row(
                m["kind"],
                m["disbursement_id"],
                f"{m['prakerja_status'] or '-'} {m['prakerja_amount'] or ''}",
                f"{m['partner_status'] or '-'} {m['partner_amount'] or ''}",
            )
        console.print(table)


@payouts_app.command("reconcile")
def reconcile(
    partner: PartnerArg,
    date: Day = None,
    fail_on_mismatch: Annotated[
        bool, typer.Option(help="Exit 3 when any mismatch is found (for scripts).")
    ] = False,
    as_json: AsJson = False,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
) -> None:
    """Fetch a partner's statement of a day, compare it with the ledger, store the report.

    Example: prakerja payouts reconcile pp-ovo --date 2025-05-01 --fail-on-mismatch
    """
    body = {"partner_code": partner, "date": _day(date)}
    data = _data(sandbox, client_code, sign_key, RECONCILE.path, body)
    _report(data, as_json)
    if fail_on_mismatch and data["mismatch_count"]:
        raise typer.Exit(3)


@payouts_app.command("report")
def report(
    partner: PartnerArg,
    date: Day = None,
    as_json: AsJson = False,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
) -> None:
    """The stored report of the latest reconciliation of a partner's day.

    Example: prakerja payouts report pp-ovo --date 2025-05-01 --json
    """
    body = {"partner_code": partner, "date": _day(date)}
    _report(_data(sandbox, client_code, sign_key, RECONCILIATION.path, body), as_json)


@payouts_app.command("summary")
def summary(
    partner: Annotated[str | None, typer.Option(help="One partner's client_code only.")] = None,
    as_json: AsJson = False,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
) -> None:
    """Disbursements per partner and status, calls in flight, and the incentive ledger's total.

    Example: prakerja payouts summary --json
    """
    body = {} if partner is None else {"partner_code": partner}
    data = _data(sandbox, client_code, sign_key, PAYOUT_SUMMARY.path, body)
    if as_json:
        console.print_json(data=data)
        return
    states = ("SCHEDULED", "SUBMITTED", "PAID", "FAILED")
    table = Table("partner", *states, "paid (Rp)", "in flight")
    for row in data["partners"]:
        counts = [str(row["by_status"].get(s, 0)) for s in states]
        table.add_row(
            row["partner_code"], *counts, f"{row['paid_amount']:,}", str(row["in_flight"])
        )
    console.print(table)
    console.print(
        f"Ledger: Rp{data['ledger_total']:,}; anomalies kept for investigation: "
        f"{data['open_anomalies']}."
    )
