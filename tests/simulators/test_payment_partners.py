"""The six payment-partner simulators over real HTTP: what a careful bank or e-wallet does.

Prakerja's calls are signed with each partner's webhook key; callbacks go to a receiver in
Prakerja's place that verifies them with the partner's sign key (``payment_support``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract.partner_app import KYC_UPGRADE_PATH, OPEN_ACCOUNT_PATH
from contract.payouts import (
    ACCOUNT_INQUIRY_PATH,
    DISBURSE_PATH,
    STATEMENT_PATH,
    STATUS_PATH,
    DisbursementData,
    StatementData,
)
from simulators.payment import launch
from simulators.payment.accounts import FIXTURE_NIK, AccountBook, Holding, holdings
from simulators.payment.app import WEBHOOK_PATH
from simulators.payment.launch import Credentials, running_payment_partners
from simulators.payment.ledger import JAKARTA
from simulators.payment.partners import PARTNERS, ZERO_LATENCY, adjust
from simulators.population.generator import generate
from simulators.population.reader import Person, read_population
from tests.simulators.payment_support import Prakerja, Receiver, credentials, receiving, wait_for

SEED = 11
_ids = itertools.count(1)


def new_id() -> str:
    """A fresh disbursement id."""
    return f"DSB-T{next(_ids):06d}-{int(time.time() * 1000) % 100000}"


@dataclass
class World:
    people: list[Person]
    holdings: list[Holding]
    receiver: Receiver
    receiver_url: str
    keys: dict[str, Credentials]
    urls: dict[str, str]
    calls: dict[str, Prakerja]

    def holder(self, partner: str, **match: Any) -> tuple[Person, Holding]:
        """The first person whose chosen account is at ``partner`` with these attributes."""
        for person, held in zip(self.people, self.holdings, strict=True):
            account = held.chosen
            if (
                account is not None
                and account.partner == partner
                and all(getattr(account, k) == v for k, v in match.items())
            ):
                return person, held
        raise LookupError(f"no holder at {partner} with {match}")

    def without_account(self) -> Person:
        """Someone who holds no account (must open one)."""
        return next(p for p, h in zip(self.people, self.holdings, strict=True) if h.must_open)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """400 generated people; the six partners at zero latency (BNI settles 150 ms later)."""
    path: Path = tmp_path_factory.mktemp("population") / "people.csv"
    generate(path, 400, SEED, dt.date(2024, 1, 1), progress=False)
    people = list(read_population(path))
    held = [holdings(i, person, SEED) for i, person in enumerate(people)]
    book = AccountBook.from_people(people, SEED)
    specs = adjust(
        every={
            **ZERO_LATENCY,
            "callback_backoff_s": 0.05,
            "callback_backoff_max_s": 0.2,
            "hang_seconds": 5.0,
            "late_callback_s": 0.3,
        },
        only={"bni": {"settle_ms": 150.0}},
    )
    keys = credentials([spec.instance for spec in PARTNERS])
    with (
        receiving(keys) as (receiver, sandbox),
        running_payment_partners(book, sandbox, keys, specs=specs, seed=SEED) as urls,
    ):
        calls = {name: Prakerja(url, keys[name]) for name, url in urls.items()}
        yield World(people, held, receiver, sandbox, keys, urls, calls)
        for client in calls.values():
            client.close()


def disburse(
    world: World, partner: str, number: str, amount: int = 600_000, **kwargs: Any
) -> tuple[str, httpx.Response]:
    """A disburse of ``amount`` to ``number`` at ``partner`` under a fresh id."""
    account_type = "BANK" if partner in ("bni", "bca") else "EWALLET"
    key = kwargs.pop("disbursement_id", None) or new_id()
    body = {
        "disbursement_id": key,
        "account_type": account_type,
        "account_number": number,
        "amount": amount,
        "description": "Insentif Kartu Prakerja 1/4",
    }
    return key, world.calls[partner].post(DISBURSE_PATH, body, **kwargs)


# --- account inquiry --------------------------------------------------------------------------


def test_inquiry_answers_kyc_level_holder_name_and_nik_match_never_the_nik(world: World) -> None:
    person, held = world.holder("ovo", kyc_level="VERIFIED", status="ACTIVE")
    asked = {"account_type": "EWALLET", "account_number": person.phone, "nik": person.nik}
    response = world.calls["ovo"].post(ACCOUNT_INQUIRY_PATH, asked)
    assert response.status_code == 200
    assert response.json()["data"] == {
        "account_type": "EWALLET",
        "account_number": person.phone,
        "holder_name": person.name,  # as the civil registry has it
        "kyc_level": "VERIFIED",
        "nik_match": True,
        "account_status": "ACTIVE",
    }
    assert person.nik not in response.text
    other = world.calls["ovo"].data(ACCOUNT_INQUIRY_PATH, {**asked, "nik": FIXTURE_NIK})
    assert other["nik_match"] is False


def test_a_bank_account_is_verified_and_found_by_its_number(world: World) -> None:
    person, held = world.holder("bca", status="ACTIVE")
    number = held.accounts[0].number
    assert len(number) == 10 and number.startswith("52")
    data = world.calls["bca"].data(
        ACCOUNT_INQUIRY_PATH, {"account_type": "BANK", "account_number": number, "nik": person.nik}
    )
    assert (data["kyc_level"], data["nik_match"], data["holder_name"]) == (
        "VERIFIED",
        True,
        person.name,
    )


def test_an_unverified_wallet_matches_no_nik(world: World) -> None:
    person, _ = world.holder("gopay", kyc_level="UNVERIFIED")
    data = world.calls["gopay"].data(
        ACCOUNT_INQUIRY_PATH,
        {"account_type": "EWALLET", "account_number": person.phone, "nik": person.nik},
    )
    assert (data["kyc_level"], data["nik_match"]) == ("UNVERIFIED", False)


def test_inquiry_refuses_unknown_accounts_and_the_other_account_type(world: World) -> None:
    unknown = world.calls["dana"].post(
        ACCOUNT_INQUIRY_PATH,
        {"account_type": "EWALLET", "account_number": "0899999999999", "nik": FIXTURE_NIK},
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ERRPPR40401")
    bank_at_wallet = world.calls["dana"].post(
        ACCOUNT_INQUIRY_PATH,
        {"account_type": "BANK", "account_number": "5200000001", "nik": FIXTURE_NIK},
    )
    assert (bank_at_wallet.status_code, bank_at_wallet.json()["code"]) == (422, "ERRPPR42203")


# --- signatures and bodies ----------------------------------------------------------------------


def test_calls_not_signed_by_prakerja_are_refused_before_the_body_is_read(world: World) -> None:
    call = world.calls["ovo"]
    path = ACCOUNT_INQUIRY_PATH
    bare = call.http.post(path, content=b"not json", headers={"Content-Type": "application/json"})
    assert (bare.status_code, bare.json()["code"]) == (401, "ERRAUT40101")
    wrong_key = call.post(path, {"x": 1}, key="a-wrong-key")
    assert (wrong_key.status_code, wrong_key.json()["code"]) == (401, "ERRAUT40103")
    other = Prakerja(world.urls["ovo"], world.keys["gopay"])  # another partner's code and key
    try:
        refused = other.post(path, {"x": 1})
        assert (refused.status_code, refused.json()["code"]) == (401, "ERRAUT40102")
    finally:
        other.close()


def test_stale_timestamps_and_replays_are_refused(world: World) -> None:
    from contract.client import compact, signed_headers

    call, path = world.calls["gopay"], STATUS_PATH
    text = compact({"disbursement_id": "DSB-NEVER"})
    stale = signed_headers(
        call.keys.client_code, call.keys.webhook_key, path, text, timestamp=int(time.time()) - 301
    )
    answer = call.http.post(path, content=text, headers=stale)
    assert (answer.status_code, answer.json()["code"]) == (401, "ERRAUT40104")
    fresh = signed_headers(call.keys.client_code, call.keys.webhook_key, path, text)
    assert call.http.post(path, content=text, headers=fresh).json()["code"] == "ERRPPR40402"
    replay = call.http.post(path, content=text, headers=fresh)
    assert (replay.status_code, replay.json()["code"]) == (401, "ERRAUT40105")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"account_type": "EWALLET", "account_number": "0812345678", "nik": "123"}, "nik"),
        (
            {"account_type": "CASH", "account_number": "0812345678", "nik": FIXTURE_NIK},
            "account_type",
        ),
        ({"account_number": "0812345678", "nik": FIXTURE_NIK}, "account_type"),
    ],
)
def test_malformed_bodies_get_errppr40001_naming_the_field(
    world: World, body: dict[str, Any], field: str
) -> None:
    response = world.calls["ovo"].post(ACCOUNT_INQUIRY_PATH, body)
    assert (response.status_code, response.json()["code"]) == (400, "ERRPPR40001")
    assert field in response.json()["message"] and FIXTURE_NIK not in response.text


def test_amounts_are_integer_rupiah_and_bodies_are_bounded(world: World) -> None:
    fixture = world.calls["ovo"].get("/_sim/fixtures")["accounts"][0]["account_number"]
    _, floating = disburse(world, "ovo", fixture, amount=600000.5)  # type: ignore[arg-type]
    assert (floating.status_code, floating.json()["code"]) == (400, "ERRPPR40001")
    huge = world.calls["ovo"].post(STATUS_PATH, {"disbursement_id": "x" * 70_000})
    assert (huge.status_code, huge.json()["code"]) == (400, "ERRPPR40001")


# --- disbursement: exactly once ---------------------------------------------------------------


def test_a_repeated_disburse_answers_the_first_result_and_pays_once(world: World) -> None:
    person, held = world.holder("ovo", kyc_level="VERIFIED", status="ACTIVE")
    call = world.calls["ovo"]
    before = call.get(f"/_sim/accounts/{person.phone}")["balance"]
    key, first = disburse(world, "ovo", person.phone)
    assert first.status_code == 200
    data = DisbursementData.model_validate(first.json()["data"])
    assert (data.status, data.amount, data.failure_code) == ("SUCCESS", 600_000, None)
    _, again = disburse(world, "ovo", person.phone, disbursement_id=key)
    assert again.json()["data"] == first.json()["data"]
    assert call.paid(key) == (1, 600_000)
    assert call.get(f"/_sim/accounts/{person.phone}")["balance"] == before + 600_000
    status = call.data(STATUS_PATH, {"disbursement_id": key})
    assert status == first.json()["data"]


def test_the_same_id_with_another_amount_or_account_is_refused_and_changes_nothing(
    world: World,
) -> None:
    person, _ = world.holder("gopay", kyc_level="VERIFIED", status="ACTIVE")
    key, first = disburse(world, "gopay", person.phone)
    _, other_amount = disburse(world, "gopay", person.phone, amount=50_000, disbursement_id=key)
    assert (other_amount.status_code, other_amount.json()["code"]) == (409, "ERRPPR40901")
    fixture = world.calls["gopay"].get("/_sim/fixtures")["accounts"][0]["account_number"]
    _, other_account = disburse(world, "gopay", fixture, disbursement_id=key)
    assert other_account.status_code == 409
    assert world.calls["gopay"].paid(key) == (1, 600_000)
    assert world.calls["gopay"].data(STATUS_PATH, {"disbursement_id": key}) == first.json()["data"]


def test_status_of_an_id_never_recorded_is_errppr40402(world: World) -> None:
    response = world.calls["bca"].post(STATUS_PATH, {"disbursement_id": new_id()})
    assert (response.status_code, response.json()["code"]) == (404, "ERRPPR40402")


@pytest.mark.parametrize(
    ("purpose", "code"),
    [("blocked", "ERRPPR42201"), ("full", "ERRPPR42202"), (None, "ERRPPR40401")],
)
def test_an_account_that_cannot_take_it_makes_a_failed_disbursement_and_its_callback(
    world: World, purpose: str | None, code: str
) -> None:
    fixtures = world.calls["dana"].get("/_sim/fixtures")
    number = next(
        (a["account_number"] for a in fixtures["accounts"] if a["purpose"] == purpose),
        fixtures["unknown_account_number"],
    )
    key, response = disburse(world, "dana", number)
    data = response.json()["data"]
    assert (response.status_code, data["status"], data["failure_code"]) == (200, "FAILED", code)
    assert world.calls["dana"].paid(key) == (0, 0)
    delivered = wait_for(lambda: world.receiver.of(key, accepted=True), what="the callback")
    assert delivered[0].body["status"] == "FAILED" and delivered[0].body["failure_code"] == code


def test_a_pending_partner_answers_pending_then_settles_and_calls_back(world: World) -> None:
    person, held = world.holder("bni", status="ACTIVE")
    number = held.accounts[0].number
    key, response = disburse(world, "bni", number)
    answer = response.json()["data"]
    assert (answer["status"], answer["final_at"]) == ("PENDING", None)
    assert world.calls["bni"].paid(key) == (0, 0)
    delivered = wait_for(lambda: world.receiver.of(key, accepted=True), what="the callback")
    callback = delivered[0]
    assert callback.verified and callback.client_code == world.keys["bni"].client_code
    assert callback.body["status"] == "SUCCESS" and callback.body["amount"] == 600_000
    assert callback.body["partner_reference"] == answer["partner_reference"]
    assert world.calls["bni"].paid(key) == (1, 600_000)
    status = world.calls["bni"].data(STATUS_PATH, {"disbursement_id": key})
    assert status["status"] == "SUCCESS" and status["final_at"] == callback.body["final_at"]


# --- callbacks ------------------------------------------------------------------------------


def test_callbacks_are_retried_until_prakerja_acknowledges_them(world: World) -> None:
    person, _ = world.holder("dana", kyc_level="VERIFIED", status="ACTIVE")
    world.receiver.fail_next = 2  # Prakerja is down for two deliveries
    key, _ = disburse(world, "dana", person.phone)
    wait_for(lambda: world.receiver.of(key, accepted=True), what="the acknowledged callback")
    tries = world.receiver.of(key)
    assert [d.answered for d in tries] == [503, 503, 200]
    assert len({d.headers["signature"] for d in tries}) == 3  # each try signed afresh
    assert world.calls["dana"].paid(key) == (1, 600_000)


def test_a_callback_refused_with_a_4xx_is_not_retried(world: World) -> None:
    person, _ = world.holder("gopay", kyc_level="VERIFIED", status="ACTIVE")
    world.receiver.fail_next, world.receiver.fail_status = 1, 404
    try:
        key, _ = disburse(world, "gopay", person.phone)
        wait_for(lambda: world.receiver.of(key), what="the callback")
        assert _settled(world, "gopay") and [d.answered for d in world.receiver.of(key)] == [404]
    finally:
        world.receiver.fail_status = 503


def _settled(world: World, partner: str) -> bool:
    """True once the partner has no callback left in flight (its background work drained)."""
    info = wait_for(
        lambda: (i := world.calls[partner].get("/_sim/info"))["pending_background"] == 0 and i,
        what="the partner's background work to finish",
    )
    return bool(info)


# --- X-Simulate -----------------------------------------------------------------------------


def test_timeout_after_debit_pays_then_hangs_and_a_retry_pays_nothing_more(world: World) -> None:
    person, _ = world.holder("ovo", kyc_level="VERIFIED", status="ACTIVE")
    key = new_id()
    with pytest.raises(httpx.ReadTimeout):
        disburse(
            world,
            "ovo",
            person.phone,
            disbursement_id=key,
            simulate="timeout-after-debit",
            timeout=0.5,
        )
    assert world.calls["ovo"].paid(key) == (1, 600_000)  # the money moved
    status = world.calls["ovo"].data(STATUS_PATH, {"disbursement_id": key})
    assert status["status"] == "SUCCESS"
    _, retry = disburse(world, "ovo", person.phone, disbursement_id=key)
    assert retry.json()["data"]["partner_reference"] == status["partner_reference"]
    assert world.calls["ovo"].paid(key) == (1, 600_000)


def test_duplicate_callback_sends_the_same_callback_twice_both_accepted(world: World) -> None:
    person, _ = world.holder("linkaja", kyc_level="VERIFIED", status="ACTIVE")
    key, _ = disburse(world, "linkaja", person.phone, simulate="duplicate-callback")
    both = wait_for(
        lambda: len(d := world.receiver.of(key, accepted=True)) == 2 and d, what="two callbacks"
    )
    assert both[0].body == both[1].body
    assert both[0].headers["signature"] != both[1].headers["signature"]  # not a replay


def test_late_callback_arrives_after_the_delay(world: World) -> None:
    person, _ = world.holder("gopay", kyc_level="VERIFIED", status="ACTIVE")
    started = time.monotonic()
    key, _ = disburse(world, "gopay", person.phone, simulate="late-callback:400ms")
    delivered = wait_for(lambda: world.receiver.of(key, accepted=True), what="the late callback")
    assert delivered[0].at - started >= 0.4


def test_callback_before_response_delivers_it_before_answering(world: World) -> None:
    person, held = world.holder("bni", status="ACTIVE")  # a PENDING partner settles at once
    key, response = disburse(
        world, "bni", held.accounts[0].number, simulate="callback-before-response"
    )
    assert world.receiver.of(key, accepted=True), "no callback had arrived when the answer came"
    assert response.json()["data"]["status"] == "SUCCESS"


def test_bad_signature_signs_the_callback_with_a_wrong_key(world: World) -> None:
    person, _ = world.holder("ovo", kyc_level="VERIFIED", status="ACTIVE")
    key, _ = disburse(world, "ovo", person.phone, simulate="bad-signature")
    refused = wait_for(lambda: world.receiver.of(key), what="the callback")
    assert (refused[0].verified, refused[0].reason) == (False, "bad_signature")


def test_a_5xx_records_nothing(world: World) -> None:
    person, _ = world.holder("ovo", kyc_level="VERIFIED", status="ACTIVE")
    key, response = disburse(world, "ovo", person.phone, simulate="503")
    assert (response.status_code, response.json()["code"]) == (503, "ERRPPR50301")
    assert world.calls["ovo"].post(STATUS_PATH, {"disbursement_id": key}).status_code == 404
    assert world.calls["ovo"].paid(key) == (0, 0)


def test_unknown_directives_are_refused(world: World) -> None:
    _, response = disburse(world, "ovo", "0812345678", simulate="pay-double")
    assert (response.status_code, response.json()["code"]) == (400, "ERRPPR40001")
    assert "unknown directive" in response.json()["message"]


def test_queued_directives_reach_calls_the_test_does_not_make(world: World) -> None:
    person, _ = world.holder("gopay", kyc_level="VERIFIED", status="ACTIVE")
    call = world.calls["gopay"]
    key = new_id()
    queued = call.http.post(
        "/_sim/simulate",
        json={"directives": "503", "operation": "disburse", "disbursement_id": key},
    )
    assert queued.status_code == 200
    _, unrelated = disburse(world, "gopay", person.phone)
    assert unrelated.status_code == 200  # another id: not affected
    _, first = disburse(world, "gopay", person.phone, disbursement_id=key)
    assert first.status_code == 503 and call.paid(key) == (0, 0)
    _, second = disburse(world, "gopay", person.phone, disbursement_id=key)
    assert second.status_code == 200 and call.paid(key) == (1, 600_000)
    assert call.get("/_sim/simulate") == {"queued": []}
    bad = call.http.post("/_sim/simulate", json={"directives": "nonsense"})
    assert bad.status_code == 400


def test_a_queued_timeout_after_debit_hangs_the_workers_call_after_paying(world: World) -> None:
    person, _ = world.holder("ovo", kyc_level="VERIFIED", status="ACTIVE")
    call = world.calls["ovo"]
    rule = {"directives": "slow:100ms,timeout-after-debit", "operation": "disburse"}
    assert call.http.post("/_sim/simulate", json=rule).status_code == 200
    key = new_id()
    with pytest.raises(httpx.ReadTimeout):
        disburse(world, "ovo", person.phone, disbursement_id=key, timeout=0.5)
    assert call.paid(key) == (1, 600_000)
    _, retry = disburse(world, "ovo", person.phone, disbursement_id=key)
    assert retry.status_code == 200 and call.paid(key) == (1, 600_000)


# --- the statement ----------------------------------------------------------------------------


def test_the_statement_lists_every_final_disbursement_of_the_day_once(world: World) -> None:
    call = world.calls["bca"]
    person, held = world.holder("bca", status="ACTIVE")
    number = held.accounts[0].number
    keys = [disburse(world, "bca", number, amount=50_000)[0] for _ in range(5)]
    fixtures = call.get("/_sim/fixtures")
    blocked = next(a for a in fixtures["accounts"] if a["purpose"] == "blocked")["account_number"]
    failed, _ = disburse(world, "bca", blocked)
    today = dt.datetime.now(JAKARTA).date().isoformat()
    pages, cursor = [], None
    for _ in range(100):  # a bound: a statement that never ends fails, not hangs
        page = StatementData.model_validate(
            call.data(STATEMENT_PATH, {"date": today, "cursor": cursor, "limit": 2})
        )
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert cursor is None, "the statement did not end in 100 pages"
    entries = [e for page in pages for e in page.entries]
    ids = [e.disbursement_id for e in entries]
    assert len(ids) == len(set(ids)) == pages[0].total_count
    assert set(keys) | {failed} <= set(ids)
    assert {e.status for e in entries if e.disbursement_id == failed} == {"FAILED"}
    paid = call.get("/_sim/paid")
    assert pages[0].success_amount == paid["total"]
    assert launch.paid({"bca": world.urls["bca"]})["bca"] == {
        key: (item["count"], item["total"]) for key, item in paid["disbursements"].items()
    }
    assert {e.disbursement_id for e in entries if e.status == "SUCCESS"} == set(
        paid["disbursements"]
    )


def test_the_statement_refuses_future_days_and_foreign_cursors(world: World) -> None:
    call = world.calls["bca"]
    tomorrow = (dt.datetime.now(JAKARTA).date() + dt.timedelta(days=1)).isoformat()
    future = call.post(STATEMENT_PATH, {"date": tomorrow})
    assert (future.status_code, future.json()["code"]) == (400, "ERRPPR40002")
    forged = call.post(STATEMENT_PATH, {"date": "2024-01-01", "cursor": "2024-01-02.1"})
    assert (forged.status_code, forged.json()["code"]) == (400, "ERRPPR40002")
    empty = call.data(STATEMENT_PATH, {"date": "2024-01-01"})
    assert (empty["entries"], empty["total_count"], empty["next_cursor"]) == ([], 0, None)


# --- the holder's app ---------------------------------------------------------------------------


def test_someone_without_an_account_opens_a_wallet_upgrades_it_and_can_then_be_linked(
    world: World,
) -> None:
    person = world.without_account()
    call = world.calls["ovo"]
    asked = {"account_type": "EWALLET", "account_number": person.phone, "nik": person.nik}
    assert call.post(ACCOUNT_INQUIRY_PATH, asked).status_code == 404
    opened = call.http.post(
        OPEN_ACCOUNT_PATH, json={"phone": person.phone, "name": person.declared_name}
    )
    assert opened.status_code == 200
    assert opened.json()["data"]["kyc_level"] == "UNVERIFIED"
    assert call.data(ACCOUNT_INQUIRY_PATH, asked)["nik_match"] is False
    wrong = call.http.post(
        KYC_UPGRADE_PATH, json={"phone": person.phone, "nik": person.nik, "name": "Orang Lain"}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "ERRAPP40002")
    upgraded = call.http.post(
        KYC_UPGRADE_PATH,
        json={"phone": person.phone, "nik": person.nik, "name": person.declared_name.lower()},
    )
    assert upgraded.json()["data"]["kyc_level"] == "VERIFIED"
    linked = call.data(ACCOUNT_INQUIRY_PATH, asked)
    assert (linked["kyc_level"], linked["nik_match"], linked["holder_name"]) == (
        "VERIFIED",
        True,
        person.name,
    )
    again = call.http.post(OPEN_ACCOUNT_PATH, json={"phone": person.phone, "name": "x"})
    assert again.json()["data"]["kyc_level"] == "VERIFIED"  # opening is idempotent


def test_a_bank_opens_verified_accounts_only_with_a_registry_nik(world: World) -> None:
    person = world.without_account()
    call = world.calls["bni"]
    no_nik = call.http.post(OPEN_ACCOUNT_PATH, json={"phone": person.phone, "name": person.name})
    assert no_nik.json()["code"] == "ERRAPP40003"
    opened = call.http.post(
        OPEN_ACCOUNT_PATH, json={"phone": person.phone, "name": person.name, "nik": person.nik}
    ).json()["data"]
    assert opened["kyc_level"] == "VERIFIED" and len(opened["account_number"]) == 10
    data = call.data(
        ACCOUNT_INQUIRY_PATH,
        {"account_type": "BANK", "account_number": opened["account_number"], "nik": person.nik},
    )
    assert data["nik_match"] is True
    upgrade = call.http.post(
        KYC_UPGRADE_PATH, json={"phone": person.phone, "nik": person.nik, "name": person.name}
    )
    assert upgrade.json()["code"] == "ERRAPP42201"


# --- webhooks from Prakerja -------------------------------------------------------------------


def test_prakerja_webhooks_are_verified_and_kept_once_per_event(world: World) -> None:
    call = world.calls["dana"]
    event = {
        "event_id": "evt-1",
        "event_type": "disbursement.settled",
        "occurred_at": "2024-01-01T00:00:00Z",
        "data": {
            "disbursement_id": "DSB-1",
            "partner_reference": "DANA-0000000001",
            "amount": 600_000,
            "status": "PAID",
            "failure_code": None,
        },
    }
    assert call.post(WEBHOOK_PATH, event).status_code == 200
    assert call.post(WEBHOOK_PATH, event).status_code == 200  # at least once: a redelivery
    unsigned = call.http.post(WEBHOOK_PATH, json=event)
    assert unsigned.status_code == 401
    broken = call.post(WEBHOOK_PATH, {**event, "event_id": "evt-2", "data": {}})
    assert (broken.status_code, broken.json()["code"]) == (400, "ERRPPR40001")
    seen = call.get("/_sim/webhooks")
    assert seen["deliveries"] == 2 and [e["event_id"] for e in seen["events"]] == ["evt-1"]


# --- behaviour rates (the profile's share of misbehaving disburse calls) -----------------------


def test_behaviour_rates_make_disburse_calls_misbehave_without_any_header(world: World) -> None:
    from simulators.framework.registry import SimConfig
    from simulators.framework.serving import running
    from simulators.payment import kinds
    from simulators.payment.partners import BY_INSTANCE, changed

    keys = credentials(["flaky"])["flaky"]
    world.receiver.keys[keys.client_code] = keys.sign_key
    spec = changed(
        BY_INSTANCE["gopay"],
        {
            **ZERO_LATENCY,
            "debit_timeout_rate": 1.0,
            "duplicate_callback_rate": 1.0,
            "hang_seconds": 5,
        },
    )
    config = SimConfig(
        instance="flaky",
        sandbox_url=world.receiver_url,
        client_code=keys.client_code,
        sign_key=keys.sign_key,
        webhook_key=keys.webhook_key,
        options={"spec": spec},
    )
    with running([("flaky", kinds.EWALLET.factory(config))]) as urls:
        call = Prakerja(urls["flaky"], keys)
        try:
            number = call.get("/_sim/fixtures")["accounts"][0]["account_number"]
            body = {
                "disbursement_id": new_id(),
                "account_type": "EWALLET",
                "account_number": number,
                "amount": 600_000,
                "description": "Insentif",
            }
            with pytest.raises(httpx.ReadTimeout):
                call.post(DISBURSE_PATH, body, timeout=0.5)
            assert call.paid(body["disbursement_id"]) == (1, 600_000)
            wait_for(
                lambda: len(world.receiver.of(body["disbursement_id"], accepted=True)) == 2,
                what="the duplicated callback",
            )
            answered = call.post(DISBURSE_PATH, body, simulate="ok")  # ok: no draw
            assert answered.status_code == 200 and call.paid(body["disbursement_id"])[0] == 1
        finally:
            call.close()


# --- test plumbing: accounts put in place, traffic counted ---------------------------------------


def test_a_test_can_put_any_account_in_place_and_replace_it(world: World) -> None:
    call = world.calls["linkaja"]
    wanted = {"account_number": "081299990001", "holder_name": "UJI COBA", "nik": FIXTURE_NIK}
    assert call.http.post("/_sim/accounts", json=wanted).json()["kyc_level"] == "VERIFIED"
    asked = {"account_type": "EWALLET", "account_number": "081299990001", "nik": FIXTURE_NIK}
    assert call.data(ACCOUNT_INQUIRY_PATH, asked)["nik_match"] is True
    blocked = {**wanted, "account_status": "BLOCKED"}
    assert call.http.post("/_sim/accounts", json=blocked).status_code == 200
    assert call.data(ACCOUNT_INQUIRY_PATH, asked)["account_status"] == "BLOCKED"
    bank = world.calls["bca"].http.post("/_sim/accounts", json={"holder_name": "UJI COBA"})
    assert bank.json()["account_number"].startswith("52")
    refused = call.http.post(
        "/_sim/accounts", json={"holder_name": "UJI"}
    )  # a wallet needs a phone
    assert refused.status_code == 400


def test_traffic_counts_prakerjas_calls_and_the_most_at_once(world: World) -> None:
    from concurrent.futures import ThreadPoolExecutor

    call = world.calls["gopay"]
    before = call.get("/_sim/traffic")["calls"].get(STATUS_PATH, 0)
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda n: call.post(
                    STATUS_PATH, {"disbursement_id": f"DSB-X{n}"}, simulate="slow:300ms"
                ),
                range(4),
            )
        )
    assert {a.status_code for a in answers} == {404}
    traffic = call.get("/_sim/traffic")
    assert traffic["calls"][STATUS_PATH] == before + 4
    assert traffic["most_in_flight"] >= 4 and traffic["in_flight"] == 0
