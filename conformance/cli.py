"""``prakerja certify``: run a role's suite, write the reports, get the certificate; verify it.

Exit codes: 0 the run passed (and, when submitted, was stored); 1 a MUST requirement failed (or
a waiver is stale); 2 the harness could not do its job (a bad file or option, an unreachable
partner or sandbox, a refused submission).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from conformance.errors import HarnessError, UsageError
from conformance.events import Handler
from conformance.evidence import Redactor
from conformance.files import Declaration, load_capabilities, load_waivers
from conformance.reporters.console import ConsoleReporter
from conformance.reporters.html import HtmlReporter
from conformance.reporters.json_report import JsonReporter
from conformance.reporters.junit import JunitReporter
from conformance.runner import Runner, exit_code
from conformance.sandbox import Sandbox, public_key
from contract.certification import Certificate, RunReport, report_digest, verify_certificate
from contract.requirements import CERTIFIED_ROLES, REQUIREMENTS, Mode, modes_of
from contract.roles import Role

DEFAULT_SANDBOX = "http://127.0.0.1:8000"
HARNESS_FAILED = 2


@dataclass(frozen=True)
class SimulatorRequest:
    """What ``--simulator`` asks for: a bundled simulator (or one of its mutants) to certify."""

    role: Role
    mode: Mode
    simulator: str
    mutant: str | None
    sandbox_url: str
    declaration: Declaration


@dataclass(frozen=True)
class Simulated:
    """A running simulator ready to be judged: the context, and its credentials at the sandbox."""

    context: Any
    client_code: str
    sign_key: str


SimulatorLauncher = Callable[[SimulatorRequest], AbstractContextManager[Simulated]]
_launchers: list[SimulatorLauncher] = []


def install_simulator_launcher(launcher: SimulatorLauncher) -> None:
    """How ``--simulator`` starts one: installed by the umbrella command, which may wire the
    simulators and the sandbox's database together (the harness itself imports neither)."""
    _launchers[:] = [launcher]


err_console = Console(stderr=True)
out_console = Console()

app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
)

Sandbox_ = Annotated[
    str, typer.Option("--sandbox", envvar="PRAKERJA_SANDBOX_URL", help="Base URL of the sandbox.")
]
ClientCode = Annotated[
    str,
    typer.Option("--client-code", envvar="PRAKERJA_CLIENT_CODE", help="Your client_code."),
]
SignKey = Annotated[
    str, typer.Option("--sign-key", envvar="PRAKERJA_SIGN_KEY", help="Your sign_key.")
]
WebhookKey = Annotated[
    str,
    typer.Option(
        "--webhook-key",
        envvar="PRAKERJA_WEBHOOK_KEY",
        help="Server mode: your webhook_key (Prakerja signs its calls to you with it).",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/] {message}")
    return typer.Exit(HARNESS_FAILED)


def _mode(role: Role, mode: Mode | None, base_url: str | None) -> Mode:
    modes = modes_of(role)
    if mode is not None:
        if mode not in modes:
            raise UsageError(
                f"{role.value} is certified in {' or '.join(m.value for m in modes)} mode"
            )
        return mode
    if len(modes) == 1:
        return modes[0]
    return Mode.SERVER if base_url else Mode.CLIENT


def _handlers(report_dir: Path | None, quiet: bool) -> list[Handler]:
    handlers: list[Handler] = [ConsoleReporter(err_console, quiet=quiet)]
    if report_dir is not None:
        report_dir.mkdir(parents=True, exist_ok=True)
        handlers += [
            JunitReporter(report_dir / "junit.xml"),
            JsonReporter(report_dir / "report.json"),
            HtmlReporter(report_dir / "report.html"),
        ]
    return handlers


def _client_context(
    role: Role,
    declaration: Declaration,
    sandbox_url: str,
    client_code: str,
    sign_key: str,
    driver: str | None,
) -> Any:
    from conformance.client_mode import ClientContext, CommandDriver, Driver, InteractiveDriver

    if not (client_code and sign_key):
        raise UsageError("client mode needs --client-code and --sign-key (or PRAKERJA_*)")
    chosen: Driver
    if driver:
        chosen = CommandDriver(driver)
    elif sys.stdin.isatty():
        chosen = InteractiveDriver(show=lambda text: err_console.print(text, highlight=False))
    else:
        raise UsageError("give --driver COMMAND (no terminal to ask you to drive the scenarios)")
    return ClientContext(
        role=role,
        partner=client_code,
        sandbox=Sandbox(sandbox_url, client_code, sign_key),
        driver=chosen,
        capabilities=declaration.capabilities,
        redactor=Redactor([sign_key]),
        settings=declaration.settings,
    )


def _server_context(
    role: Role,
    declaration: Declaration,
    base_url: str | None,
    client_code: str,
    sign_key: str,
    webhook_key: str,
    webhook_url: str | None,
    callback_port: int,
) -> Any:
    from conformance.server_mode import Credentials, ServerContext

    target = base_url or webhook_url or declaration.webhook_url
    if not target:
        raise UsageError("server mode needs --base-url (or, for a webhook receiver, --webhook-url)")
    if not (client_code and webhook_key):
        raise UsageError("server mode needs --client-code and --webhook-key (or PRAKERJA_*)")
    return ServerContext(
        role=role,
        base_url=target,
        credentials=Credentials(client_code, webhook_key, sign_key),
        capabilities=declaration.capabilities,
        redactor=Redactor([k for k in (sign_key, webhook_key) if k]),
        settings=declaration.settings,
        fixtures=declaration.fixtures,
        webhook_url=webhook_url or declaration.webhook_url,
        callback_port=callback_port,
    )


@app.callback()
def certify(
    ctx: typer.Context,
    role: Annotated[
        Role | None, typer.Option(help="The role certified: dp, lp, pp or jp.", show_default=False)
    ] = None,
    mode: Annotated[
        Mode | None,
        typer.Option(help="server: we call your --base-url; client: you call the sandbox."),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Your API (partner as server: pp, jp).")
    ] = None,
    driver: Annotated[
        str | None,
        typer.Option(
            help="Client mode: a command that drives your integration through one scenario "
            "(PRAKERJA_SCENARIO, PRAKERJA_SCENARIO_FILE tell it which). Default: ask you."
        ),
    ] = None,
    capabilities: Annotated[
        Path | None, typer.Option(help="What you implement (TOML/JSON). Default: everything.")
    ] = None,
    waivers: Annotated[
        Path | None, typer.Option(help="Known failures with their expiry (TOML/JSON).")
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            help="Write junit.xml, report.json, report.html and (on a pass) certificate.json."
        ),
    ] = None,
    submit: Annotated[
        bool, typer.Option(help="Store the run in the sandbox (a passed run gets its certificate).")
    ] = True,
    webhook_url: Annotated[
        str | None, typer.Option(help="Server mode: your webhook receiver (webhooks capability).")
    ] = None,
    simulator: Annotated[
        str | None,
        typer.Option(
            help="Certify a bundled simulator instead (`prakerja simulators` lists them), on a "
            "free port, registered at the sandbox for the run."
        ),
    ] = None,
    mutant: Annotated[
        str | None, typer.Option(help="With --simulator: one of its mutants, to see a failure.")
    ] = None,
    callback_port: Annotated[
        int,
        typer.Option(
            min=0,
            max=65535,
            help="Server mode: where the harness listens for your callbacks (0: any free port).",
        ),
    ] = 0,
    sandbox: Sandbox_ = DEFAULT_SANDBOX,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    webhook_key: WebhookKey = "",
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Judge only this requirement (repeatable), e.g. while fixing it; such a run is "
            "partial and never submitted."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="Only the summary, not a line per check.")] = False,
    as_json: AsJson = False,
) -> None:
    """Certify a partner integration against its role's requirements; check certificates.

    Runs the role's suite, writes the reports, stores the run in the sandbox and, on a pass,
    gets the certificate. Exit 0 passed, 1 a MUST requirement failed, 2 the harness could not
    do its job.

    Example: prakerja certify --role pp --base-url http://127.0.0.1:8403 --callback-port 8990 --report-dir reports/
    """
    if ctx.invoked_subcommand is not None:
        return
    if role is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(HARNESS_FAILED)
    try:
        if role not in CERTIFIED_ROLES:
            raise UsageError(f"{role.value} is not certified (dp, lp, pp or jp)")
        chosen_mode = _mode(role, mode, base_url)
        declaration = (
            load_capabilities(capabilities, role) if capabilities else Declaration.everything(role)
        )
        known = load_waivers(waivers, datetime.now(UTC).date()) if waivers else []
        from conformance.suites import suite_for

        suite = suite_for(role, chosen_mode)
        chosen_only = frozenset(only) if only else None
        unknown = sorted((chosen_only or frozenset()) - set(REQUIREMENTS))
        if unknown:
            raise UsageError(f"unknown requirement {', '.join(unknown)}")
        if mutant and not simulator:
            raise UsageError("--mutant needs --simulator")
        with ExitStack() as stack:
            if simulator:
                if not _launchers:
                    raise UsageError("--simulator needs the prakerja command (simulators wired in)")
                request = SimulatorRequest(
                    role, chosen_mode, simulator, mutant, sandbox, declaration
                )
                simulated = stack.enter_context(_launchers[0](request))
                context, client_code, sign_key = (
                    simulated.context, simulated.client_code, simulated.sign_key,
                )  # fmt: skip
            elif chosen_mode is Mode.CLIENT:
                context = _client_context(role, declaration, sandbox, client_code, sign_key, driver)
            else:
                context = _server_context(
                    role, declaration, base_url, client_code, sign_key, webhook_key, webhook_url,
                    callback_port,
                )  # fmt: skip
            stack.callback(context.close)
            err_console.print(f"[dim]capabilities: {declaration.source}[/]")
            report = Runner(
                suite, context, handlers=_handlers(report_dir, quiet), waivers=known,
                only=chosen_only,
            ).run()  # fmt: skip
            code = exit_code(report)
            outcome: dict[str, Any] = {
                "run_id": report.run_id,
                "passed": report.summary.passed_run,
                "summary": report.summary.model_dump(mode="json"),
                "report_dir": str(report_dir) if report_dir else None,
                "submitted": False,
                "certificate": None,
            }
            if submit and only:
                err_console.print("[yellow]not submitted:[/] a run with --only is partial")
            elif submit:
                code = max(
                    code, _submit(report, sandbox, client_code, sign_key, report_dir, outcome)
                )
    except HarnessError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(outcome))
    raise typer.Exit(code)


def _submit(
    report: RunReport,
    sandbox_url: str,
    client_code: str,
    sign_key: str,
    report_dir: Path | None,
    outcome: dict[str, Any],
) -> int:
    if not (client_code and sign_key):
        err_console.print("[yellow]not submitted:[/] no --client-code/--sign-key to sign with")
        return HARNESS_FAILED
    stored = Sandbox(sandbox_url, client_code, sign_key)
    try:
        run = stored.submit(report)
    except HarnessError as exc:
        err_console.print(f"[red]not submitted:[/] {exc} (--no-submit keeps the run local)")
        return HARNESS_FAILED
    finally:
        stored.close()
    outcome["submitted"] = True
    err_console.print(f"[dim]stored in the sandbox as run {run.run_id}[/]")
    if run.certificate is not None:
        outcome["certificate"] = run.certificate.model_dump(mode="json")
        if report_dir is not None:
            path = report_dir / "certificate.json"
            path.write_text(run.certificate.model_dump_json(indent=2) + "\n", encoding="utf-8")
            outcome["certificate_file"] = str(path)
            err_console.print(
                f"[green]certificate[/] {path} (valid until {run.certificate.certificate.expires_at})"
            )
    return 0


def _trusted_key(value: str | None) -> str:
    given = value or os.environ.get("PRAKERJA_PMO_PUBLIC_KEY", "")
    if not given:
        raise UsageError(
            "give the programme office's public key: --public-key KEY_OR_FILE (or "
            "PRAKERJA_PMO_PUBLIC_KEY); fetch it once with `prakerja certify public-key --out pmo.pub`"
        )
    path = Path(given)
    if len(given) < 200 and path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return given.strip()


@app.command("verify")
def verify_cmd(
    file: Annotated[Path, typer.Argument(help="certificate.json")],
    public_key_: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            help="The office's key (base64) or a file holding it. Env: PRAKERJA_PMO_PUBLIC_KEY.",
        ),
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also check that this report.json is the one certified.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Check a certificate offline: signature, signer, validity dates (and the report's digest).

    Example: prakerja certify verify reports/certificate.json --public-key pmo.pub --report reports/report.json
    """
    try:
        trusted = _trusted_key(public_key_)
        try:
            certificate = Certificate.model_validate_json(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"{file} is not a certificate: {exc}") from exc
        digest = None
        if report is not None:
            try:
                parsed = RunReport.model_validate_json(report.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UsageError(f"{report} is not a report: {exc}") from exc
            digest = report_digest(parsed)
            if digest != parsed.digest:
                digest = "altered"  # its content no longer matches its own digest
    except HarnessError as exc:
        raise _fail(str(exc)) from None
    verdict = verify_certificate(certificate, trusted, datetime.now(UTC), digest)
    body = certificate.certificate
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "valid": verdict.valid,
                    "problems": list(verdict.problems),
                    "certificate": body.model_dump(mode="json"),
                }
            )
        )
    elif verdict.valid:
        out_console.print(
            f"[green]valid[/]: {body.partner} ({body.partner_name}) certified as "
            f"{body.role.value} ({body.mode.value} mode), contract {body.contract_version}, "
            f"catalogue {body.catalogue_version}, until {body.expires_at}; key {body.key_id}"
        )
    else:
        out_console.print("[red]NOT valid[/]:")
        for problem in verdict.problems:
            out_console.print(f"  - {problem}")
    raise typer.Exit(0 if verdict.valid else 1)


@app.command("public-key")
def public_key_cmd(
    sandbox: Sandbox_ = DEFAULT_SANDBOX,
    out: Annotated[Path | None, typer.Option(help="Write the key to this file.")] = None,
    as_json: AsJson = False,
) -> None:
    """Fetch the programme office's certificate key (to verify certificates offline later).

    Example: prakerja certify public-key --out pmo.pub
    """
    try:
        key = public_key(sandbox)
    except HarnessError as exc:
        raise _fail(str(exc)) from None
    if out is not None:
        out.write_text(key.public_key + "\n", encoding="utf-8")
    if as_json:
        typer.echo(key.model_dump_json())
    elif out is None:
        typer.echo(key.public_key)
    else:
        err_console.print(f"key {key.key_id} written to {out}")


@app.command("requirements")
def requirements_cmd(
    role: Annotated[Role | None, typer.Option(help="Only this role's.")] = None,
    as_json: AsJson = False,
) -> None:
    """List the requirement catalogue (IDs, levels, modes, clauses, statements).

    Example: prakerja certify requirements --role pp
    """
    chosen = [r for r in REQUIREMENTS.values() if role is None or role in r.roles]
    if as_json:
        rows = [
            {
                "id": r.id,
                "roles": [x.value for x in r.roles],
                "level": r.level.value,
                "mode": r.mode.value,
                "capability": r.capability,
                "clause": r.clause,
                "statement": r.statement,
            }
            for r in chosen
        ]
        typer.echo(json.dumps(rows))
        return
    table = Table("id", "level", "mode", "capability", "statement", "clause")
    for r in chosen:
        table.add_row(r.id, r.level.value, r.mode.value, r.capability or "", r.statement, r.clause)
    out_console.print(table)


def _office(sandbox: str, client_code: str, sign_key: str) -> Sandbox:
    if not (client_code and sign_key):
        raise UsageError("give --client-code and --sign-key (or PRAKERJA_CLIENT_CODE / _SIGN_KEY)")
    return Sandbox(sandbox, client_code, sign_key)


@app.command("runs")
def runs_cmd(
    partner: Annotated[
        str | None, typer.Option(help="The office: only this partner's runs.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    sandbox: Sandbox_ = DEFAULT_SANDBOX,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    as_json: AsJson = False,
) -> None:
    """List the certification runs stored in the sandbox (yours; the office: anyone's).

    Example: prakerja certify runs --partner pp-1a2b3c4d5e6f --json
    """
    try:
        stored = _office(sandbox, client_code, sign_key)
        try:
            runs = stored.runs(partner, limit).runs
        finally:
            stored.close()
    except HarnessError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in runs]))
        return
    table = Table(
        "run_id", "partner", "role", "mode", "passed", "MUST fail", "decision", "submitted"
    )
    for r in runs:
        table.add_row(
            r.run_id, r.partner, r.role.value, r.mode.value, "yes" if r.passed else "no",
            str(r.must_failures), r.decision.value if r.decision else "—", r.submitted_at,
        )  # fmt: skip
    out_console.print(table)


@app.command("show")
def show_cmd(
    run_id: Annotated[str, typer.Argument(help="The run.")],
    out: Annotated[Path | None, typer.Option(help="Write its report.json here.")] = None,
    sandbox: Sandbox_ = DEFAULT_SANDBOX,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    as_json: AsJson = False,
) -> None:
    """Show one stored run: its verdict, decision and the checks that did not pass.

    Example: prakerja certify show 0f3c…e1 --out report.json
    """
    try:
        stored = _office(sandbox, client_code, sign_key)
        try:
            detail = stored.run(run_id)
        finally:
            stored.close()
    except HarnessError as exc:
        raise _fail(str(exc)) from None
    if out is not None:
        out.write_text(detail.report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(detail.model_dump_json())
        return
    ConsoleReporter(out_console).summary(detail.report)
    run = detail.run
    decided = (
        f"{run.decision.value} by {run.decided_by}: {run.comment}" if run.decision else "undecided"
    )
    out_console.print(f"run {run.run_id} of {run.partner}: {decided}")


def _decide(decision: str, run_id: str, comment: str, sandbox: str, code: str, key: str) -> None:
    try:
        stored = _office(sandbox, code, key)
        try:
            run = stored.decide(run_id, decision, comment)
        finally:
            stored.close()
    except HarnessError as exc:
        raise _fail(str(exc)) from None
    out_console.print(f"run {run.run_id} of {run.partner}: {decision}")


Comment = Annotated[str, typer.Option(help="Why (stored with the decision).")]


@app.command("accept")
def accept_cmd(
    run_id: Annotated[str, typer.Argument(help="The run.")],
    comment: Comment,
    sandbox: Sandbox_ = DEFAULT_SANDBOX,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
) -> None:
    """The programme office accepts a passed run's evidence (once).

    Example: prakerja certify accept 0f3c…e1 --comment "Evidence complete; go live 1 July."
    """
    _decide("accepted", run_id, comment, sandbox, client_code, sign_key)


@app.command("reject")
def reject_cmd(
    run_id: Annotated[str, typer.Argument(help="The run.")],
    comment: Comment,
    sandbox: Sandbox_ = DEFAULT_SANDBOX,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
) -> None:
    """The programme office rejects a run (once), saying why.

    Example: prakerja certify reject 0f3c…e1 --comment "Callbacks arrive unsigned (PP-CB-002)."
    """
    _decide("rejected", run_id, comment, sandbox, client_code, sign_key)
