"""Linking an account for incentives: only a KYC-verified, active account of the card holder's
own NIK (an e-wallet only on the holder's own phone), confirmed by the OTP texted to the holder.
Against the payment-partner simulators (an e-wallet and a bank)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from contract.payouts import ACCOUNT_INQUIRY_PATH
from reference_server.runtime import Runtime
from reference_server.storage import tables as t
from tests.factories import assert_api_error, success_data
from tests.reference_server.applicants import sign_up
from tests.reference_server.payouts_support import Holder, Sim, card_holder, running_partners


@pytest.fixture(scope="module")
def sims(runtime: Runtime, server_url: str) -> Iterator[dict[str, Sim]]:
    with running_partners(runtime, server_url, ("ovo", "bni")) as running:
        yield running


@pytest.fixture
def ovo(sims: dict[str, Sim]) -> Sim:
    return sims["ovo"]


@pytest.fixture
def holder(runtime: Runtime, server_url: str) -> Iterator[Holder]:
    with httpx.Client(base_url=server_url) as http:
        yield card_holder(runtime, http)


def _links(runtime: Runtime, card_id: int) -> int:
    with runtime.sessions() as session:
        count = session.scalar(select(func.count()).where(t.PayoutLink.card_id == card_id))
        return int(count or 0)


def test_an_ewallet_of_the_holder_is_linked_with_the_texted_otp(ovo: Sim, holder: Holder) -> None:
    number = ovo.put_account(holder)
    link = success_data(holder.link(ovo.code, "EWALLET", "+62" + number[1:]))
    assert link["status"] == "PENDING_OTP"
    assert link["account_number"].endswith(number[-4:]) and number not in str(link)
    assert link["holder_name"] == "S*** R*****"
    assert holder.incentives()["conditions"]["account_linked"] is False
    linked = success_data(holder.confirm(link["link_id"]))
    assert linked["status"] == "ACTIVE" and linked["linked_at"]
    view = holder.incentives()
    assert view["conditions"]["account_linked"] is True
    assert view["account"]["link_id"] == link["link_id"]
    assert_api_error(holder.link(ovo.code, "EWALLET", number), "ERRINC40901", 409)


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
    runtime: Runtime, ovo: Sim, holder: Holder, account: dict[str, str], error: str
) -> None:
    number = ovo.put_account(holder, **account)
    assert_api_error(holder.link(ovo.code, "EWALLET", number), error)
    assert _links(runtime, holder.card_id) == 0


def test_an_ewallet_on_another_persons_phone_is_refused_before_the_partner_hears_of_it(
    runtime: Runtime, ovo: Sim, holder: Holder
) -> None:
    other = ovo.put_account(holder, account_number="081299990000")  # even of the holder's NIK
    asked = ovo.calls(ACCOUNT_INQUIRY_PATH)
    assert_api_error(holder.link(ovo.code, "EWALLET", other), "ERRINC40001")
    assert ovo.calls(ACCOUNT_INQUIRY_PATH) == asked and _links(runtime, holder.card_id) == 0


def test_a_bank_account_is_linked_by_number(sims: dict[str, Sim], holder: Holder) -> None:
    bni = sims["bni"]
    number = bni.put_account(holder, account_number=None)
    link = success_data(holder.link(bni.code, "BANK", number))
    assert success_data(holder.confirm(link["link_id"]))["account_type"] == "BANK"


def test_an_unknown_account_the_wrong_kind_or_an_unknown_partner_is_refused(
    runtime: Runtime, sims: dict[str, Sim], holder: Holder
) -> None:
    ovo, bni = sims["ovo"], sims["bni"]
    assert_api_error(holder.link(bni.code, "BANK", "0499999999"), "ERRINC40002")
    assert_api_error(holder.link(ovo.code, "BANK", "0499999999"), "ERRINC40006")
    assert_api_error(holder.link("pp-nobody", "BANK", "5550001111"), "ERRINC40401", 404)
    assert _links(runtime, holder.card_id) == 0


def test_three_wrong_otps_end_the_link_request(ovo: Sim, holder: Holder) -> None:
    link = success_data(holder.link(ovo.code, "EWALLET", ovo.put_account(holder)))
    right = holder.link_otp()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        assert_api_error(holder.confirm(link["link_id"], wrong), "ERRINC40007")
    assert_api_error(holder.confirm(link["link_id"], right), "ERRINC40008")
    assert holder.incentives()["account"] is None


def test_a_partner_that_does_not_answer_leaves_nothing_behind(
    runtime: Runtime, server_url: str, holder: Holder
) -> None:
    with running_partners(runtime, server_url, ("dana",), every={"error_rate": 1.0}) as down:
        number = down["dana"].put_account(holder)
        assert_api_error(holder.link(down["dana"].code, "EWALLET", number), "ERRINC50301", 503)
    assert _links(runtime, holder.card_id) == 0


def test_only_a_card_holder_may_link(server_url: str, ovo: Sim) -> None:
    with httpx.Client(base_url=server_url) as http:
        applicant = sign_up(http)
        body = {
            "partner_code": ovo.code,
            "account_type": "EWALLET",
            "account_number": applicant.phone,
        }
        assert_api_error(applicant.post("/incentive/link", body), "ERRINC40301", 403)
