"""Payment partners, judged by calling their API as Prakerja does (server mode).

Preparation makes the run's disbursements (the contract's own scenarios: pay a verified account,
repeat it, reuse its id with another amount, pay an unknown account, pay one whose first callback
the receiver refuses), waits — bounded by the agreed callback time — until each is final and its
callbacks are in, and reads the day's statement. The checks then judge what was answered and what
arrived; the signature, schema and malformed-body checks make their own calls.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.errors import HarnessError, PartnerFailure
from conformance.evidence import Answer
from conformance.schema import conforms
from conformance.server_mode import Receiver, ServerContext, data_of, envelope_error
from conformance.suite import Suite
from conformance.suites.webhooks import add_webhook_checks
from contract import payouts as pp
from contract.payouts import (
    ACCOUNT_INQUIRY_PATH,
    DISBURSE_PATH,
    FINAL_STATUSES,
    STATEMENT_PATH,
    STATUS_PATH,
)
from contract.requirements import Mode
from contract.roles import Role

suite: Suite[ServerContext] = Suite(Role.PP, Mode.SERVER, "Payment partner (server mode)")
add_webhook_checks(suite)

OPERATIONS = {
    "account-inquiry": ACCOUNT_INQUIRY_PATH,
    "disburse": DISBURSE_PATH,
    "status": STATUS_PATH,
    "statement": STATEMENT_PATH,
}
AMOUNT = 10_000
JAKARTA = timedelta(hours=7)
STALE = 1_516_239_022
OVERSIZE = 1024 * 1024
QUIET = 0.5  # seconds without a callback after which the partner is taken to be done calling back


# --- preparation ------------------------------------------------------------------------------


def _fixture(ctx: ServerContext, name: str) -> str:
    value = ctx.fixtures.get(name)
    if not value:
        raise HarnessError(f"the fixtures name no {name} (declare it under [fixtures])")
    return str(value)


def _other_nik(nik: str) -> str:
    return nik[:12] + f"{(int(nik[12:]) + 1) % 10_000 or 1:04d}"


def _body(ctx: ServerContext, operation: str) -> dict[str, Any]:
    """A valid body of each operation that pays nobody (the negative checks send these)."""
    kind = _fixture(ctx, "account_type")
    if operation == "account-inquiry":
        return {"account_type": kind, "account_number": _fixture(ctx, "unknown_account"),
                "nik": _fixture(ctx, "nik")}  # fmt: skip
    if operation == "disburse":
        return {"disbursement_id": _new_id(ctx), "account_type": kind,
                "account_number": _fixture(ctx, "unknown_account"), "amount": 1,
                "description": "Uji sertifikasi"}  # fmt: skip
    if operation == "status":
        return {"disbursement_id": _new_id(ctx)}
    return {"date": _today().isoformat(), "limit": 1}


def _new_id(ctx: ServerContext) -> str:
    run = ctx.state.setdefault("run", secrets.token_hex(4).upper())
    return f"CERT-{run}-{secrets.token_hex(5).upper()}"


def _today() -> Any:
    return (datetime.now(UTC) + JAKARTA).date()


@suite.prepare
def _fixtures(ctx: ServerContext) -> None:
    """Fixtures from the capabilities file, else a sandbox simulator's ``/_sim/fixtures``."""
    if not ctx.fixtures:
        answer = ctx.evidence.call("GET", ctx.origin + ctx.prefix + "/_sim/fixtures")
        if answer.status != 200:
            raise HarnessError(
                "declare your test accounts under [fixtures] in the capabilities file "
                "(account_type, verified_account, nik, unknown_account)"
            )
        sim = answer.json()
        verified = next(a for a in sim["accounts"] if a["purpose"] == "verified")
        ctx.fixtures = {
            "account_type": sim["account_type"],
            "verified_account": verified["account_number"],
            "nik": verified["nik"],
            "unknown_account": sim["unknown_account_number"],
        }
        ctx.redactor.add_secret(verified["nik"])
    ctx.evidence.take()


@suite.prepare
def _receiver(ctx: ServerContext) -> None:
    creds = ctx.credentials
    if not creds.sign_key:
        raise HarnessError("the partner's sign_key is needed to verify its callbacks (--sign-key)")
    if ctx.receiver is None:
        ctx.receiver = Receiver(
            client_code=creds.client_code, sign_key=creds.sign_key, port=ctx.callback_port
        )
    ctx.receiver.start()
    ctx.progress(f"callbacks expected at {ctx.receiver.url}{pp.CALLBACK_PATH}")


def _disburse(ctx: ServerContext, label: str, body: dict[str, Any]) -> Answer:
    """A disburse as Prakerja sends it: on no usable answer, ask status before sending again."""
    for _ in range(3):
        try:
            answer = ctx.post(DISBURSE_PATH, body, retry=False)
        except PartnerFailure:
            answer = None
        if answer is not None and answer.status not in (502, 503, 504):
            ctx.keep(label)
            return answer
        known = ctx.post(STATUS_PATH, {"disbursement_id": body["disbursement_id"]})
        if known.status == 200:
            ctx.keep(label)
            return known
    ctx.keep(label)
    raise PartnerFailure(
        f"disburse {body['disbursement_id']} got no usable answer in three tries.",
        received="timeouts or 5xx", expected="an answer",
    )  # fmt: skip


@suite.prepare
def _disbursements(ctx: ServerContext) -> None:
    kind, verified = _fixture(ctx, "account_type"), _fixture(ctx, "verified_account")
    unknown = _fixture(ctx, "unknown_account")
    paid: dict[str, Any] = {"disbursement_id": _new_id(ctx), "account_type": kind, "account_number": verified,
            "amount": AMOUNT, "description": "Insentif Kartu Prakerja (uji sertifikasi)"}  # fmt: skip
    refused_first = {**paid, "disbursement_id": _new_id(ctx), "amount": AMOUNT // 2}
    unknown_body = {**paid, "disbursement_id": _new_id(ctx), "account_number": unknown}
    assert ctx.receiver is not None
    ctx.receiver.refuse_once.add(refused_first["disbursement_id"])
    ctx.state.update(paid=paid, refused_first=refused_first, unknown=unknown_body)
    started = time.monotonic()
    ctx.state["first"] = _disburse(ctx, "paid", paid)
    ctx.state["unknown_answer"] = _disburse(ctx, "unknown", unknown_body)
    ctx.state["refused_first_answer"] = _disburse(ctx, "refused_first", refused_first)
    ids = [str(b["disbursement_id"]) for b in (paid, refused_first, unknown_body)]
    ctx.state["ids"] = ids
    within = ctx.settings.get("callback_within_seconds", 30)
    ctx.progress(f"waiting up to {within} s for {len(ids)} disbursements to become final")
    finals = _wait_final(ctx, ids, started + within)
    ctx.state["finals"] = finals
    ctx.keep("finals")
    # A retry comes after a timeout, when the first may well have been paid: repeat it now.
    ctx.state["repeat"] = _disburse(ctx, "repeat", paid)
    ctx.state["conflict"] = ctx.post(DISBURSE_PATH, {**paid, "amount": AMOUNT * 2})
    ctx.keep("conflict")
    ctx.receiver.wait(
        lambda ds: (
            all(_callbacks(ds, i) for i in ids if i in finals) and len(_callbacks(ds, ids[1])) >= 2
        ),
        max(0.0, started + within - time.monotonic()),
    )
    ctx.receiver.settle(QUIET, timeout=max(QUIET, started + within - time.monotonic()))
    ctx.state["waited"] = time.monotonic() - started
    if "reconciliation" in ctx.capabilities:
        ctx.state["statement"] = _statement(ctx)
        ctx.keep("statement")


def _callbacks(deliveries: list[Any], disbursement_id: str) -> list[Any]:
    return [d for d in deliveries if d.json().get("disbursement_id") == disbursement_id]


def _wait_final(ctx: ServerContext, ids: list[str], deadline: float) -> dict[str, dict[str, Any]]:
    """Poll status (bounded) until each disbursement is final; the last data of each."""
    finals: dict[str, dict[str, Any]] = {}
    pause = 0.2
    while True:
        for disbursement_id in [i for i in ids if i not in finals]:
            answer = ctx.post(STATUS_PATH, {"disbursement_id": disbursement_id})
            if answer.status == 200:
                data = data_of(answer)
                if data.get("status") in FINAL_STATUSES:
                    finals[disbursement_id] = data
        if len(finals) == len(ids) or time.monotonic() + pause > deadline:
            return finals
        time.sleep(pause)  # the partner settles on its own clock; poll gently, bounded
        pause = min(pause * 2, 2.0)


def _statement(ctx: ServerContext) -> dict[str, Any]:
    """Every page of today's statement, in pages small enough that there are several."""
    first = ctx.post(STATEMENT_PATH, {"date": _today().isoformat(), "limit": pp.STATEMENT_PAGE_MAX})
    if first.status != 200:
        return {"error": first, "pages": []}
    total = int(data_of(first).get("total_count", 0))
    limit = max(2, min(pp.STATEMENT_PAGE_MAX, -(-total // 3)))  # about three pages of two or more
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(total // limit + 3):
        body: dict[str, Any] = {"date": _today().isoformat(), "limit": limit}
        if cursor:
            body["cursor"] = cursor
        answer = ctx.post(STATEMENT_PATH, body)
        if answer.status != 200:
            return {"error": answer, "pages": pages}
        page = data_of(answer)
        pages.append(page)
        cursor = page.get("next_cursor")
        if not cursor:
            return {"pages": pages, "limit": limit}
    return {"pages": pages, "limit": limit, "unterminated": True}


# --- authentication -----------------------------------------------------------------------------


def _refusal(ctx: ServerContext, answer: Answer, code: str, what: str) -> None:
    got = envelope_error(answer)
    if answer.status != 401 or got != code:
        raise PartnerFailure(
            f"A call {what} was not refused as the contract says.",
            received=f"HTTP {answer.status} {got or answer.body[:120].decode('utf-8', 'replace')}",
            expected=f"HTTP 401 {code} in the envelope, before the body is read",
        )


def _signed(ctx: ServerContext, operation: str, **override: Any) -> tuple[bytes, dict[str, str]]:
    text = json.dumps(_body(ctx, operation), separators=(",", ":"))
    headers = ctx.headers(
        ctx.path(OPERATIONS[operation]), text, timestamp=override.pop("timestamp", None)
    )
    headers.update(override)
    return text.encode(), headers


@suite.check("PP-SIGN-001", variants=OPERATIONS)
def missing_headers_refused(ctx: ServerContext) -> None:
    """A call without client_code, timestamp and signature is refused."""
    content, _ = _signed(ctx, ctx.variant or "")
    answer = ctx.send(OPERATIONS[ctx.variant or ""], content, {"Content-Type": "application/json"})
    _refusal(ctx, answer, "ERRAUT40101", "without authentication headers")


@suite.check("PP-SIGN-002", variants=OPERATIONS)
def bad_signature_refused(ctx: ServerContext) -> None:
    """A call whose signature is not Prakerja's is refused."""
    content, headers = _signed(ctx, ctx.variant or "", signature="0" * 40)
    answer = ctx.send(OPERATIONS[ctx.variant or ""], content, headers)
    _refusal(ctx, answer, "ERRAUT40103", "with a wrong signature")


@suite.check("PP-SIGN-003", variants=OPERATIONS)
def stale_timestamp_refused(ctx: ServerContext) -> None:
    """A call stamped long ago (correctly signed) is refused."""
    content, headers = _signed(ctx, ctx.variant or "", timestamp=STALE)
    answer = ctx.send(OPERATIONS[ctx.variant or ""], content, headers)
    _refusal(ctx, answer, "ERRAUT40104", "stamped in 2018")


@suite.check("PP-SIGN-004", variants=OPERATIONS)
def replay_refused(ctx: ServerContext) -> None:
    """The same signed call sent twice: the second is refused."""
    operation = OPERATIONS[ctx.variant or ""]
    content, headers = _signed(ctx, ctx.variant or "")
    first = ctx.send(operation, content, headers)
    if first.status == 401:
        raise HarnessError(f"a correctly signed call was refused: {envelope_error(first)}")
    _refusal(ctx, ctx.send(operation, content, headers), "ERRAUT40105", "replaying a signature")


# --- schema -----------------------------------------------------------------------------------


@suite.check("PP-SCHEMA-001", variants=OPERATIONS)
def answers_as_documented(ctx: ServerContext) -> None:
    """Generated valid calls (Schemathesis) are answered as the document says, never a 5xx."""
    conforms(ctx, "payment-partner.openapi.json", OPERATIONS[ctx.variant or ""])


MALFORMED = {
    "not-json": b'{"disbursement_id": "CERT-',
    "not-an-object": b"[1, 2, 3]",
    "amount-as-text": None,
    "amount-as-float": None,
    "missing-field": None,
    "oversize": None,
}


def _malformed(ctx: ServerContext, kind: str) -> bytes:
    body = _body(ctx, "disburse")
    if kind == "amount-as-text":
        body["amount"] = str(body["amount"])
    elif kind == "amount-as-float":
        body["amount"] = 1.5
    elif kind == "missing-field":
        body.pop("account_number")
    elif kind == "oversize":
        body["description"] = "x" * OVERSIZE
    else:
        return MALFORMED[kind] or b""
    return json.dumps(body, separators=(",", ":")).encode()


@suite.check("PP-SCHEMA-002", variants=MALFORMED)
def malformed_bodies_refused(ctx: ServerContext) -> None:
    """A malformed, wrongly typed or oversize disburse is a 4xx in the envelope (and pays nobody)."""
    content = _malformed(ctx, ctx.variant or "")
    headers = ctx.headers(ctx.path(DISBURSE_PATH), content.decode())
    answer = ctx.send(DISBURSE_PATH, content, headers)
    code = envelope_error(answer)
    if not 400 <= answer.status < 500 or code is None or not code.startswith("ERR"):
        raise PartnerFailure(
            f"A {ctx.variant} disburse was not refused in the envelope.",
            received=f"HTTP {answer.status} {answer.body[:160].decode('utf-8', 'replace')}",
            expected="HTTP 4xx with {success: false, code: ERRPPR40001 (or ERRGEN41301), message}",
        )


# --- accounts ---------------------------------------------------------------------------------


def _inquiry(ctx: ServerContext, account: str, nik: str) -> Answer:
    body = {"account_type": _fixture(ctx, "account_type"), "account_number": account, "nik": nik}
    return ctx.post(ACCOUNT_INQUIRY_PATH, body)


@suite.check("PP-LINK-001")
def inquiry_tells_kyc_and_nik_match(ctx: ServerContext) -> None:
    """A verified account: its KYC level, holder and a NIK match true; another NIK: false."""
    nik = _fixture(ctx, "nik")
    mine = _inquiry(ctx, _fixture(ctx, "verified_account"), nik)
    data = data_of(mine)
    wanted = {"kyc_level": "VERIFIED", "nik_match": True, "account_status": "ACTIVE"}
    got = {k: data.get(k) for k in wanted}
    if got != wanted or not str(data.get("holder_name") or "").strip():
        raise PartnerFailure(
            "The verified account's inquiry is wrong.",
            received=json.dumps({**got, "holder_name": data.get("holder_name")}),
            expected=json.dumps({**wanted, "holder_name": "(the holder's name)"}),
        )
    other = data_of(_inquiry(ctx, _fixture(ctx, "verified_account"), _other_nik(nik)))
    if other.get("nik_match") is not False:
        raise PartnerFailure(
            "An inquiry with someone else's NIK says the NIK matches.",
            received=f"nik_match {other.get('nik_match')!r}",
            expected="nik_match false: only the holder's own NIK matches",
        )


@suite.check("PP-LINK-002")
def unknown_account_refused(ctx: ServerContext) -> None:
    """An unknown account is ERRPPR40401."""
    answer = _inquiry(ctx, _fixture(ctx, "unknown_account"), _fixture(ctx, "nik"))
    if (answer.status, envelope_error(answer)) != (404, "ERRPPR40401"):
        raise PartnerFailure(
            "An inquiry for an unknown account was not refused as documented.",
            received=f"HTTP {answer.status} {envelope_error(answer)}",
            expected="HTTP 404 ERRPPR40401",
        )


@suite.check("PP-LINK-003")
def inquiry_never_returns_the_nik(ctx: ServerContext) -> None:
    """No inquiry answer carries a NIK."""
    nik = _fixture(ctx, "nik")
    answers = [_inquiry(ctx, _fixture(ctx, "verified_account"), nik)]
    for answer in answers:
        text = answer.body.decode("utf-8", "replace")
        data = data_of(answer)
        if nik in text or "nik" in data:
            raise PartnerFailure(
                "An account inquiry returned the holder's NIK.",
                received="a NIK in the answer (field nik)" if "nik" in data else "the NIK's digits",
                expected="kyc_level, holder_name and nik_match only: never the NIK",
            )


# --- disbursements ----------------------------------------------------------------------------


def _final(ctx: ServerContext, key: str) -> dict[str, Any] | None:
    disbursement_id = ctx.state[key]["disbursement_id"]
    found: dict[str, Any] | None = ctx.state["finals"].get(disbursement_id)
    return found


@suite.check("PP-DISB-001")
def verified_account_is_paid(ctx: ServerContext) -> None:
    """The disbursement to the verified account ends SUCCESS, for its amount."""
    ctx.cite("paid")
    ctx.cite("finals")
    data = data_of(ctx.state["first"])
    final = _final(ctx, "paid")
    if final is None:
        raise PartnerFailure(
            "The disbursement did not become final in the agreed time.",
            received=f"status {data.get('status')} after {ctx.state['waited']:.0f} s",
            expected=f"SUCCESS within {ctx.settings.get('callback_within_seconds', 30)} s",
        )
    if (
        final.get("status") != "SUCCESS"
        or final.get("amount") != AMOUNT
        or type(final.get("amount")) is not int
    ):
        raise PartnerFailure(
            "The disbursement to a verified, active account was not paid as asked.",
            received=f"status {final.get('status')}, amount {final.get('amount')!r}",
            expected=f"SUCCESS, amount {AMOUNT} (integer rupiah)",
        )


@suite.check("PP-DISB-002")
def repeat_answers_the_first(ctx: ServerContext) -> None:
    """The same id and body again: the same disbursement, paid once."""
    ctx.cite("paid")
    ctx.cite("repeat")
    first, repeat = data_of(ctx.state["first"]), data_of(ctx.state["repeat"])
    same = ("disbursement_id", "partner_reference", "amount")
    if any(first.get(k) != repeat.get(k) for k in same):
        raise PartnerFailure(
            "A repeated disburse answered another disbursement.",
            received=json.dumps({k: repeat.get(k) for k in same}),
            expected=json.dumps({k: first.get(k) for k in same}),
        )
    statement = ctx.state.get("statement")
    if statement is not None and statement["pages"]:
        listed = [e for p in statement["pages"] for e in p.get("entries", [])
                  if e.get("disbursement_id") == first["disbursement_id"]]  # fmt: skip
        if len(listed) > 1:
            ctx.cite("statement")
            raise PartnerFailure(
                "A repeated disburse paid again: the statement lists the disbursement twice.",
                received=f"{len(listed)} entries for {first['disbursement_id']}",
                expected="one entry: the same id never pays twice",
            )


@suite.check("PP-DISB-003")
def reused_id_with_other_body_refused(ctx: ServerContext) -> None:
    """The same id with another amount is ERRPPR40901 and changes nothing."""
    ctx.cite("conflict")
    answer = ctx.state["conflict"]
    if (answer.status, envelope_error(answer)) != (409, "ERRPPR40901"):
        raise PartnerFailure(
            "A disbursement id reused with another amount was not refused.",
            received=f"HTTP {answer.status} {envelope_error(answer) or answer.body[:100].decode('utf-8', 'replace')}",
            expected="HTTP 409 ERRPPR40901, nothing changed or paid",
        )
    final = _final(ctx, "paid")
    if final is not None and final.get("amount") != AMOUNT:
        raise PartnerFailure(
            "The refused request changed the disbursement.",
            received=f"amount {final.get('amount')}",
            expected=f"amount {AMOUNT}, as first asked",
        )


@suite.check("PP-DISB-004")
def status_by_id(ctx: ServerContext) -> None:
    """status answers a known id with it, and refuses an unknown one with ERRPPR40402."""
    known = ctx.post(STATUS_PATH, {"disbursement_id": ctx.state["paid"]["disbursement_id"]})
    data = data_of(known)
    if data.get("disbursement_id") != ctx.state["paid"]["disbursement_id"]:
        raise PartnerFailure(
            "status answered about another disbursement.",
            received=str(data.get("disbursement_id")),
            expected=ctx.state["paid"]["disbursement_id"],
        )
    unknown = ctx.post(STATUS_PATH, {"disbursement_id": _new_id(ctx)})
    if (unknown.status, envelope_error(unknown)) != (404, "ERRPPR40402"):
        raise PartnerFailure(
            "status of an id never sent was not refused.",
            received=f"HTTP {unknown.status} {envelope_error(unknown) or unknown.body[:100].decode('utf-8', 'replace')}",
            expected="HTTP 404 ERRPPR40402 (never recorded)",
        )


def _statement_entries(ctx: ServerContext) -> list[dict[str, Any]]:
    statement = ctx.state.get("statement")
    if statement is None:
        raise HarnessError("the statement was not read")
    ctx.cite("statement")
    if "error" in statement:
        answer: Answer = statement["error"]
        raise PartnerFailure(
            "The statement could not be read.",
            received=f"HTTP {answer.status} {envelope_error(answer)}",
            expected="HTTP 200 with the day's entries",
        )
    return [e for page in statement["pages"] for e in page.get("entries", [])]


@suite.check("PP-DISB-005")
def success_means_paid(ctx: ServerContext) -> None:
    """Every disbursement status calls SUCCESS is in the statement, for its amount."""
    entries = {e.get("disbursement_id"): e for e in _statement_entries(ctx)}
    for disbursement_id, final in ctx.state["finals"].items():
        if final.get("status") != "SUCCESS":
            continue
        entry = entries.get(disbursement_id)
        if (
            entry is None
            or entry.get("status") != "SUCCESS"
            or entry.get("amount") != final.get("amount")
        ):
            raise PartnerFailure(
                "A disbursement reported SUCCESS is not in the statement as paid.",
                received=f"{disbursement_id}: {json.dumps(entry) if entry else 'not listed'}",
                expected=f"SUCCESS, amount {final.get('amount')}: what status says was paid was paid",
            )


@suite.check("PP-DISB-006")
def unknown_account_not_paid(ctx: ServerContext) -> None:
    """A disbursement to an unknown account fails with ERRPPR40401, paying nothing."""
    ctx.cite("unknown")
    final = _final(ctx, "unknown") or data_of(ctx.state["unknown_answer"])
    if final.get("status") != "FAILED" or final.get("failure_code") != "ERRPPR40401":
        raise PartnerFailure(
            "A disbursement to an account the partner does not hold was not failed.",
            received=f"status {final.get('status')}, failure_code {final.get('failure_code')}",
            expected="FAILED with failure_code ERRPPR40401",
        )


# --- callbacks --------------------------------------------------------------------------------


def _deliveries(ctx: ServerContext, disbursement_id: str) -> list[Any]:
    assert ctx.receiver is not None
    found = ctx.receiver.of(disbursement_id)
    for delivery in found:
        ctx.evidence.add(delivery.exchange(ctx.receiver.url))
    return found


@suite.check("PP-CB-001")
def callbacks_arrive_in_time(ctx: ServerContext) -> None:
    """A callback for each disbursement that became final, within the agreed time."""
    within = ctx.settings.get("callback_within_seconds", 30)
    for disbursement_id in ctx.state["finals"]:
        if not _deliveries(ctx, disbursement_id):
            raise PartnerFailure(
                "A disbursement became final but no callback arrived.",
                received=f"no callback for {disbursement_id} within {within} s",
                expected=f"POST {pp.CALLBACK_PATH} within {within} s",
            )
    if not ctx.state["finals"]:
        raise HarnessError("no disbursement became final, so no callback was due")


@suite.check("PP-CB-002")
def callbacks_are_signed(ctx: ServerContext) -> None:
    """Every callback verifies with the partner's sign_key, freshly stamped."""
    assert ctx.receiver is not None
    deliveries = [d for i in ctx.state["ids"] for d in _deliveries(ctx, i)]
    if not deliveries:
        raise HarnessError("no callback arrived to judge")
    bad = [d for d in deliveries if d.verdict != "ok"]
    if bad:
        raise PartnerFailure(
            "A callback was not signed right.",
            received=", ".join(sorted({d.verdict for d in bad})),
            expected="client_code, timestamp and HMAC-SHA1 signature with the partner's sign_key",
        )


@suite.check("PP-CB-003")
def callbacks_in_legal_order(ctx: ServerContext) -> None:
    """Once a disbursement's final callback arrived, nothing else arrives about it."""
    for disbursement_id in ctx.state["ids"]:
        first_final = None
        for delivery in _deliveries(ctx, disbursement_id):
            status = delivery.json().get("status")
            if first_final is None:
                if status in FINAL_STATUSES:
                    first_final = status
            elif status != first_final:
                raise PartnerFailure(
                    f"A callback about {disbursement_id} came after its final one with another status.",
                    received=f"{first_final}, then {status}",
                    expected=f"nothing after {first_final} but the same {first_final}",
                )


@suite.check("PP-CB-004")
def duplicate_callbacks_agree(ctx: ServerContext) -> None:
    """A callback refused once is sent again, and every copy says the same."""
    refused = ctx.state["refused_first"]["disbursement_id"]
    copies = _deliveries(ctx, refused)
    if len(copies) < 2:
        raise PartnerFailure(
            "A callback the receiver refused (503) was not delivered again.",
            received=f"{len(copies)} delivery of the callback of {refused}",
            expected="retries with backoff until a 2xx",
        )
    for disbursement_id in ctx.state["ids"]:
        seen = {
            json.dumps({k: d.json().get(k) for k in ("status", "amount", "partner_reference")})
            for d in _deliveries(ctx, disbursement_id)
            if d.json().get("status") in FINAL_STATUSES
        }
        if len(seen) > 1:
            raise PartnerFailure(
                "Copies of one callback disagree.",
                received="; ".join(sorted(seen)),
                expected="every copy with the same status, amount and partner_reference",
            )


# --- reconciliation -----------------------------------------------------------------------------


@suite.check("PP-REC-001")
def statement_lists_the_day(ctx: ServerContext) -> None:
    """The day's statement: every final disbursement once, totals that add up, pages that chain."""
    entries = _statement_entries(ctx)
    statement = ctx.state["statement"]
    if statement.get("unterminated"):
        raise PartnerFailure("The statement's pages never end.", received="next_cursor on every page",
                             expected="a last page with next_cursor null")  # fmt: skip
    ids = [str(e.get("disbursement_id")) for e in entries]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise PartnerFailure(
            "The statement lists a disbursement more than once.",
            received=f"{', '.join(map(str, repeated[:5]))} on several pages (limit {statement['limit']})",
            expected="each disbursement once, pages that neither overlap nor skip",
        )
    last = statement["pages"][-1]
    success = sum(int(e.get("amount", 0)) for e in entries if e.get("status") == "SUCCESS")
    if last.get("total_count") != len(entries) or last.get("success_amount") != success:
        raise PartnerFailure(
            "The statement's totals do not add up.",
            received=f"total_count {last.get('total_count')}, success_amount {last.get('success_amount')}",
            expected=f"total_count {len(entries)}, success_amount {success} (from its entries)",
        )
    listed = {e.get("disbursement_id"): e for e in entries}
    for disbursement_id, final in ctx.state["finals"].items():
        entry = listed.get(disbursement_id)
        if entry is None or entry.get("status") != final.get("status"):
            raise PartnerFailure(
                "A disbursement that became final today is missing from the statement.",
                received=f"{disbursement_id}: {json.dumps(entry) if entry else 'not listed'}",
                expected=f"listed with status {final.get('status')}",
            )
