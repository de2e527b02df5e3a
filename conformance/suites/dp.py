"""Digital platforms, judged on the calls they make while driving the sandbox's scenarios."""

from __future__ import annotations

from conformance.client_mode import ClientContext, answer, body, describe, drive_session
from conformance.errors import HarnessError, PartnerFailure
from conformance.suite import Suite
from conformance.suites.client_common import driven, no_code, register_common
from contract import errors as err
from contract.certification import FaultKind, RecordedCall
from contract.endpoints import AUTHORIZE, PAYMENT_STATUS, QUOTA_SCHEDULE, SEND_OTP, VOID
from contract.requirements import Mode
from contract.roles import Role

suite: Suite[ClientContext] = Suite(Role.DP, Mode.CLIENT, "Digital platform (client mode)")

REFUSALS = ("insufficient-balance", "quota-gone", "training-started")


@suite.prepare
def _drive(ctx: ClientContext) -> None:
    drive_session(ctx)


register_common(suite, "DP", "busy", {err.COURSE_OR_SCHEDULE_EMPTY.code})


def _successful(calls: list[RecordedCall], path: str) -> list[RecordedCall]:
    return [c for c in calls if c.path == path and c.status == 200]


@suite.check("DP-PAY-001")
def happy_path_buys(ctx: ClientContext) -> None:
    """send-otp for the order, then authorize with the buyer's OTP and the payment token."""
    calls = driven(ctx, "happy-path")
    ctx.cite(calls)
    fixtures = ctx.recorded().fixtures("happy-path")
    offers = [
        c
        for c in _successful(calls, SEND_OTP.path)
        if body(c).get("prakerja_id") == fixtures["prakerja_id"]
        and body(c).get("schedule_code") == fixtures["schedule_code"]
    ]
    if not offers:
        raise PartnerFailure(
            "No successful send-otp for the scenario's order.",
            received="; ".join(describe(c) for c in calls) or "no call",
            expected=f"send-otp for card {fixtures['prakerja_id']}, schedule {fixtures['schedule_code']}",
        )
    tokens = {answer(c).get("data", {}).get("payment_token") for c in offers}
    paid = [
        c
        for c in _successful(calls, AUTHORIZE.path)
        if f"fp:{c.authorization_fingerprint}" in tokens
    ]
    if not paid:
        tried = [c for c in calls if c.path == AUTHORIZE.path]
        raise PartnerFailure(
            "The purchase was not authorized with the token send-otp issued.",
            received="; ".join(describe(c) for c in tried) or "no authorize call",
            expected="authorize answered 200, with Authorization: Payment <that payment_token>",
        )


@suite.check("DP-PAY-002")
def amount_is_the_price(ctx: ClientContext) -> None:
    """send-otp carries the course price, in integer rupiah."""
    state = ctx.recorded()
    offers = [c for c in state.calls if c.path == SEND_OTP.path and c.scenario]
    ctx.cite(offers)
    if not offers:
        raise HarnessError("no send-otp was recorded in the session")
    for call in offers:
        price = state.fixtures(call.scenario or "").get("amount")
        sent = body(call).get("amount")
        if call.code == err.AMOUNT_MISMATCH.code or type(sent) is not int or sent != price:
            raise PartnerFailure(
                "send-otp did not carry the course price in integer rupiah.",
                received=f"{describe(call)} with amount {sent!r}",
                expected=f"amount {price} (an integer)",
            )


@suite.check("DP-PAY-003")
def quota_checked_first(ctx: ClientContext) -> None:
    """quota-schedule for the schedule before the first send-otp."""
    calls = driven(ctx, "happy-path")
    ctx.cite(calls)
    first = next((c for c in calls if c.path == SEND_OTP.path), None)
    schedule = ctx.recorded().fixtures("happy-path")["schedule_code"]
    checked = [
        c
        for c in calls
        if c.path == QUOTA_SCHEDULE.path
        and body(c).get("schedule_code") == schedule
        and (first is None or c.seq < first.seq)
    ]
    if not checked:
        raise PartnerFailure(
            "The seats were not checked before the purchase started.",
            received="; ".join(describe(c) for c in calls),
            expected=f"quota-schedule for {schedule} before send-otp",
        )


@suite.check("DP-PAY-004")
def tokens_used_for_their_order(ctx: ClientContext) -> None:
    """Each authorize uses a live token send-otp issued in the same scenario."""
    state = ctx.recorded()
    for name in {c.scenario for c in state.calls if c.scenario}:
        calls = state.of(name or "")
        issued: set[str] = set()
        for call in calls:
            if call.path == SEND_OTP.path and call.status == 200:
                issued.add(str(answer(call).get("data", {}).get("payment_token")))
            if call.path != AUTHORIZE.path or call.injected:
                continue
            token = f"fp:{call.authorization_fingerprint}"
            if call.code in (err.PAYMENT_TOKEN_INVALID.code, err.PAYMENT_TOKEN_USED.code) or (
                token not in issued
            ):
                ctx.cite([c for c in calls if c.seq <= call.seq][-6:])
                raise PartnerFailure(
                    f"In scenario {name}, authorize used a token that was not live for it.",
                    received=describe(call),
                    expected="the payment_token of a send-otp of this order, not yet used",
                )
    ctx.cite([c for c in state.calls if c.path == AUTHORIZE.path][:5])


@suite.check("DP-PAY-005")
def invoice_codes_are_unique(ctx: ClientContext) -> None:
    """No authorize reuses an invoice code."""
    no_code(ctx, {err.INVOICE_DUPLICATE.code}, "reused an invoice_code")


@suite.check("DP-ERR-001", variants=REFUSALS)
def refused_send_otp_not_repeated(ctx: ClientContext) -> None:
    """A refused send-otp is not sent again unchanged."""
    calls = driven(ctx, ctx.variant or "")
    ctx.cite(calls)
    refused = [c for c in calls if c.path == SEND_OTP.path and c.status == 400]
    if not refused and any(c.path == SEND_OTP.path for c in calls):
        raise HarnessError(f"send-otp was not refused in {ctx.variant}: the fixtures are wrong")
    for first in refused:
        again = [
            c
            for c in calls
            if c.seq > first.seq
            and c.path == SEND_OTP.path
            and c.request_body == first.request_body
        ]
        if again:
            raise PartnerFailure(
                "A refused send-otp was sent again unchanged (a blind retry).",
                received=f"{describe(first)}, then {describe(again[0])} with the same body",
                expected=f"no repeat of a send-otp refused with {first.code}",
            )


@suite.check("DP-ERR-002", variants=REFUSALS)
def no_authorize_after_refusal(ctx: ClientContext) -> None:
    """No authorize for an order send-otp refused."""
    calls = driven(ctx, ctx.variant or "")
    ctx.cite(calls)
    refused = next((c for c in calls if c.path == SEND_OTP.path and c.status == 400), None)
    late = [c for c in calls if refused and c.seq > refused.seq and c.path == AUTHORIZE.path]
    if late:
        raise PartnerFailure(
            "authorize was called for an order send-otp had refused.",
            received=f"{describe(refused) if refused else ''}, then {describe(late[0])}",
            expected="no authorize after the refusal",
        )


@suite.check("DP-ERR-003")
def status_before_paying_again(ctx: ClientContext) -> None:
    """After an authorize whose answer was lost, payment/status comes next."""
    calls = driven(ctx, "lost-answer")
    ctx.cite(calls)
    lost = next((c for c in calls if c.injected == FaultKind.LOST_ANSWER.value), None)
    if lost is None:
        raise HarnessError("no authorize succeeded in lost-answer, so no answer could be lost")
    after = [c for c in calls if c.seq > lost.seq and c.path != QUOTA_SCHEDULE.path]
    if not after or after[0].path != PAYMENT_STATUS.path:
        raise PartnerFailure(
            "After an authorize whose answer was lost, the purchase was not looked up first.",
            received=describe(after[0]) if after else "nothing (the outcome was never checked)",
            expected="payment/status for the invoice, before any further send-otp or authorize",
        )
    invoice = body(lost).get("invoice_code")
    if str(body(after[0]).get("invoice_code")) != str(invoice):
        raise PartnerFailure(
            "payment/status asked about another invoice than the lost authorize.",
            received=f"invoice_code {body(after[0]).get('invoice_code')!r}",
            expected=f"invoice_code {invoice!r}",
        )


@suite.check("DP-OTP-001")
def stop_after_three_wrong_otps(ctx: ClientContext) -> None:
    """After ERRPLT40014 the token is not used again."""
    calls = driven(ctx, "otp-wrong-three-times")
    ctx.cite(calls)
    locked = next((c for c in calls if c.code == err.OTP_LOCKED.code), None)
    if locked is None:
        raise HarnessError(
            "the OTP was never locked in otp-wrong-three-times: three wrong OTPs were not typed"
        )
    again = [
        c
        for c in calls
        if c.seq > locked.seq
        and c.path == AUTHORIZE.path
        and c.authorization_fingerprint == locked.authorization_fingerprint
    ]
    if again:
        raise PartnerFailure(
            "The payment token was used again after the OTP was locked.",
            received=f"{describe(locked)}, then {describe(again[0])} with the same token",
            expected="a new send-otp (a new token) or nothing",
        )


@suite.check("DP-VOID-001")
def void_once_by_its_codes(ctx: ClientContext) -> None:
    """void names the purchase's own codes and is sent once."""
    calls = driven(ctx, "void")
    ctx.cite(calls)
    voids = [c for c in calls if c.path == VOID.path]
    done = [c for c in voids if c.status == 200]
    if len(done) != 1 or len(voids) != 1:
        raise PartnerFailure(
            "The purchase was not voided exactly once.",
            received="; ".join(describe(c) for c in voids) or "no void call",
            expected="one void, answered 200, with the invoice and transaction codes of the purchase",
        )
