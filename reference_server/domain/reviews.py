"""What may follow a finished training: the beneficiary's rating and review, the LP's scores.

A training is *finished* when its post-test (sequence 999) is verified. Only then may the
beneficiary rate (1-5) and review the purchase, once; and only then may the LP report the
participant's pre-test and post-test scores and the certificate it issued, once. The facts come in
as plain values; a refusal goes out as ``ApiError`` with its catalogued code.
"""

from __future__ import annotations

from contract import errors as err
from contract.errors import ApiError
from contract.payments import PaymentStatus


def check_reviewable(purchase_status: str | None, finished: bool, reviewed: bool) -> None:
    """A live purchase of the applicant's card (ERRCAT40403), finished (ERRCAT40906), not yet
    reviewed (ERRCAT40907)."""
    if purchase_status != PaymentStatus.SUCCESS:
        raise ApiError(err.PURCHASE_NOT_FOUND)
    if not finished:
        raise ApiError(err.TRAINING_NOT_FINISHED)
    if reviewed:
        raise ApiError(err.ALREADY_REVIEWED)


def check_reportable(voided: bool, finished: bool, reported: bool) -> None:
    """A redeem code not voided (ERRRDM40008), finished (ERRCAT40906), not yet reported
    (ERRCAT40908)."""
    if voided:
        raise ApiError(err.REDEEM_VOIDED)
    if not finished:
        raise ApiError(err.TRAINING_NOT_FINISHED)
    if reported:
        raise ApiError(err.RESULT_EXISTS)
