"""The digital platform simulator against the real server: its providers' courses submitted and
approved, a purchase by a fixture beneficiary, the redeem code taken through a provider simulator
and Prakerja's verification page to a certificate; every refusal mapped for the buyer; voids;
X-Simulate; and each mutant's fault as the server (or the journal) shows it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from contract.endpoints import (
    AUTHORIZE,
    PAYMENT_STATUS,
    QUOTA_SCHEDULE,
    SEND_OTP,
    VOID,
    Role,
)
from reference_server.partners import add_redirect_uri
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from simulators.framework.registry import SimConfig
from simulators.platform.kinds import DIGITAL_PLATFORM
from simulators.platform.launch import PartnerUrls, running_partners
from tests.factories import Partner, Partners, beneficiary, card_money, latest_otp, new_card
from tests.reference_server.catalogue_support import assess
from tests.simulators.partner_helpers import calls, data, get, last_seq, post, visit
from tests.simulators.payment_support import wait_for

MUTANTS = [m.name for m in DIGITAL_PLATFORM.mutants]
MANDIRI = {"course_code": "SBX-MANDIRI", "schedule_code": "SBX-MANDIRI-OPEN"}


@dataclass
class Market:
    urls: PartnerUrls
    dps: dict[str, Partner]  # each platform's DP at the sandbox
    lp: Partner
    office: Partner

    def platform(self, name: str) -> str:
        return self.urls.platforms[name]

    @property
    def careful(self) -> Partner:
        return self.dps["careful"]


@pytest.fixture(scope="module")
def market(partners: Partners, runtime: Runtime, server_url: str) -> Iterator[Market]:
    """A careful platform carrying a careful provider, and one platform of each mutant (each its
    own DP: two platforms with one key would sign an identical call alike in the same second)."""
    dps = {name: partners.dp() for name in ("careful", "careful-too", *MUTANTS)}
    lp, office = partners.lp(redirect_uris=()), partners.add(role=Role.PMO)

    def config(name: str, dp: Partner, **options: Any) -> SimConfig:
        return SimConfig(
            instance=name,
            sandbox_url=server_url,
            client_code=dp.creds.client_code,
            sign_key=dp.creds.sign_key,
            mutant=None if name.startswith("careful") else name,
            options=options,
        )

    platforms = [config(name, dps[name], carries=("lpk",)) for name in ("careful", "careful-too")]
    platforms += [config(name, dps[name]) for name in MUTANTS]
    providers = [
        SimConfig(
            instance="lpk",
            sandbox_url=server_url,
            client_code=lp.creds.client_code,
            sign_key=lp.creds.sign_key,
            options={"seed": 7, "courses": 2},
        )
    ]
    with running_partners(platforms, providers) as urls:
        with transaction(runtime.sessions) as session:
            add_redirect_uri(session, lp.creds.client_code, f"{urls.providers['lpk']}/callback")
        yield Market(urls, dps, lp, office)


def _card(runtime: Runtime) -> str:
    """A buyer no fixture knows, with Rp3,500,000 on an active card."""
    with transaction(runtime.sessions) as session:
        return str(new_card(session).card_number)


def _start(url: str, card: str, order: dict[str, str] = MANDIRI, **kw: Any) -> dict[str, Any]:
    return dict(data(post(url, "/checkouts", {"prakerja_id": card, **order}, **kw), 201))


def _buy(url: str, server_url: str, card: str, order: dict[str, str] = MANDIRI) -> dict[str, Any]:
    checkout = _start(url, card, order)
    assert checkout["status"] == "awaiting_otp", checkout
    otp = latest_otp(server_url, card)
    paid = data(post(url, f"/checkouts/{checkout['checkout_id']}/otp", {"otp": otp}))
    assert paid["status"] == "paid", paid
    return dict(paid)


def _path(endpoint: Any) -> str:
    return str(endpoint.path)


# --- the whole way: catalogue, purchase, training, certificate ---------------------------------


def test_a_fixture_beneficiary_buys_a_providers_course_and_finishes_it_with_a_certificate(
    market: Market, runtime: Runtime, server_url: str
) -> None:
    shop = market.platform("careful")
    submitted = data(post(shop, "/seller/submissions"))["submissions"]
    assert [s["status"] for s in submitted] == ["PENDING", "PENDING"]
    for submission in submitted:
        assert assess(market.office, submission["course_code"]).status_code == 200
    again = data(post(shop, "/seller/submissions"))["submissions"]  # harmless: nothing new
    assert [s["status"] for s in again] == ["APPROVED", "APPROVED"]

    storefront = data(get(shop, "/courses"))["courses"]
    course = next(c for c in storefront if c["course_code"] == submitted[0]["course_code"])
    assert course["provider_url"] == market.urls.providers["lpk"]
    assert {c["course_code"] for c in storefront} >= {"SBX-MANDIRI", "SBX-WEBINAR"}

    card = beneficiary(market.careful, "normal-1")["prakerja_id"]
    before, _ = card_money(runtime, card)
    order = {
        "course_code": course["course_code"],
        "schedule_code": course["schedules"][0]["schedule_code"],
    }
    paid = _buy(shop, server_url, card, order)
    invoice = paid["invoice"]
    assert invoice["amount"] == course["price"] and invoice["status"] == "SUCCESS"
    assert card_money(runtime, card) == (before - course["price"], before - course["price"])
    assert data(get(shop, f"/invoices/{invoice['invoice_code']}")) == invoice

    provider = invoice["provider_url"]
    code = invoice["redeem_code"]
    enrolment = data(post(provider, "/enrolments", {"redeem_code": code, "email": "n1@b.id"}))
    while enrolment["next"]["action"] != "done":
        step = enrolment["next"]
        if step["action"] == "verify":
            enrolment = data(visit(step["verification_url"]))
        else:
            path = {"attend": "attend", "assignment": "assignments", "post_test": "post-test"}
            enrolment = data(post(provider, f"/enrolments/{code}/{path[step['action']]}"))
        assert enrolment["failure"] is None, enrolment
    assert enrolment["reported"] is True
    if enrolment["post_test"] > 60:
        certificate = data(get(provider, f"/certificates/{enrolment['certificate']['number']}"))
        assert certificate["verified"] is True and certificate["redeem_code"] == code
    else:
        assert enrolment["certificate"] is None
    page = httpx.get(
        f"{server_url}/api/v1/catalogue/course", params={"course_code": course["course_code"]}
    )
    assert data(page)["data"]["results"]["reported"] == 1


def test_two_platforms_carrying_one_provider_each_sell_its_courses_under_their_own_codes(
    market: Market, runtime: Runtime, server_url: str
) -> None:
    shop = market.platform("careful-too")
    submitted = data(post(shop, "/seller/submissions"))["submissions"]
    assert [s["failure"] for s in submitted] == [None, None]
    assert all(
        s["course_code"].endswith(f".{market.dps['careful-too'].creds.client_code}")
        for s in submitted
    )
    assert assess(market.office, submitted[1]["course_code"]).status_code == 200

    def on_sale() -> dict[str, Any] | None:  # the storefront reads the catalogue every 5 s
        listed = data(get(shop, "/courses"))["courses"]
        return next((c for c in listed if c["course_code"] == submitted[1]["course_code"]), None)

    course = wait_for(on_sale, within=15, what="the approved course on sale")
    order = {
        "course_code": course["course_code"],
        "schedule_code": course["schedules"][0]["schedule_code"],
    }
    invoice = _buy(shop, server_url, _card(runtime), order)["invoice"]
    assert invoice["provider_url"] == market.urls.providers["lpk"]
    body = {"redeem_code": invoice["redeem_code"], "email": "too@b.id"}
    enrolled = data(post(invoice["provider_url"], "/enrolments", body))
    assert enrolled["course_code"] == course["course_code"] and enrolled["sessions"] >= 2


# --- refusals, as the buyer is told them ------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "order", "reason", "code"),
    [
        ("low-balance", MANDIRI, "insufficient_balance", "ERRPLT40009"),
        ("revoked", MANDIRI, "card_inactive", "ERRPLT40008"),
        (
            "young",
            {"course_code": "SBX-LANJUTAN", "schedule_code": "SBX-LANJUTAN-OPEN"},
            "not_eligible",
            "ERRPLT40005",
        ),
        (
            "normal-2",
            {"course_code": "SBX-MANDIRI", "schedule_code": "SBX-MANDIRI-STARTED"},
            "training_started",
            "ERRPLT40003",
        ),
        (
            "normal-2",
            {"course_code": "SBX-MANDIRI", "schedule_code": "SBX-WEBINAR-OPEN"},
            "schedule_unknown",
            "ERRPLT40002",
        ),
    ],
)
def test_a_refused_order_fails_the_checkout_with_the_buyers_reason(
    market: Market, slot: str, order: dict[str, str], reason: str, code: str
) -> None:
    checkout = _start(
        market.platform("careful"), beneficiary(market.careful, slot)["prakerja_id"], order
    )
    assert checkout["status"] == "failed"
    assert (checkout["failure"]["reason"], checkout["failure"]["prakerja_code"]) == (reason, code)


def test_a_full_schedule_is_sold_out_without_a_send_otp(market: Market, runtime: Runtime) -> None:
    shop = market.platform("careful")
    since = last_seq(shop)
    full = {"course_code": "SBX-MANDIRI", "schedule_code": "SBX-MANDIRI-FULL"}
    checkout = _start(shop, _card(runtime), full)
    assert checkout["failure"]["reason"] == "sold_out"
    assert calls(shop, since) == [(_path(QUOTA_SCHEDULE), 200)]


def test_a_course_the_platform_does_not_sell_fails_without_calling_prakerja(
    market: Market, runtime: Runtime
) -> None:
    shop = market.platform("careful")
    since = last_seq(shop)
    checkout = _start(shop, _card(runtime), {"course_code": "NOPE", "schedule_code": "NOPE-1"})
    assert checkout["failure"]["reason"] == "not_on_sale"
    assert [path for path, _ in calls(shop, since) if "catalogue" not in path] == []


def test_wrong_otps_count_down_then_lock_the_checkout(
    market: Market, runtime: Runtime, server_url: str
) -> None:
    shop = market.platform("careful")
    checkout = _start(shop, _card(runtime))
    otp_url = f"/checkouts/{checkout['checkout_id']}/otp"
    left = [data(post(shop, otp_url, {"otp": "000000"}))["attempts_left"] for _ in range(2)]
    locked = data(post(shop, otp_url, {"otp": "000000"}))
    assert left == [2, 1] and locked["status"] == "failed"
    assert locked["failure"]["reason"] == "otp_locked"
    since = last_seq(shop)
    assert post(shop, otp_url, {"otp": "123456"}).status_code == 409
    assert calls(shop, since) == []


def test_the_invoice_page_confirms_each_look_with_a_fresh_signature(
    market: Market, runtime: Runtime, server_url: str
) -> None:
    shop = market.platform("careful")
    invoice = _buy(shop, server_url, _card(runtime))["invoice"]
    since = last_seq(shop)
    looks = [get(shop, f"/invoices/{invoice['invoice_code']}") for _ in range(3)]
    assert [data(look)["status"] for look in looks] == ["SUCCESS"] * 3
    assert calls(shop, since) == [(_path(PAYMENT_STATUS), 200)] * 3  # restamped, never replayed


def test_a_void_cancels_the_purchase_and_refunds_the_card(
    market: Market, runtime: Runtime, server_url: str
) -> None:
    shop = market.platform("careful")
    card = _card(runtime)
    invoice = _buy(shop, server_url, card)["invoice"]
    voided = data(post(shop, f"/invoices/{invoice['invoice_code']}/void"))
    assert voided["status"] == "VOIDED" and voided["voided_at"]
    assert card_money(runtime, card) == (3_500_000, 3_500_000)
    assert data(get(shop, f"/invoices/{invoice['invoice_code']}"))["status"] == "VOIDED"


def test_a_void_after_the_training_started_is_refused(
    market: Market, runtime: Runtime, server_url: str
) -> None:
    shop = market.platform("careful")
    approved = data(get(shop, "/courses"))["courses"]
    course = next(c for c in approved if c["provider_url"])
    order = {
        "course_code": course["course_code"],
        "schedule_code": course["schedules"][0]["schedule_code"],
    }
    invoice = _buy(shop, server_url, _card(runtime), order)["invoice"]
    provider, code = invoice["provider_url"], invoice["redeem_code"]
    enrolled = data(post(provider, "/enrolments", {"redeem_code": code, "email": f"{code}@b.id"}))
    visit(enrolled["next"]["verification_url"])
    refused = post(shop, f"/invoices/{invoice['invoice_code']}/void")
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["prakerja_code"]) == (
        "void_not_allowed",
        "ERRPLT40020",
    )


# --- X-Simulate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("directive", "code"), [("bad-signature", "ERRAUT40103"), ("stale-timestamp", "ERRAUT40104")]
)
def test_a_signing_directive_spoils_the_next_call_only(
    market: Market, runtime: Runtime, directive: str, code: str
) -> None:
    shop, card = market.platform("careful"), _card(runtime)
    spoiled = _start(shop, card, simulate_=directive)
    assert (spoiled["failure"]["reason"], spoiled["failure"]["prakerja_code"]) == (
        "partner_error",
        code,
    )
    assert _start(shop, card)["status"] == "awaiting_otp"


def test_transport_directives_answer_without_calling_prakerja(market: Market) -> None:
    shop = market.platform("careful")
    since = last_seq(shop)
    body = {"prakerja_id": "9000000000000000", **MANDIRI}
    assert post(shop, "/checkouts", body, simulate_="500").status_code == 500
    assert post(shop, "/checkouts", body, simulate_="late-callback").status_code == 400
    assert calls(shop, since) == []


def test_double_submit_pays_once(market: Market, runtime: Runtime, server_url: str) -> None:
    shop, card = market.platform("careful"), _card(runtime)
    checkout = _start(shop, card)
    since = last_seq(shop)
    otp = {"otp": latest_otp(server_url, card)}
    paid = data(
        post(shop, f"/checkouts/{checkout['checkout_id']}/otp", otp, simulate_="double-submit")
    )
    assert paid["status"] == "paid"
    made = [status for path, status in calls(shop, since) if path == _path(AUTHORIZE)]
    assert sorted(made) == [200, 400]
    assert card_money(runtime, card) == (3_000_000, 3_000_000)


# --- mutants: each wrong in the one way its name says ------------------------------------------


@pytest.mark.parametrize(
    ("mutant", "code"),
    [
        ("unsigned", "ERRAUT40101"),
        ("wrong-signature", "ERRAUT40103"),
        ("stale-clock", "ERRAUT40104"),
        ("amount-as-text", "ERRGEN40001"),
        ("wrong-amount", "ERRPLT40010"),
    ],
)
def test_a_mutant_whose_calls_are_wrong_is_refused_by_the_server(
    market: Market, runtime: Runtime, mutant: str, code: str
) -> None:
    checkout = _start(market.platform(mutant), _card(runtime))
    assert checkout["status"] == "failed" and checkout["failure"]["prakerja_code"] == code


def test_replays_signature_sends_a_second_quota_check_with_the_first_ones_signature(
    market: Market, runtime: Runtime
) -> None:
    shop = market.platform("replays-signature")
    assert _start(shop, _card(runtime))["status"] == "awaiting_otp"
    second = _start(shop, _card(runtime))
    assert second["failure"]["prakerja_code"] == "ERRAUT40105"


def test_skips_quota_check_goes_straight_to_send_otp(market: Market, runtime: Runtime) -> None:
    shop = market.platform("skips-quota-check")
    since = last_seq(shop)
    full = {"course_code": "SBX-MANDIRI", "schedule_code": "SBX-MANDIRI-FULL"}
    assert _start(shop, _card(runtime), full)["failure"]["prakerja_code"] == "ERRPLT40004"
    assert [p for p, _ in calls(shop, since) if "catalogue" not in p] == [_path(SEND_OTP)]


def test_reuses_payment_token_authorizes_with_the_previous_checkouts_token(
    market: Market, runtime: Runtime, server_url: str
) -> None:
    shop = market.platform("reuses-payment-token")
    _buy(shop, server_url, _card(runtime))
    card = _card(runtime)
    checkout = _start(shop, card)
    otp = {"otp": latest_otp(server_url, card)}
    refused = data(post(shop, f"/checkouts/{checkout['checkout_id']}/otp", otp))
    assert refused["failure"]["prakerja_code"] == "ERRPLT40016"
    assert card_money(runtime, card) == (3_500_000, 3_500_000)


def test_reuses_invoice_code_is_refused_for_the_second_purchase(
    market: Market, runtime: Runtime, server_url: str
) -> None:
    shop = market.platform("reuses-invoice-code")
    first = _buy(shop, server_url, _card(runtime))["invoice"]["invoice_code"]
    card = _card(runtime)
    checkout = _start(shop, card)
    since = last_seq(shop)
    post(shop, f"/checkouts/{checkout['checkout_id']}/otp", {"otp": latest_otp(server_url, card)})
    assert checkout["checkout_id"] and first.endswith("-0001")
    assert calls(shop, since)[0] == (_path(AUTHORIZE), 400)  # ERRPLT40017: the code is taken
    assert card_money(runtime, card) == (3_500_000, 3_500_000)


@pytest.mark.parametrize(("name", "sent"), [("careful", 1), ("blind-retry-refused-payment", 2)])
def test_a_refused_send_otp_is_not_sent_again_unless_blindly(
    market: Market, name: str, sent: int
) -> None:
    shop = market.platform(name)
    dp = market.dps[name]
    since = last_seq(shop)
    _start(shop, beneficiary(dp, "low-balance")["prakerja_id"])
    assert [c for c in calls(shop, since) if c[0] == _path(SEND_OTP)] == [
        (_path(SEND_OTP), 400)
    ] * sent


def test_ignores_send_otp_refusal_authorizes_without_a_token(market: Market) -> None:
    shop = market.platform("ignores-send-otp-refusal")
    checkout = _start(
        shop, beneficiary(market.dps["ignores-send-otp-refusal"], "low-balance")["prakerja_id"]
    )
    assert checkout["status"] == "awaiting_otp"  # the refusal was not looked at
    paid = data(post(shop, f"/checkouts/{checkout['checkout_id']}/otp", {"otp": "123456"}))
    assert paid["failure"]["prakerja_code"] == "ERRPLT40015"


def test_ignores_otp_lock_keeps_using_a_dead_token(market: Market, runtime: Runtime) -> None:
    shop = market.platform("ignores-otp-lock")
    checkout = _start(shop, _card(runtime))
    otp_url = f"/checkouts/{checkout['checkout_id']}/otp"
    for _ in range(3):
        post(shop, otp_url, {"otp": "000000"})
    since = last_seq(shop)
    again = data(post(shop, otp_url, {"otp": "111111"}))
    assert again["failure"]["prakerja_code"] == "ERRPLT40014"
    assert calls(shop, since) == [(_path(AUTHORIZE), 400)]


def test_voids_twice_sends_the_second_void_to_a_voided_purchase(
    market: Market, runtime: Runtime, server_url: str
) -> None:
    shop = market.platform("voids-twice")
    invoice = _buy(shop, server_url, _card(runtime))["invoice"]
    since = last_seq(shop)
    post(shop, f"/invoices/{invoice['invoice_code']}/void")
    assert calls(shop, since) == [(_path(VOID), 200), (_path(VOID), 400)]


@pytest.mark.parametrize(("name", "made"), [("careful", 1), ("retry-storm", 12)])
def test_a_refused_quota_check_is_asked_once_but_the_storm_asks_it_twelve_times(
    market: Market, runtime: Runtime, name: str, made: int
) -> None:
    shop = market.platform(name)
    since = last_seq(shop)
    unknown = {"course_code": "SBX-MANDIRI", "schedule_code": f"NOPE-{name}"}
    assert _start(shop, _card(runtime), unknown)["failure"]["reason"] == "schedule_unknown"
    quota = [c for c in calls(shop, since) if c[0] == _path(QUOTA_SCHEDULE)]
    assert quota == [(_path(QUOTA_SCHEDULE), 400)] * made
