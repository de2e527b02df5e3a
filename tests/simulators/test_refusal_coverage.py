"""Every catalogued refusal of an endpoint a partner simulator calls is handled: mapped to what
the buyer is told, named as the partner's own mistake, or dealt with by the flow itself. A code
added to an endpoint's errors without a decision here fails this test."""

from __future__ import annotations

from contract import endpoints as ep
from contract import errors as err
from simulators.buyer_api import PARTNER_ERRORS
from simulators.platform.checkout import REFUSALS as PLATFORM
from simulators.provider.classroom import REFUSALS as PROVIDER

# Answered by the flow, not shown to the buyer as such.
PLATFORM_FLOW = {
    err.INVOICE_NOT_FOUND.code,  # status after a lost answer: not paid, authorize once more
    err.ALREADY_VOIDED.code,  # a void that already happened is a void
}
PROVIDER_FLOW = {
    err.ALREADY_VERIFIED.code,  # no link needed: the stage is recorded
    err.FEEDBACK_EXISTS.code,  # the feedback is there: the work is reviewed
    err.RESULT_EXISTS.code,  # reported before (a lost answer): reported
}
PLATFORM_CALLS = (ep.QUOTA_SCHEDULE, ep.SEND_OTP, ep.AUTHORIZE, ep.PAYMENT_STATUS, ep.VOID)
PROVIDER_CALLS = (
    ep.REDEEM_STATUS,
    ep.URL_GENERATE,
    ep.TPM_SUBMISSION,
    ep.TPM_FEEDBACK,
    ep.REPORT_RESULT,
)


def _unhandled(calls: tuple[ep.Endpoint, ...], mapped: set[str], flow: set[str]) -> set[str]:
    catalogued = {code.code for endpoint in calls for code in endpoint.errors}
    return catalogued - mapped - flow - PARTNER_ERRORS - {err.RATE_LIMITED.code}


def test_every_refusal_a_platform_can_meet_is_handled() -> None:
    assert _unhandled(PLATFORM_CALLS, set(PLATFORM), PLATFORM_FLOW) == set()


def test_every_refusal_a_provider_can_meet_is_handled() -> None:
    assert _unhandled(PROVIDER_CALLS, set(PROVIDER), PROVIDER_FLOW) == set()


def test_a_refusal_is_either_the_buyers_or_the_partners_never_both() -> None:
    assert PARTNER_ERRORS.isdisjoint(PLATFORM) and PARTNER_ERRORS.isdisjoint(PROVIDER)
