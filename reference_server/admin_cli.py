"""Programme-office commands: ``waves`` (the admin API over HTTP, signed), ``lottery verify``
(recompute a draw from exported files, trusting nothing of the server), ``population load``.

The ``waves`` commands sign as a partner of role ``pmo``: credentials from ``--client-code`` /
``--sign-key`` or ``PRAKERJA_CLIENT_CODE`` / ``PRAKERJA_SIGN_KEY``, the server from
``--sandbox`` or ``PRAKERJA_SANDBOX_URL``.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from contract.client import PartnerClient
from contract.endpoints import (
    CLOSE_WAVE,
    COMMIT_WAVE,
    CREATE_WAVE,
    DRAW_WAVE,
    EXPORT_WAVE,
    REVOKE_EXPIRED,
    WAVE_STATUS,
)
from reference_server.domain import lottery

console = Console()
waves_app = typer.Typer(
    help="Waves and their lottery, over the admin API (signed, role pmo).", no_args_is_help=True
)
lottery_app = typer.Typer(help="Check a wave's draw independently.", no_args_is_help=True)


@lottery_app.callback()
def _lottery() -> None:
    """Check a wave's draw independently (keeps ``verify`` a subcommand)."""


Sandbox = Annotated[
    str, typer.Option("--sandbox", envvar="PRAKERJA_SANDBOX_URL", help="Base URL of the sandbox.")
]
ClientCode = Annotated[
    str, typer.Option("--client-code", envvar="PRAKERJA_CLIENT_CODE", help="PMO client_code.")
]
SignKey = Annotated[
    str, typer.Option("--sign-key", envvar="PRAKERJA_SIGN_KEY", help="PMO sign_key.")
]
Code = Annotated[str, typer.Argument(help="The wave's code, e.g. G1-2025.")]
DEFAULT_SANDBOX = "http://127.0.0.1:8000"


def _client(sandbox: str, client_code: str, sign_key: str) -> PartnerClient:
    if not (client_code and sign_key):
        raise typer.BadParameter(
            "set --client-code and --sign-key (or PRAKERJA_CLIENT_CODE / PRAKERJA_SIGN_KEY) "
            "of a partner with role pmo (prakerja partners add --role pmo --name PMO)"
        )
    # A one-shot command run twice within a second would sign identically: restamp, not fail.
    return PartnerClient(sandbox, client_code, sign_key, restamp_replays=3)


def _call(sandbox: str, client_code: str, sign_key: str, path: str, body: dict[str, Any]) -> None:
    try:
        with _client(sandbox, client_code, sign_key) as client:
            response = client.post(path, body)
    except httpx.TransportError as exc:
        raise typer.BadParameter(f"cannot reach the sandbox at {sandbox}: {exc}") from exc
    console.print_json(response.text)
    if not response.json().get("success"):
        raise typer.Exit(1)


@waves_app.command("create")
def create(
    code: Code,
    quota: Annotated[int, typer.Option(min=1, help="Winners to draw.")],
    opens: Annotated[datetime, typer.Option(help="Opening time, ISO-8601 with a zone offset.")],
    closes: Annotated[datetime, typer.Option(help="Closing time, ISO-8601 with a zone offset.")],
    scheme: Annotated[str, typer.Option(help="semi_bansos or normal.")] = "normal",
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
) -> None:
    """Create a wave.

    Example: prakerja waves create G1 --quota 1000 --opens 2025-01-06T00:00:00+07:00 --closes 2025-01-08T23:59:59+07:00
    """
    if opens.tzinfo is None or closes.tzinfo is None:
        raise typer.BadParameter("give --opens and --closes with a zone offset, e.g. +07:00")
    body = {
        "wave_code": code,
        "quota": quota,
        "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(),
        "scheme": scheme,
    }
    _call(sandbox, client_code, sign_key, CREATE_WAVE.path, body)


def _simple(path: str, doc: str) -> Any:
    def command(
        code: Code,
        client_code: ClientCode = "",
        sign_key: SignKey = "",
        sandbox: Sandbox = DEFAULT_SANDBOX,
    ) -> None:
        _call(sandbox, client_code, sign_key, path, {"wave_code": code})

    command.__doc__ = doc
    return command


@waves_app.command("commit")
def commit(
    code: Code,
    seed: Annotated[
        str | None,
        typer.Option(help="Sandbox only: commit to this 64-hex seed (reproducible simulations)."),
    ] = None,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
) -> None:
    """Draw the secret seed and publish its SHA-256 (before closing).

    Example: prakerja waves commit G1
    """
    body: dict[str, Any] = {"wave_code": code}
    if seed is not None:
        body["seed"] = seed
    _call(sandbox, client_code, sign_key, COMMIT_WAVE.path, body)


waves_app.command("close")(_simple(CLOSE_WAVE.path, "Close the wave now (needs the commitment)."))
waves_app.command("draw")(
    _simple(DRAW_WAVE.path, "Reveal the seed and draw the winners (once closed).")
)
waves_app.command("status")(_simple(WAVE_STATUS.path, "The wave and its counts."))


@waves_app.command("export")
def export(
    code: Code,
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    which: Annotated[str, typer.Option("--list", help="joiners or winners.")] = "winners",
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
) -> None:
    """Write the joiners in the draw, or the winners in draw order, as CSV.

    Example: prakerja waves export G1 --list joiners --out joiners.csv
    """
    if which not in ("joiners", "winners"):
        raise typer.BadParameter("--list is joiners or winners")
    body = {"wave_code": code, "list": which}
    try:
        with _client(sandbox, client_code, sign_key) as client:
            response = client.post(EXPORT_WAVE.path, body)
    except httpx.TransportError as exc:
        raise typer.BadParameter(f"cannot reach the sandbox at {sandbox}: {exc}") from exc
    if response.headers.get("content-type", "").startswith("application/json"):
        console.print_json(response.text)
        raise typer.Exit(1)
    out.write_bytes(response.content)
    lines = response.content.count(b"\n") - 1
    console.print(f"[green]Wrote[/] {lines} NIK(s) to {out}")


@waves_app.command("revoke-expired")
def revoke_expired(
    as_of: Annotated[
        datetime | None, typer.Option(help="Sandbox: run as if at this time (ISO-8601, zoned).")
    ] = None,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
) -> None:
    """Run the revoke job now: unused cards past their deadline are revoked."""
    body = {"as_of": as_of.isoformat()} if as_of else {}
    _call(sandbox, client_code, sign_key, REVOKE_EXPIRED.path, body)


# --- lottery verify -------------------------------------------------------------------------


class NikFile:
    """The NIKs of an exported CSV (``nik`` header, one a line); read afresh on each pass."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[str]:
        with self.path.open(encoding="utf-8") as handle:
            header = handle.readline().strip().lstrip("\ufeff")
            if header != "nik":
                raise ValueError(f"{self.path}: the first line must be the header 'nik'")
            for number, line in enumerate(handle, start=2):
                nik = line.strip()
                if not nik:
                    continue
                if len(nik) != 16 or not nik.isdigit():
                    raise ValueError(f"{self.path}:{number}: not a 16-digit NIK")
                yield nik


def duplicate_and_count(niks: NikFile, buckets: int = 256) -> tuple[str | None, int]:
    """A NIK that occurs twice (or None) and how many there are, with memory ~8·n/buckets.

    The NIKs are spread by value over ``buckets`` temporary files as 8-byte integers and each
    bucket is sorted on its own: the cost is one write and one read of 8 bytes per NIK.
    """
    count = 0
    with tempfile.TemporaryDirectory(prefix="prakerja-verify-") as folder:
        paths = [os.path.join(folder, str(i)) for i in range(buckets)]
        pending: list[list[int]] = [[] for _ in range(buckets)]
        handles = [open(path, "wb") for path in paths]  # noqa: SIM115 - closed below
        try:
            for nik in niks:
                count += 1
                value = int(nik)
                index = value % buckets
                bucket = pending[index]
                bucket.append(value)
                if len(bucket) >= 8192:
                    handles[index].write(struct.pack(f"<{len(bucket)}q", *bucket))
                    bucket.clear()
            for index, bucket in enumerate(pending):
                handles[index].write(struct.pack(f"<{len(bucket)}q", *bucket))
        finally:
            for handle in handles:
                handle.close()
        for path in paths:
            values = sorted(v for (v,) in struct.iter_unpack("<q", Path(path).read_bytes()))
            for a, b in zip(values, values[1:], strict=False):
                if a == b:
                    return f"{a:016d}", count
    return None, count


@lottery_app.command("verify")
def verify(
    seed: Annotated[str, typer.Option(help="The revealed seed (64 hex characters).")],
    joiners: Annotated[Path, typer.Option(help="Joiners CSV (`nik` header).", exists=True)],
    winners: Annotated[Path, typer.Option(help="Winners CSV (`nik` header).", exists=True)],
    quota: Annotated[
        int | None, typer.Option(min=0, help="The wave's quota (default: number of winners).")
    ] = None,
    commitment: Annotated[
        str | None, typer.Option(help="The commitment published before the wave closed.")
    ] = None,
) -> None:
    """Recompute a wave's draw from its exported files; exit 0 when it agrees, 1 when not.

    Example: prakerja lottery verify --seed 5eed… --joiners joiners.csv --winners winners.csv --commitment 9f2c…
    """
    problems: list[str] = []
    try:
        lottery.seed_bytes(seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if commitment is not None:
        if lottery.check_reveal(seed, commitment):
            console.print("commitment: the seed matches it")
        else:
            problems.append("the seed does not match the commitment")
    try:
        listed = list(NikFile(winners))
        duplicate, joiner_count = duplicate_and_count(NikFile(joiners))
        if duplicate is not None:
            problems.append("the joiners list repeats a NIK")
        if len(set(listed)) != len(listed):
            problems.append("the winners list repeats a NIK")
        wanted = len(listed) if quota is None else quota
        expected = lottery.draw(seed, NikFile(joiners), wanted, count=joiner_count)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    extra = set(listed) - set(expected)
    missing = set(expected) - set(listed)
    if extra:
        problems.append(f"{len(extra)} listed winner(s) not drawn")
    if missing:
        problems.append(f"{len(missing)} drawn joiner(s) missing from the winners")
    in_order = listed == expected
    summary = (
        f"{len(expected)} winner(s) of {joiner_count} joiner(s), quota {wanted}; "
        f"winners file has {len(listed)}"
        + ("" if in_order or problems else " (same set, different order)")
    )
    if problems:
        console.print(f"[red]disagree[/]: {'; '.join(problems)}. {summary}")
        raise typer.Exit(1)
    console.print(f"[green]agree[/]: {summary}")


# --- population load ------------------------------------------------------------------------


def population_load(
    file: Annotated[Path, typer.Argument(help="Population CSV.", exists=True, dir_okay=False)],
    joiners: Annotated[
        str | None,
        typer.Option(
            "--joiners",
            help="Instead of the history: load every row as an eligible applicant joined to "
            "this wave (load tests, the draw benchmark).",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="PRAKERJA_DATABASE_URL",
            help="SQLAlchemy URL (default: SQLite file).",
        ),
    ] = None,
) -> None:
    """Load the programme's history (past and revoked beneficiaries' cards) from a population
    file, or with --joiners a wave's joiners. Idempotent: run it again to finish or re-check.

    Example: prakerja population load people.csv --database-url postgresql+psycopg://127.0.0.1/test
    """
    from reference_server import bulkload
    from reference_server.app import prepare
    from reference_server.runtime import Runtime
    from reference_server.settings import ServerSettings

    if database_url:
        os.environ["PRAKERJA_DATABASE_URL"] = database_url
    runtime = Runtime(ServerSettings())
    try:
        prepare(runtime)
        rows = bulkload.read_population(file)
        if joiners:
            report = bulkload.load_joiners(runtime.engine, joiners, rows)
            what = f"joiner(s) of wave {joiners}"
        else:
            report = bulkload.load_history(runtime.engine, rows)
            what = "earlier card(s)"
    except (ValueError, KeyError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        runtime.close()
    console.print(
        f"[green]Loaded[/] {report.written} {what} from {report.rows} row(s) "
        f"({report.skipped} skipped) in {report.seconds:.1f} s, "
        f"{report.rows_per_second:,.0f} rows/s"
    )
