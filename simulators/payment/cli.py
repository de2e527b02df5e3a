"""``prakerja payment-partners``: run the six payment-partner simulators, list them, look up accounts."""

from __future__ import annotations

import json
import secrets
import types
import typing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from simulators.payment import kinds
from simulators.payment.accounts import AccountBook, holdings
from simulators.payment.launch import (
    DEFAULT_PORTS,
    DEFAULT_SEED,
    Credentials,
    serve_payment_partners,
    webhook_url,
)
from simulators.payment.partners import ADJUSTABLE, PARTNERS, PartnerSpec, adjust
from simulators.population.reader import read_population

console = Console()
app = typer.Typer(
    name="payment-partners",
    help="Payment-partner simulators: the banks BNI and BCA, the e-wallets OVO, GoPay, LinkAja, DANA.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold keys
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Sandbox = Annotated[
    str,
    typer.Option(
        "--sandbox",
        envvar="PRAKERJA_SANDBOX_URL",
        help="Base URL of the sandbox the partners call back.",
    ),
]
Seed = Annotated[int, typer.Option(help="Seed of who holds which account, and of the profiles.")]
Population = Annotated[
    Path | None,
    typer.Option(
        "--population",
        exists=True,
        dir_okay=False,
        help="Population CSV the accounts are drawn from (none: fixture accounts only).",
    ),
]


@app.callback()
def main() -> None:
    """Banks and e-wallets incentives are paid through: inquiry, disburse, callbacks, statement."""


def _convert(hint: Any, text: str) -> Any:
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if text.strip().lower() == "none" and type(None) in options:
        return None
    base = next(option for option in options if option is not type(None))
    return base(text)


def _hints() -> dict[str, Any]:
    from simulators.framework.behaviour import Profile

    return {**typing.get_type_hints(Profile), **typing.get_type_hints(PartnerSpec)}


def parse_changes(assignments: list[str], option: str) -> dict[str, dict[str, Any]]:
    """``[PARTNER.]FIELD=VALUE`` assignments as changes per partner ("" for every partner)."""
    hints = _hints()
    names = {spec.instance for spec in PARTNERS}
    changes: dict[str, dict[str, Any]] = {}
    for assignment in assignments:
        target, equals, text = assignment.partition("=")
        partner, _, name = target.strip().rpartition(".")
        if not equals or name not in ADJUSTABLE or (partner and partner not in names):
            raise typer.BadParameter(
                f"{assignment!r}: expected [PARTNER.]FIELD=VALUE with PARTNER one of "
                f"{', '.join(sorted(names))} and FIELD one of {', '.join(ADJUSTABLE)}",
                param_hint=option,
            )
        try:
            changes.setdefault(partner, {})[name] = _convert(hints[name], text)
        except ValueError as exc:
            raise typer.BadParameter(f"{assignment!r}: {exc}", param_hint=option) from exc
    return changes


def parse_mutants(assignments: list[str]) -> dict[str, str]:
    """``PARTNER=MUTANT`` assignments."""
    names = {spec.instance for spec in PARTNERS}
    known = {m.name for m in kinds.MUTANTS}
    mutants = {}
    for assignment in assignments:
        partner, _, mutant = assignment.partition("=")
        if partner not in names or mutant not in known:
            raise typer.BadParameter(
                f"{assignment!r}: expected PARTNER=MUTANT, mutants: {', '.join(sorted(known))}",
                param_hint="--mutant",
            )
        mutants[partner] = mutant
    return mutants


def read_credentials(path: Path | None) -> dict[str, Credentials]:
    """Credentials per partner from a JSON file; fresh keys for the partners it leaves out."""
    given: dict[str, Any] = {}
    if path is not None:
        try:
            given = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"{path}: {exc}", param_hint="--credentials") from exc
        if not isinstance(given, dict):
            raise typer.BadParameter(f"{path}: not a JSON object", param_hint="--credentials")
    out = {}
    for spec in PARTNERS:
        entry = given.get(spec.instance)
        try:
            out[spec.instance] = (
                Credentials.of(entry)
                if entry is not None
                else Credentials(
                    f"pp-{spec.instance}", secrets.token_urlsafe(24), secrets.token_urlsafe(24)
                )
            )
        except (ValueError, AttributeError) as exc:
            raise typer.BadParameter(
                f"{path}: {spec.instance}: {exc}", param_hint="--credentials"
            ) from exc
    return out


@app.command()
def serve(
    sandbox: Sandbox = "http://127.0.0.1:8000",
    population: Population = None,
    credentials: Annotated[
        Path | None,
        typer.Option(
            "--credentials",
            exists=True,
            dir_okay=False,
            help="JSON object: partner → what `prakerja partners add --role pp --json` printed for it.",
        ),
    ] = None,
    seed: Seed = DEFAULT_SEED,
    every: Annotated[
        list[str] | None,
        typer.Option(
            "--every", help="FIELD=VALUE for every partner, repeatable: --every timeout_rate=0.3"
        ),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="PARTNER.FIELD=VALUE for one partner, repeatable: --set ovo.error_rate=0.3",
        ),
    ] = None,
    mutant: Annotated[
        list[str] | None,
        typer.Option("--mutant", help="PARTNER=MUTANT: run that partner as a mutant, repeatable."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port_base: Annotated[
        int,
        typer.Option(help="Port of the first partner (bni); the others follow (0: free ports)."),
    ] = DEFAULT_PORTS["bni"],
    as_json: AsJson = False,
) -> None:
    """Serve the six payment partners until interrupted; callbacks go to the sandbox.

    Register each partner first (`prakerja partners add --role pp --name OVO --base-url
    http://127.0.0.1:8403 --webhook-url http://127.0.0.1:8403/webhooks/prakerja --json`) and put
    the outputs in one JSON file by partner name (bni, bca, ovo, gopay, linkaja, dana).

    Example: prakerja payment-partners serve --population prakerja-population.csv --credentials pp.json --every timeout_rate=0.1 --every hang_seconds=5 --set linkaja.error_rate=0.3
    """
    common = parse_changes(every or [], "--every")
    per_partner = parse_changes(overrides or [], "--set")
    if set(common) - {""}:
        raise typer.BadParameter("--every takes FIELD=VALUE (use --set for one partner)")
    if "" in per_partner:
        raise typer.BadParameter("--set takes PARTNER.FIELD=VALUE (use --every for all)")
    try:
        specs = adjust(every=common.get("", {}), only=per_partner)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    mutants = parse_mutants(mutant or [])
    keys = read_credentials(credentials)
    book = AccountBook.from_population(population, seed) if population else AccountBook(seed)
    ports = {spec.instance: (port_base + n if port_base else 0) for n, spec in enumerate(PARTNERS)}

    def announce(urls: dict[str, str]) -> None:
        if as_json:
            data = {
                name: {
                    "url": url,
                    "webhook_url": webhook_url(url),
                    "client_code": keys[name].client_code,
                }
                for name, url in urls.items()
            }
            typer.echo(json.dumps(data))
            return
        table = Table("partner", "url", "webhook url", "client_code", "mutant")
        for column in table.columns:
            column.overflow = "fold"  # the URLs are for copying: never cut them
        for name, url in urls.items():
            table.add_row(
                name, url, webhook_url(url), keys[name].client_code, mutants.get(name, "")
            )
        console.print(table)
        console.print(
            f"{book.people:,} people's accounts; callbacks to {sandbox}. Ctrl-C stops them."
        )

    serve_payment_partners(
        book,
        sandbox,
        keys,
        specs=specs,
        seed=seed,
        mutants=mutants,
        host=host,
        ports=ports,
        on_ready=announce,
    )


@app.command("list")
def list_partners(as_json: AsJson = False) -> None:
    """The six partners: kind, default port, behaviour profile, and the mutants they can run as.

    Example: prakerja payment-partners list --json
    """
    rows = [
        {
            **spec.as_dict(),
            "kind": "bank" if spec.is_bank else "ewallet",
            "port": DEFAULT_PORTS[spec.instance],
        }
        for spec in PARTNERS
    ]
    if as_json:
        typer.echo(json.dumps({"partners": rows, "mutants": [m.name for m in kinds.MUTANTS]}))
        return
    table = Table("partner", "kind", "port", "latency ms (p99)", "errors", "timeouts", "settles")
    for spec in PARTNERS:
        p = spec.profile
        table.add_row(
            spec.name,
            "bank" if spec.is_bank else "e-wallet",
            str(DEFAULT_PORTS[spec.instance]),
            f"{p.latency_ms:g} ({p.latency_p99_ms:g})" if p.latency_p99_ms else f"{p.latency_ms:g}",
            f"{p.error_rate:.1%}",
            f"{p.timeout_rate:.1%}",
            "in the answer" if spec.settle_ms == 0 else f"{spec.settle_ms:g} ms later",
        )
    console.print(table)
    console.print("Mutants: " + ", ".join(m.name for m in kinds.MUTANTS))


@app.command()
def accounts(
    population: Annotated[
        Path, typer.Option("--population", exists=True, dir_okay=False, help="Population CSV.")
    ],
    nik: Annotated[str | None, typer.Option(help="The person with this NIK.")] = None,
    phone: Annotated[str | None, typer.Option(help="The person with this phone.")] = None,
    seed: Seed = DEFAULT_SEED,
    as_json: AsJson = False,
) -> None:
    """The accounts a person holds at the partners, and where they would be paid (or must open one).

    Example: prakerja payment-partners accounts --population prakerja-population.csv --phone 081948026130 --json
    """
    if (nik is None) == (phone is None):
        raise typer.BadParameter("give exactly one of --nik and --phone")
    for index, person in enumerate(read_population(population)):
        if person.nik == nik or person.phone == phone:
            held = holdings(index, person, seed)
            break
    else:
        raise typer.BadParameter("nobody in the population has it", param_hint="--nik/--phone")
    data = {
        "choice": held.choice,
        "must_open": held.must_open,
        "accounts": [a.view().model_dump(mode="json") for a in held.accounts],
    }
    if as_json:
        typer.echo(json.dumps(data))
        return
    table = Table("partner", "type", "account", "holder", "KYC", "status", "balance")
    for a in held.accounts:
        table.add_row(
            a.partner, a.account_type.value, a.number, a.holder_name, a.kyc_level.value,
            a.status.value, f"Rp{a.balance:,}",
        )  # fmt: skip
    console.print(table)
    if held.must_open:
        console.print(f"No account: opens one at {held.choice} first (then links it).")
    else:
        console.print(f"Links the account at {held.choice}.")


if __name__ == "__main__":
    app()
