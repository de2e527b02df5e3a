"""Linking an account for incentives: only a KYC-verified, active account of the card holder's
own NIK (an e-wallet only on the holder's own phone), confirmed by the OTP texted to the holder."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from reference_server.runtime import Runtime
from reference_server.storage import tables as t
from tests.factories import assert_api_error, success_data
from tests.reference_server.payout_partner import Faults, PartnerState
from tests.reference_server.payouts_support import (
    Holder,
    card_holder,
    open_account,
    running_partner,
)


@pytest.fixture(scope="module")
def partner(runtime: Runtime, server_url: str) -> Iterator[tuple[PartnerState, str]]:
    with running_partner(runtime, server_url) as (state, creds):
        yield state, creds.client_code


@pytest.fixture
def holder(runtime: Runtime, server_url: str) -> Iterator[Holder]:
    with httpx.Client(base_url=server_url) as http:
        yield card_holder(runtime, http)


def _links(runtime: Runtime, card_id: int) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).where(t.PayoutLink.card_id == card_id)) or 0)


def test_an_ewallet_of_the_holder_is_linked_with_the_texted_otp(
    partner: tuple[PartnerState, str], holder: Holder
) -> None:
    state, code = partner
    number = open_account(state, holder)
    link = success_data(holder.link(code, "EWALLET", "+62" + number[1:]))
    assert link["status"] == "PENDING_OTP"
    assert link["account_number"].endswith(number[-4:]) and number not in str(link)
    assert link["holder_name"] == "S*** R*****"
    assert holder.incentives()["conditions"]["account_linked"] is False
    linked = success_data(holder.confirm(link["link_id"]))
    assert linked["status"] == "ACTIVE" and linked["linked_at"]
    view = holder.incentives()
    assert view["conditions"]["account_linked"] is True
    assert view["account"]["link_id"] == link["link_id"]
    assert_api_error(holder.link(code, "EWALLET", number), "ERRINC40901", 409)


@pytest.mark.parametrize(
    ("account", "error"),
    [
        ({"kyc_level": "UNVERIFIED"}, "ERRINC40003"),
        ({"kyc_level": "PENDING"}, "ERRINC40003"),
        ({"nik": "3171000000000001"}, "ERRINC40004"),
        ({"account_status": "BLOCKED"}, "ERRINC40005"),
    ],
)
def test_linking_is_refused_for_an_account_that_does_not_qualify(
    runtime: Runtime,
    partner: tuple[PartnerState, str],
    holder: Holder,
    account: dict[str, str],
    error: str,
) -> None:
    state, code = partner
    number = open_account(state, holder, **account)
    assert_api_error(holder.link(code, "EWALLET", number), error)
    assert _links(runtime, holder.card_id) == 0


def test_an_ewallet_on_another_persons_phone_is_refused_before_the_partner_hears_of_it(
    runtime: Runtime, partner: tuple[PartnerState, str], holder: Holder
) -> None:
    state, code = partner
    other = "081299990000"
    open_account(state, holder, number=other)  # even a wallet of the holder's own NIK
    calls = len(state.calls)
    assert_api_error(holder.link(code, "EWALLET", other), "ERRINC40001")
    assert len(state.calls) == calls and _links(runtime, holder.card_id) == 0


def test_a_bank_account_is_linked_by_number(
    partner: tuple[PartnerState, str], holder: Holder
) -> None:
    state, code = partner
    open_account(state, holder, number="0123456789", account_type="BANK")
    link = success_data(holder.link(code, "BANK", "0123456789"))
    assert success_data(holder.confirm(link["link_id"]))["account_type"] == "BANK"


def test_an_unknown_account_or_partner_is_refused(
    runtime: Runtime, partner: tuple[PartnerState, str], holder: Holder
) -> None:
    _, code = partner
    assert_api_error(holder.link(code, "BANK", "5550001111"), "ERRINC40002")
    assert_api_error(holder.link("pp-nobody", "BANK", "5550001111"), "ERRINC40401", 404)
    assert _links(runtime, holder.card_id) == 0


def test_three_wrong_otps_end_the_link_request(
    partner: tuple[PartnerState, str], holder: Holder
) -> None:
    state, code = partner
    link = success_data(holder.link(code, "EWALLET", open_account(state, holder)))
    right = holder.link_otp()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        assert_api_error(holder.confirm(link["link_id"], wrong), "ERRINC40007")
    assert_api_error(holder.confirm(link["link_id"], right), "ERRINC40008")
    assert holder.incentives()["account"] is None


def test_a_partner_that_does_not_answer_leaves_nothing_behind(
    runtime: Runtime, server_url: str, holder: Holder
) -> None:
    with running_partner(runtime, server_url, Faults(error_rate=1.0)) as (state, creds):
        number = open_account(state, holder)
        assert_api_error(holder.link(creds.client_code, "EWALLET", number), "ERRINC50301", 503)
    assert _links(runtime, holder.card_id) == 0


def test_only_a_card_holder_may_link(server_url: str, partner: tuple[PartnerState, str]) -> None:
    from tests.reference_server.applicants import sign_up

    with httpx.Client(base_url=server_url) as http:
        applicant = sign_up(http)
        answer = applicant.post(
            "/incentive/link",
            {
                "partner_code": partner[1],
                "account_type": "EWALLET",
                "account_number": applicant.phone,
            },
        )
    assert_api_error(answer, "ERRINC40301", 403)
