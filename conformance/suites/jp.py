"""Job portals: the feed they serve, judged by calling it as Prakerja does (server mode), and the
vacancies they push, judged on the calls the sandbox recorded (client mode)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from conformance.client_mode import ClientContext, answer, describe, drive_session
from conformance.errors import HarnessError, PartnerFailure
from conformance.schema import conforms
from conformance.server_mode import ServerContext, data_of, envelope_error
from conformance.suite import Suite
from conformance.suites.client_common import calls_of, driven, no_code
from contract import errors as err
from contract import regions
from contract.endpoints import PUSH_VACANCIES, WITHDRAW_VACANCIES
from contract.jobs import FEED_PATH, FeedVacancy
from contract.requirements import Mode
from contract.roles import Role

STALE = 1_516_239_022
PAGE = 5
WHOLE = 40  # vacancies read in one page, then again in small pages: the same, in the same order
OVERSIZE = 1024 * 1024

feed_suite: Suite[ServerContext] = Suite(Role.JP, Mode.SERVER, "Job portal feed (server mode)")
push_suite: Suite[ClientContext] = Suite(Role.JP, Mode.CLIENT, "Job portal pushes (client mode)")


# --- the feed -------------------------------------------------------------------------------


def _page(ctx: ServerContext, cursor: str | None, limit: int) -> dict[str, Any]:
    body: dict[str, Any] = {"limit": limit}
    if cursor is not None:
        body["cursor"] = cursor
    return data_of(ctx.post(FEED_PATH, body))


@feed_suite.prepare
def _read_the_feed(ctx: ServerContext) -> None:
    """One page of up to WHOLE vacancies, then the same stretch in pages of PAGE."""
    whole = _page(ctx, None, WHOLE)
    if not whole.get("vacancies"):  # an empty feed: a sandbox simulator publishes on demand
        published = ctx.evidence.call(
            "POST", ctx.origin + ctx.prefix + "/_sim/publish",
            content=json.dumps({"new": WHOLE, "updates": 0, "withdrawals": 0}).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        if published.status != 200:
            raise HarnessError("the feed is empty: publish some vacancies before certifying it")
        whole = _page(ctx, None, WHOLE)
    ctx.keep("whole")
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    seen = 0
    for _ in range(WHOLE // PAGE + 2):
        page = _page(ctx, cursor, PAGE)
        pages.append(page)
        seen += len(page.get("vacancies", []))
        cursor = page.get("next_cursor")
        if seen >= len(whole["vacancies"]) or not page.get("vacancies"):
            break
    ctx.keep("pages")
    ctx.state.update(whole=whole, pages=pages)


def _feed_call(ctx: ServerContext, **override: Any) -> tuple[bytes, dict[str, str]]:
    text = json.dumps({"limit": 1}, separators=(",", ":"))
    headers = ctx.headers(ctx.path(FEED_PATH), text, timestamp=override.pop("timestamp", None))
    headers.update(override)
    return text.encode(), headers


def _refused(answer_: Any, code: str, what: str) -> None:
    got = envelope_error(answer_)
    if answer_.status != 401 or got != code:
        raise PartnerFailure(
            f"A feed call {what} was not refused.",
            received=f"HTTP {answer_.status} {got or answer_.body[:120].decode('utf-8', 'replace')}",
            expected=f"HTTP 401 {code} in the envelope",
        )


@feed_suite.check("JP-SIGN-001")
def missing_headers_refused(ctx: ServerContext) -> None:
    """A feed call without authentication headers is refused."""
    content, _ = _feed_call(ctx)
    answer_ = ctx.send(FEED_PATH, content, {"Content-Type": "application/json"})
    _refused(answer_, err.MISSING_HEADERS.code, "without authentication headers")


@feed_suite.check("JP-SIGN-002")
def bad_signature_refused(ctx: ServerContext) -> None:
    """A feed call with a signature not Prakerja's is refused."""
    content, headers = _feed_call(ctx, signature="0" * 40)
    _refused(
        ctx.send(FEED_PATH, content, headers), err.BAD_SIGNATURE.code, "with a wrong signature"
    )


@feed_suite.check("JP-SIGN-003")
def stale_timestamp_refused(ctx: ServerContext) -> None:
    """A feed call stamped long ago is refused."""
    content, headers = _feed_call(ctx, timestamp=STALE)
    _refused(ctx.send(FEED_PATH, content, headers), err.BAD_TIMESTAMP.code, "stamped in 2018")


@feed_suite.check("JP-SIGN-004")
def replay_refused(ctx: ServerContext) -> None:
    """The same signed feed call twice: the second is refused."""
    content, headers = _feed_call(ctx)
    first = ctx.send(FEED_PATH, content, headers)
    if first.status != 200:
        raise HarnessError(f"a correctly signed feed call was not served (HTTP {first.status})")
    _refused(ctx.send(FEED_PATH, content, headers), err.REPLAYED.code, "replaying a signature")


@feed_suite.check("JP-SCHEMA-001")
def feed_answers_as_documented(ctx: ServerContext) -> None:
    """Generated valid feed calls (Schemathesis) are answered as documented, never a 5xx."""
    conforms(ctx, "job-portal.openapi.json", FEED_PATH)


MALFORMED = {
    "not-json": b'{"limit": ',
    "not-an-object": b"[1]",
    "limit-as-text": b'{"limit":"5"}',
    "limit-zero": b'{"limit":0}',
    "oversize": json.dumps({"cursor": "x" * OVERSIZE}).encode(),
}


@feed_suite.check("JP-SCHEMA-002", variants=MALFORMED)
def malformed_requests_refused(ctx: ServerContext) -> None:
    """A malformed or oversize feed request is a 4xx in the envelope."""
    content = MALFORMED[ctx.variant or ""]
    answer_ = ctx.send(FEED_PATH, content, ctx.headers(ctx.path(FEED_PATH), content.decode()))
    code = envelope_error(answer_)
    if not 400 <= answer_.status < 500 or code is None:
        raise PartnerFailure(
            f"A {ctx.variant} feed request was not refused in the envelope.",
            received=f"HTTP {answer_.status} {answer_.body[:160].decode('utf-8', 'replace')}",
            expected="HTTP 4xx with {success: false, code: ERRGEN40001 (or ERRGEN41301), message}",
        )


def _key(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True)


@feed_suite.check("JP-FEED-001")
def cursor_neither_repeats_nor_skips(ctx: ServerContext) -> None:
    """Small pages after the cursor give exactly what one big page gives, once each."""
    ctx.cite("whole")
    ctx.cite("pages")
    whole = list(ctx.state["whole"]["vacancies"])
    paged = [v for page in ctx.state["pages"] for v in page.get("vacancies", [])]
    keys = [_key(v) for v in paged]
    repeated = sorted(
        {v.get("vacancy_id") for v, k in zip(paged, keys, strict=True) if keys.count(k) > 1}
    )
    if repeated:
        raise PartnerFailure(
            "Following next_cursor served a vacancy again.",
            received=f"{', '.join(map(str, repeated[:5]))} on two pages (pages of {PAGE})",
            expected="each change once across pages",
        )
    wanted = [v.get("vacancy_id") for v in whole]
    got = [v.get("vacancy_id") for v in paged][: len(wanted)]
    if got != wanted:
        missing = [i for i in wanted if i not in got]
        raise PartnerFailure(
            "Pages after the cursor do not hold what one page from the start holds.",
            received=f"{len(got)} vacancies; missing {', '.join(map(str, missing[:5])) or 'none'}",
            expected=f"the same {len(wanted)} vacancies in the same order",
        )


def _problem(item: dict[str, Any]) -> str | None:
    try:
        vacancy = FeedVacancy.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    if vacancy.salary_min > vacancy.salary_max:
        return f"salary_min {vacancy.salary_min} above salary_max {vacancy.salary_max}"
    if not (regions.is_regency(vacancy.location) or regions.is_district(vacancy.location)):
        return f"location {vacancy.location} is not a regency or district of the official list"
    if vacancy.expires_at <= vacancy.posted_at:
        return "expires_at is not after posted_at"
    if vacancy.posted_at > datetime.now(vacancy.posted_at.tzinfo):
        return "posted_at is in the future"
    return None


@feed_suite.check("JP-FEED-002")
def vacancies_are_valid(ctx: ServerContext) -> None:
    """Every vacancy served is valid: its schema, salaries in order, a known region, dates."""
    ctx.cite("whole")
    for item in ctx.state["whole"]["vacancies"]:
        problem = _problem(item)
        if problem is not None:
            raise PartnerFailure(
                f"The feed served an invalid vacancy ({item.get('vacancy_id')}).",
                received=problem,
                expected="salary_min ≤ salary_max, a regency or district code, expires after posting",
            )


@feed_suite.check("JP-FEED-003")
def unknown_cursor_refused(ctx: ServerContext) -> None:
    """A cursor the portal never issued is ERRJOB40010."""
    answer_ = ctx.post(FEED_PATH, {"cursor": "not-a-cursor-of-yours", "limit": 1})
    if (answer_.status, envelope_error(answer_)) != (400, err.JOB_CURSOR_INVALID.code):
        raise PartnerFailure(
            "An unknown cursor was not refused.",
            received=f"HTTP {answer_.status} {envelope_error(answer_) or 'served a page'}",
            expected=f"HTTP 400 {err.JOB_CURSOR_INVALID.code}",
        )


# --- pushes ---------------------------------------------------------------------------------


@push_suite.prepare
def _drive(ctx: ClientContext) -> None:
    drive_session(ctx)


PUSHES = (PUSH_VACANCIES.path, WITHDRAW_VACANCIES.path)
REJECTED_FOR_CONTENT = frozenset(
    {"ERRJOB40002", "ERRJOB40003", "ERRJOB40004", "ERRJOB40005", "ERRJOB40006", "ERRJOB40007"}
)


@push_suite.check("JP-PUSH-001")
def pushes_signed(ctx: ClientContext) -> None:
    """Every push is signed right, with a current timestamp and a fresh signature."""
    driven(ctx, "push")
    no_code(
        ctx,
        {
            err.MISSING_HEADERS.code,
            err.BAD_SIGNATURE.code,
            err.BAD_TIMESTAMP.code,
            err.REPLAYED.code,
        },
        "were not signed right",
    )


@push_suite.check("JP-PUSH-002")
def pushed_vacancies_accepted(ctx: ClientContext) -> None:
    """No pushed vacancy is rejected for its content."""
    pushes = [c for c in calls_of(ctx) if c.path in PUSHES]
    ctx.cite(pushes)
    if not pushes:
        raise HarnessError("no push was recorded: the scenario was not driven")
    for call in pushes:
        results = (answer(call).get("data") or {}).get("results", [])
        bad = [
            r
            for r in results
            if r.get("result") == "rejected" and r.get("code") in REJECTED_FOR_CONTENT
        ]
        if bad:
            raise PartnerFailure(
                "A pushed vacancy was rejected for its content.",
                received=f"{describe(call)}: "
                + "; ".join(f"{r.get('vacancy_id')} {r.get('code')}" for r in bad[:5]),
                expected="every item accepted, updated or unchanged",
            )
