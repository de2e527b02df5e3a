"""Checks every client-mode suite shares: signing, bodies, Retry-After and retry storms, judged on
the calls the sandbox recorded. ``register_common`` puts them on a role's suite under its IDs."""

from __future__ import annotations

from datetime import timedelta

from conformance.client_mode import ClientContext, at, describe
from conformance.errors import HarnessError, PartnerFailure
from conformance.suite import Suite
from contract import errors as err
from contract.certification import FaultKind, RecordedCall

STORM_CALLS = 5
STORM_WINDOW = timedelta(seconds=2)
RETRY_SLACK = timedelta(milliseconds=50)


def calls_of(ctx: ClientContext, scenario: str | None = None) -> list[RecordedCall]:
    """The calls of the whole session, or of one scenario."""
    state = ctx.recorded()
    return state.calls if scenario is None else state.of(scenario)


def driven(ctx: ClientContext, scenario: str) -> list[RecordedCall]:
    """The calls of a scenario the partner was asked to drive; none at all cannot be judged."""
    state = ctx.recorded()
    calls = state.of(scenario)
    if not calls:
        outcome = state.driven.get(scenario)
        note = f" ({outcome.note})" if outcome and outcome.note else ""
        raise HarnessError(f"no call was recorded in scenario {scenario}: it was not driven{note}")
    return calls


def no_code(ctx: ClientContext, codes: set[str], what: str) -> None:
    """Fail when any recorded call was answered with one of ``codes``."""
    everything = calls_of(ctx)
    bad = [c for c in everything if c.code in codes]
    ctx.cite(bad[:10] or everything[:3])
    if bad:
        raise PartnerFailure(
            f"{len(bad)} call(s) {what}.",
            received="; ".join(describe(c) for c in bad[:5]),
            expected=f"no call answered {', '.join(sorted(codes))}",
        )
    if not everything:
        raise HarnessError("no call was recorded in the whole session")


def register_common(
    suite: Suite[ClientContext], prefix: str, busy: str, body_codes: set[str]
) -> None:
    """SIGN-001..004, BODY-001, RETRY-001 (in scenario ``busy``) and RETRY-002 for ``prefix``."""

    @suite.check(f"{prefix}-SIGN-001")
    def headers_on_every_call(ctx: ClientContext) -> None:
        """Every call carries client_code, timestamp and signature."""
        no_code(ctx, {err.MISSING_HEADERS.code}, "lacked an authentication header")

    @suite.check(f"{prefix}-SIGN-002")
    def signatures_verify(ctx: ClientContext) -> None:
        """Every signature verifies."""
        no_code(ctx, {err.BAD_SIGNATURE.code}, "had a signature that does not verify")

    @suite.check(f"{prefix}-SIGN-003")
    def timestamps_are_current(ctx: ClientContext) -> None:
        """Every timestamp is the current time."""
        no_code(ctx, {err.BAD_TIMESTAMP.code}, "had a stale or malformed timestamp")

    @suite.check(f"{prefix}-SIGN-004")
    def signatures_are_fresh(ctx: ClientContext) -> None:
        """No signature is sent twice."""
        no_code(ctx, {err.REPLAYED.code}, "replayed a signature")
        seen: dict[str, RecordedCall] = {}
        for call in calls_of(ctx):
            first = seen.setdefault(call.signature_fingerprint or f"none-{call.seq}", call)
            if first is not call:
                ctx.cite([first, call])
                raise PartnerFailure(
                    "The same signature was sent twice.",
                    received=f"{describe(first)} and {describe(call)} carry one signature",
                    expected="a new timestamp, hence a new signature, on every call",
                )

    @suite.check(f"{prefix}-BODY-001")
    def bodies_match_the_schema(ctx: ClientContext) -> None:
        """Every body matches its request schema."""
        no_code(
            ctx, {err.BAD_REQUEST.code, *body_codes}, "had a body that breaks the request schema"
        )

    @suite.check(f"{prefix}-RETRY-001")
    def retry_after_honoured(ctx: ClientContext) -> None:
        """After 503 with Retry-After, the next call waits that long."""
        calls = driven(ctx, busy)
        ctx.cite(calls)
        refused = [c for c in calls if c.injected == FaultKind.BUSY.value]
        if not refused:
            raise HarnessError(
                f"the busy operation was never called in {busy}, so nothing was refused"
            )
        for call in refused:
            wait = timedelta(seconds=call.retry_after or 0)
            after = next((c for c in calls if c.seq > call.seq), None)
            if after is not None and at(after) + RETRY_SLACK < at(call) + wait:
                early = (at(after) - at(call)).total_seconds()
                raise PartnerFailure(
                    "A call came sooner than Retry-After allowed.",
                    received=f"{describe(after)} {early:.2f} s after {describe(call)}",
                    expected=f"at least {wait.total_seconds():.0f} s later",
                )

    @suite.check(f"{prefix}-RETRY-002")
    def no_retry_storm(ctx: ClientContext) -> None:
        """A failed call is not sent again more than 5 times within 2 seconds."""
        state = ctx.recorded()
        for name in sorted({c.scenario for c in state.calls if c.scenario}):
            calls = state.of(name or "")
            for i, first in enumerate(calls):
                burst = [first]
                for call in calls[i + 1 :]:
                    if at(call) - at(first) >= STORM_WINDOW:
                        break
                    same = call.path == first.path and call.request_body == first.request_body
                    if same and burst[-1].status >= 400:  # a retry of a call that failed
                        burst.append(call)
                if len(burst) > STORM_CALLS:
                    ctx.cite(burst)
                    raise PartnerFailure(
                        f"A retry storm in scenario {name}.",
                        received=f"{describe(first)}, sent {len(burst)} times within 2 s",
                        expected=f"at most {STORM_CALLS}, backing off between attempts",
                    )
        if not state.calls:
            raise HarnessError("no call was recorded in the whole session")
        ctx.cite(state.calls[:3])
