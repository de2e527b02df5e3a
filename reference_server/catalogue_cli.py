"""``prakerja catalogue``: the programme office's curation over the catalogue API, and the public
catalogue.

``pending``, ``show`` and ``assess`` sign as a partner of role ``pmo`` (``--client-code`` /
``--sign-key`` or ``PRAKERJA_CLIENT_CODE`` / ``PRAKERJA_SIGN_KEY``, as ``prakerja waves``);
``list`` and ``indicators`` read the public catalogue. The server is ``--sandbox`` or
``PRAKERJA_SANDBOX_URL``. Every command prints a table, or with ``--json`` the response's data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from contract.catalogue import AssessmentKind, Method
from contract.endpoints import (
    ASSESS,
    CATALOGUE_COURSES,
    INDICATORS,
    PENDING_SUBMISSIONS,
    SHOW_SUBMISSION,
)
from contract.taxonomy import Industry
from reference_server.admin_cli import DEFAULT_SANDBOX, ClientCode, Sandbox, SignKey, _client

console = Console()
catalogue_app = typer.Typer(
    help="Course curation (signed, role pmo) and the public catalogue.", no_args_is_help=True
)
AsJson = Annotated[bool, typer.Option("--json", help="Print the response's data as JSON.")]
CourseCode = Annotated[str, typer.Argument(help="The course's code, e.g. DP1-EXCEL-01.")]


def _fail(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        console.print(f"[red]{payload.get('code', 'error')}[/] {payload.get('message', '')}")
    raise typer.Exit(1)


def _answer(response: httpx.Response, as_json: bool) -> Any:
    """The ``data`` of a success envelope; anything else is printed and exits 1."""
    try:
        payload = response.json()
    except ValueError:
        _fail({"code": str(response.status_code), "message": response.text[:200]}, as_json)
    if not isinstance(payload, dict) or payload.get("success") is not True:
        _fail(payload if isinstance(payload, dict) else {"message": str(payload)}, as_json)
    return payload.get("data")


def _signed(
    sandbox: str, client_code: str, sign_key: str, path: str, body: dict[str, Any], as_json: bool
) -> Any:
    try:
        with _client(sandbox, client_code, sign_key) as client:
            response = client.post(path, body)
    except httpx.TransportError as exc:
        raise typer.BadParameter(f"cannot reach the sandbox at {sandbox}: {exc}") from exc
    return _answer(response, as_json)


def _public(sandbox: str, path: str, params: dict[str, Any], as_json: bool) -> Any:
    try:
        response = httpx.get(sandbox.rstrip("/") + path, params=params, timeout=30.0)
    except httpx.TransportError as exc:
        raise typer.BadParameter(f"cannot reach the sandbox at {sandbox}: {exc}") from exc
    return _answer(response, as_json)


def _dump(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


@catalogue_app.command("pending")
def pending(
    dp: Annotated[str | None, typer.Option(help="Only this DP's submissions.")] = None,
    page: Annotated[int, typer.Option(min=1, help="Page (50 a page).")] = 1,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
    as_json: AsJson = False,
) -> None:
    """Submissions waiting for their entry assessment, oldest first.

    Example: prakerja catalogue pending --dp dp-1a2b3c --json
    """
    body: dict[str, Any] = {"page": page}
    if dp:
        body["dp_client_code"] = dp
    data = _signed(sandbox, client_code, sign_key, PENDING_SUBMISSIONS.path, body, as_json)
    if as_json:
        _dump(data)
        return
    table = Table(
        "course_code", "title", "version", "DP", "LP", "submitted", title="Waiting for assessment"
    )
    for row in data["submissions"]:
        table.add_row(
            row["course_code"],
            row["title"],
            str(row["version"]),
            row["dp"]["name"],
            row["lp"]["name"],
            row["submitted_at"],
        )
    console.print(table)
    console.print(
        f"[dim]{data['total']} pending. Assess: prakerja catalogue assess CODE --all-good[/]"
    )


def _pairs(items: list[str], option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{option} takes ID=VALUE, e.g. E07=2", param_hint=option)
        found[key.strip().upper()] = value.strip()
    return found


def _scores_file(path: Path) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """Scores from a JSON file: ``{"E01": 5, …}`` or ``{"scores": {…}, "notes": {…}, "summary": …}``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="--scores") from exc
    if not isinstance(raw, dict):
        raise typer.BadParameter(f"{path}: must be a JSON object", param_hint="--scores")
    if "scores" not in raw:
        return raw, {}, None
    scores, notes, summary = raw.get("scores"), raw.get("notes", {}), raw.get("summary")
    if not isinstance(scores, dict) or not isinstance(notes, dict):
        raise typer.BadParameter(f"{path}: scores and notes must be objects", param_hint="--scores")
    return scores, notes, summary if isinstance(summary, str) else None


@catalogue_app.command("assess")
def assess(
    course_code: CourseCode,
    kind: Annotated[
        AssessmentKind,
        typer.Option(help="entry (a pending submission) or monitoring (a live course)."),
    ] = AssessmentKind.ENTRY,
    all_good: Annotated[
        bool,
        typer.Option("--all-good", help="Every indicator the top score (then --score overrides)."),
    ] = False,
    scores_file: Annotated[
        Path | None,
        typer.Option(
            "--scores",
            exists=True,
            dir_okay=False,
            help='JSON: {"E01": 5, …} or {"scores": {…}, "notes": {…}, "summary": "…"}.',
        ),
    ] = None,
    score: Annotated[
        list[str] | None, typer.Option("--score", help="ID=N, one indicator's score (repeatable).")
    ] = None,
    note: Annotated[
        list[str] | None,
        typer.Option("--note", help="ID=TEXT, the reason for a score (repeatable)."),
    ] = None,
    summary: Annotated[str | None, typer.Option(help="A note on the whole assessment.")] = None,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
    as_json: AsJson = False,
) -> None:
    """Assess a course on the indicators: approve or reject a submission, keep or suspend a course.

    Example: prakerja catalogue assess DP1-EXCEL-01 --all-good --score E09=1 --note "E09=Izin LPK habis"
    """
    if all_good == (scores_file is not None):
        raise typer.BadParameter("give either --all-good or --scores FILE", param_hint="--all-good")
    scores: dict[str, Any]
    notes: dict[str, Any]
    if all_good:
        published = _public(sandbox, INDICATORS.path, {}, as_json)[kind.value]
        scores = {i["id"]: published["score_max"] for i in published["indicators"]}
        notes, from_file = {}, None
    else:
        assert scores_file is not None
        scores, notes, from_file = _scores_file(scores_file)
    for key, value in _pairs(score or [], "--score").items():
        if not value.isdigit():
            raise typer.BadParameter(f"{key}: a score is a whole number", param_hint="--score")
        scores[key] = int(value)
    notes.update(_pairs(note or [], "--note"))
    body: dict[str, Any] = {
        "course_code": course_code,
        "kind": kind.value,
        "scores": scores,
        "notes": notes,
    }
    if summary or from_file:
        body["summary"] = summary or from_file
    data = _signed(sandbox, client_code, sign_key, ASSESS.path, body, as_json)
    if as_json:
        _dump(data)
        return
    result = data["assessment"]
    verdict = "[green]passed[/]" if result["passed"] else "[red]failed[/]"
    console.print(
        f"{data['course_code']}: {kind.value} assessment {verdict}, weighted mean "
        f"{result['weighted_mean']} (pass {result['pass_mean']}); status [bold]{data['status']}[/]"
    )
    _reasons(result["reasons"])


def _reasons(reasons: list[dict[str, Any]]) -> None:
    if not reasons:
        return
    table = Table("rule", "indicator", "score", "needed", "note", title="Reasons")
    for r in reasons:
        what = f"{r['indicator_id']} {r['title']}" if r["indicator_id"] else r["title"]
        score = "" if r["score"] is None else str(r["score"])
        table.add_row(r["rule"], what, score, r["minimum"], r["note"] or "")
    console.print(table)


@catalogue_app.command("show")
def show(
    course_code: CourseCode,
    client_code: ClientCode = "",
    sign_key: SignKey = "",
    sandbox: Sandbox = DEFAULT_SANDBOX,
    as_json: AsJson = False,
) -> None:
    """A course in curation: status, every version and assessment, schedules.

    Example: prakerja catalogue show DP1-EXCEL-01
    """
    body = {"course_code": course_code}
    data = _signed(sandbox, client_code, sign_key, SHOW_SUBMISSION.path, body, as_json)
    if as_json:
        _dump(data)
        return
    console.print(
        f"[bold]{data['course_code']}[/] {data['status']} — DP {data['dp']['name']} "
        f"({data['dp']['client_code']}), LP {data['lp']['name']} ({data['lp']['client_code']})"
    )
    versions = Table("version", "status", "title", "price", "submitted", "decided", "mean")
    for v in data["versions"]:
        versions.add_row(
            str(v["version"]),
            v["status"],
            v["title"],
            _rupiah(v["price"]),
            v["submitted_at"],
            v["decided_at"] or "",
            v["assessment"]["weighted_mean"] if v["assessment"] else "",
        )
    console.print(versions)
    latest = data["versions"][0]["assessment"]
    if latest:
        _reasons(latest["reasons"])
    for m in data["monitoring"]:
        outcome = "passed" if m["passed"] else "failed"
        console.print(f"monitoring {m['assessed_at']}: {outcome}, mean {m['weighted_mean']}")
    if data["schedules"]:
        table = Table("schedule_code", "start", "end", "seats left", title="Schedules")
        for s in data["schedules"]:
            table.add_row(
                s["schedule_code"], s["start_at"], s["end_at"], f"{s['seats_left']}/{s['capacity']}"
            )
        console.print(table)


@catalogue_app.command("list")
def list_courses(
    category: Annotated[Industry | None, typer.Option(help="An industry.")] = None,
    method: Annotated[Method | None, typer.Option(help="self_paced or webinar.")] = None,
    min_price: Annotated[int | None, typer.Option(min=0, help="Rupiah.")] = None,
    max_price: Annotated[int | None, typer.Option(min=0, help="Rupiah.")] = None,
    dp: Annotated[str | None, typer.Option(help="Courses this DP may sell.")] = None,
    lp: Annotated[str | None, typer.Option(help="Courses of this LP.")] = None,
    text: Annotated[
        str | None, typer.Option("--q", help="Words in the title or description.")
    ] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    per_page: Annotated[int, typer.Option(min=1, max=100)] = 20,
    sandbox: Sandbox = DEFAULT_SANDBOX,
    as_json: AsJson = False,
) -> None:
    """The unified public catalogue: approved, active courses of every DP and LP.

    Example: prakerja catalogue list --category teknologi_informasi --max-price 1000000
    """
    params = {
        "category": category.value if category else None,
        "method": method.value if method else None,
        "min_price": min_price,
        "max_price": max_price,
        "dp": dp,
        "lp": lp,
        "q": text,
        "page": page,
        "per_page": per_page,
    }
    given = {key: value for key, value in params.items() if value is not None}
    data = _public(sandbox, CATALOGUE_COURSES.path, given, as_json)
    if as_json:
        _dump(data)
        return
    table = Table(
        "course_code", "title", "category", "method", "price", "DP", "LP", "rating", "next"
    )
    for c in data["courses"]:
        rating = f"{c['rating_average']:.2f} ({c['rating_count']})" if c["rating_count"] else "-"
        first = c["schedules"][0] if c["schedules"] else None
        upcoming = f"{first['start_at'][:10]}, {first['seats_left']} seats" if first else "-"
        table.add_row(
            c["course_code"],
            c["title"],
            c["category"],
            c["method"],
            _rupiah(c["price"]),
            c["dp"]["name"] if c["dp"] else "any DP",
            c["lp"]["name"],
            rating,
            upcoming,
        )
    console.print(table)
    shown = len(data["courses"])
    console.print(f"[dim]{shown} of {data['total']} course(s), page {data['page']}[/]")


@catalogue_app.command("indicators")
def indicators(
    kind: Annotated[
        AssessmentKind, typer.Option(help="entry or monitoring.")
    ] = AssessmentKind.ENTRY,
    sandbox: Sandbox = DEFAULT_SANDBOX,
    as_json: AsJson = False,
) -> None:
    """The assessment indicators and the pass rule, as published.

    Example: prakerja catalogue indicators --kind monitoring --json
    """
    data = _public(sandbox, INDICATORS.path, {}, as_json)[kind.value]
    if as_json:
        _dump(data)
        return
    table = Table("id", "aspect", "title", "weight", "critical", title=f"{kind.value} indicators")
    for i in data["indicators"]:
        table.add_row(
            i["id"],
            data["groups"][i["group"]],
            i["title"],
            str(i["weight"]),
            "yes" if i["critical"] else "",
        )
    console.print(table)
    console.print(
        f"Pass: every critical indicator at least {data['critical_minimum']} and the weighted "
        f"mean at least {data['pass_mean']} (scores {data['score_min']}-{data['score_max']})."
    )
