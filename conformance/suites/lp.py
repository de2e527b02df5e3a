"""Training providers, judged on the calls they make while participants go through their courses
(client mode): the harness is the participant, at the LP's site and on Prakerja's page."""

from __future__ import annotations

from typing import Any

from conformance.client_mode import ClientContext, answer, body, describe, drive_session
from conformance.errors import HarnessError, PartnerFailure
from conformance.suite import Suite
from conformance.suites.client_common import calls_of, driven, no_code, register_common
from contract import errors as err
from contract.certification import RecordedCall
from contract.endpoints import (
    REDEEM_COMMIT,
    REDEEM_STATUS,
    REPORT_RESULT,
    TPM_FEEDBACK,
    TPM_SUBMISSION,
    URL_GENERATE,
)
from contract.requirements import Mode
from contract.roles import Role

suite: Suite[ClientContext] = Suite(Role.LP, Mode.CLIENT, "Training provider (client mode)")
REDEEMING = (URL_GENERATE.path, REDEEM_COMMIT.path)
LATER = (URL_GENERATE.path, TPM_SUBMISSION.path, TPM_FEEDBACK.path, REPORT_RESULT.path)


@suite.prepare
def _drive(ctx: ClientContext) -> None:
    drive_session(ctx)


register_common(suite, "LP", "busy", set())


def _code(call: RecordedCall) -> str | None:
    found = body(call).get("redeem_code") or body(call).get("code")
    return str(found) if found else None


def _seq(call: RecordedCall) -> int:
    value = body(call).get("sequence", 1)
    return value if isinstance(value, int) else 1


def _data(call: RecordedCall) -> dict[str, Any]:
    data = answer(call).get("data")
    return data if isinstance(data, dict) else {}


@suite.check("LP-RDM-001")
def status_before_redeeming(ctx: ClientContext) -> None:
    """A code is looked up with redeem-code/status before it is redeemed."""
    looked: set[str] = set()
    everything = calls_of(ctx)
    for call in everything:
        code = _code(call)
        if code is None:
            continue
        if call.path == REDEEM_STATUS.path:
            looked.add(code)
        elif call.path in REDEEMING and code not in looked:
            ctx.cite([call])
            raise PartnerFailure(
                "A code was redeemed before it was looked up.",
                received=f"{describe(call)} with no redeem-code/status of that code before it",
                expected="redeem-code/status first: is the code this LP's, not voided, not redeemed",
            )
    if not looked:
        raise HarnessError("no redeem-code/status was recorded: the scenarios were not driven")
    ctx.cite(everything[:4])


@suite.check("LP-RDM-002")
def redeemed_through_the_page(ctx: ClientContext) -> None:
    """In self-paced: url-generate for sequence 1, then the status of sequence 1 read."""
    calls = driven(ctx, "self-paced")
    ctx.cite(calls)
    link = next(
        (c for c in calls if c.path == URL_GENERATE.path and _seq(c) == 1 and c.status == 200), None
    )
    if link is None:
        raise PartnerFailure(
            "The code was not redeemed through the verification page.",
            received="; ".join(describe(c) for c in calls) or "no call",
            expected="oauth/url-generate for sequence 1, answered 200",
        )
    confirmed = [
        c for c in calls
        if c.seq > link.seq and c.path == REDEEM_STATUS.path and _seq(c) == 1
    ]  # fmt: skip
    if not confirmed:
        raise PartnerFailure(
            "After the verification page the redeem was not confirmed.",
            received=f"{describe(link)}, then no redeem-code/status of sequence 1",
            expected="redeem-code/status of sequence 1 once the participant is back",
        )


@suite.check("LP-RDM-003")
def commit_only_unredeemed(ctx: ClientContext) -> None:
    """redeem-code/commit only for a code whose last status said not redeemed."""
    last: dict[str, int] = {}
    for call in calls_of(ctx):
        code = _code(call)
        if code is None:
            continue
        if call.path == REDEEM_STATUS.path and call.status == 200:
            last[code] = int(_data(call).get("status", -1))
        elif call.path == REDEEM_COMMIT.path and last.get(code) != 0:
            ctx.cite([call])
            raise PartnerFailure(
                "redeem-code/commit was sent for a code not known to be unredeemed.",
                received=f"{describe(call)} (last status {last.get(code, 'never read')})",
                expected="a status 0 (not redeemed) read before the commit",
            )
    ctx.cite(calls_of(ctx)[:3])


@suite.check("LP-RDM-004")
def each_participants_own_email(ctx: ClientContext) -> None:
    """url-generate carries the e-mail the participant of that scenario gave."""
    state = ctx.recorded()
    links = [c for c in state.calls if c.path == URL_GENERATE.path and c.scenario]
    ctx.cite(links)
    if not links:
        raise HarnessError("no url-generate was recorded: the scenarios were not driven")
    for call in links:
        given = str(state.fixtures(call.scenario or "").get("email", "")).lower()
        sent = str(body(call).get("email", "")).lower()
        if sent != given:
            raise PartnerFailure(
                "url-generate carried another e-mail than the participant's.",
                received=f"{describe(call)} with email {sent!r}",
                expected=f"the participant's own {given!r}",
            )


@suite.check("LP-ATT-001")
def stages_in_order(ctx: ClientContext) -> None:
    """No stage before the earlier ones are verified (no ERRRDM40003)."""
    no_code(ctx, {err.SEQUENCE_ORDER.code}, "asked for a stage before the earlier ones")


@suite.check("LP-ATT-002")
def registered_redirect_uri(ctx: ClientContext) -> None:
    """Only a registered redirect_uri (no ERRRDM40007)."""
    no_code(ctx, {err.REDIRECT_URI_NOT_REGISTERED.code}, "sent a redirect_uri never registered")


@suite.check("LP-ATT-003")
def stages_confirmed_with_status(ctx: ClientContext) -> None:
    """Each stage verified on the page is confirmed with redeem-code/status before the next."""
    everything = calls_of(ctx)
    for link in [c for c in everything if c.path == URL_GENERATE.path and c.status == 200]:
        code, seq = _code(link), _seq(link)
        after = [c for c in everything if c.seq > link.seq and _code(c) == code]
        later = next(
            (
                c
                for c in after
                if c.path in LATER and not (c.path == URL_GENERATE.path and _seq(c) == seq)
            ),
            None,
        )
        window = [c for c in after if later is None or c.seq < later.seq]
        confirmed = any(
            c.path == REDEEM_STATUS.path
            and _seq(c) == seq
            and _data(c).get("attendance_status") == 1
            for c in window
        )
        if not confirmed and (later is not None or link.scenario != "busy"):
            ctx.cite([link, *window[:3], *([later] if later else [])])
            raise PartnerFailure(
                f"Stage {seq} of {code} was taken as attended without Prakerja confirming it.",
                received=f"{describe(link)}, then "
                + (describe(later) if later else "no redeem-code/status of that stage"),
                expected=f"redeem-code/status of sequence {seq} answering attendance_status 1 first",
            )
    if not everything:
        raise HarnessError("no call was recorded in the whole session")


@suite.check("LP-ERR-001")
def refused_call_not_repeated(ctx: ClientContext) -> None:
    """A call Prakerja refused (4xx) is not sent again unchanged."""
    everything = calls_of(ctx)
    for first in everything:
        if not 400 <= first.status < 500 or first.status == 429:
            continue
        again = next(
            (c for c in everything
             if c.seq > first.seq and c.path == first.path and c.request_body == first.request_body),
            None,
        )  # fmt: skip
        if again is not None:
            ctx.cite([first, again])
            raise PartnerFailure(
                "A refused call was sent again unchanged (a blind retry).",
                received=f"{describe(first)}, then {describe(again)} with the same body",
                expected=f"no repeat of a call refused with {first.code}",
            )
    refused = [c for c in driven(ctx, "email-taken") if 400 <= c.status < 500]
    if not refused:
        raise HarnessError("nothing was refused in email-taken: the scenario was not driven")
    ctx.cite(refused)


@suite.check("LP-TPM-001")
def feedback_after_submission(ctx: ClientContext) -> None:
    """Feedback only on a recorded submission (no ERRTPM40002)."""
    no_code(ctx, {err.SUBMISSION_NOT_FOUND.code}, "gave feedback before the submission")


@suite.check("LP-TPM-002")
def scope_matches_sequence(ctx: ClientContext) -> None:
    """tpm with 1-998, uk with 999 (no ERRTPM40001)."""
    no_code(ctx, {err.SCOPE_SEQUENCE_MISMATCH.code}, "sent a scope that does not fit its sequence")


@suite.check("LP-RES-001")
def results_after_the_post_test(ctx: ClientContext) -> None:
    """Scores and certificate only after the post-test is verified (no ERRCAT40906)."""
    no_code(ctx, {err.TRAINING_NOT_FINISHED.code}, "reported results before the post-test")
