"""Every payment-partner mutant is wrong in exactly the one way its name says (shown over HTTP).

Each mutant runs as an e-wallet on the fixture accounts, calling back to a receiver in Prakerja's
place. The correct behaviour each one breaks is shown in ``test_payment_partners``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from contract.client import compact, signed_headers
from contract.payouts import ACCOUNT_INQUIRY_PATH, DISBURSE_PATH, STATEMENT_PATH, STATUS_PATH
from simulators.framework.registry import SimConfig
from simulators.framework.serving import running
from simulators.payment import kinds
from simulators.payment.accounts import FIXTURE_NIK, OTHER_FIXTURE_NIK
from simulators.payment.ledger import JAKARTA
from simulators.payment.partners import BY_INSTANCE, ZERO_LATENCY, changed
from tests.simulators.payment_support import Prakerja, Receiver, credentials, receiving, wait_for

SPEC = changed(
    BY_INSTANCE["ovo"], {**ZERO_LATENCY, "callback_backoff_s": 0.05, "callback_backoff_max_s": 0.1}
)
_ids = itertools.count(1)


@dataclass
class Mutants:
    receiver: Receiver
    calls: dict[str, Prakerja]

    def __getitem__(self, mutant: str) -> Prakerja:
        return self.calls[mutant]


@pytest.fixture(scope="module")
def mutants() -> Iterator[Mutants]:
    """One e-wallet per mutant, all on one loop."""
    names = [m.name for m in kinds.MUTANTS]
    keys = credentials(names)
    with receiving(keys) as (receiver, sandbox):
        apps = []
        for name in names:
            config = SimConfig(
                instance=name,
                mutant=name,
                sandbox_url=sandbox,
                client_code=keys[name].client_code,
                sign_key=keys[name].sign_key,
                webhook_key=keys[name].webhook_key,
                options={"spec": SPEC},
            )
            apps.append((name, kinds.EWALLET.factory(config)))
        with running(apps) as urls:
            calls = {name: Prakerja(url, keys[name]) for name, url in urls.items()}
            yield Mutants(receiver, calls)
            for call in calls.values():
                call.close()


def _verified(call: Prakerja) -> str:
    fixtures = call.get("/_sim/fixtures")
    return str(
        next(a for a in fixtures["accounts"] if a["purpose"] == "verified")["account_number"]
    )


def _disburse(
    call: Prakerja, number: str | None = None, **changes: Any
) -> tuple[str, dict[str, Any]]:
    key = f"DSB-M{next(_ids):05d}"
    body = {
        "disbursement_id": key,
        "account_type": "EWALLET",
        "account_number": number or _verified(call),
        "amount": 600_000,
        "description": "Insentif Kartu Prakerja 1/4",
        **changes,
    }
    return key, body


def _inquiry(nik: str = FIXTURE_NIK) -> dict[str, str]:
    return {"account_type": "EWALLET", "account_number": "0899000000001", "nik": nik}


def _today() -> str:
    return dt.datetime.now(JAKARTA).date().isoformat()


def _statement_ids(call: Prakerja, limit: int = 500) -> list[str]:
    ids, cursor = [], None
    for _ in range(100):  # a bound: a statement that never ends fails here, not by hanging
        page = call.data(STATEMENT_PATH, {"date": _today(), "cursor": cursor, "limit": limit})
        ids += [e["disbursement_id"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("the statement did not end in 100 pages")


def _drained(call: Prakerja) -> None:
    wait_for(lambda: call.get("/_sim/info")["pending_background"] == 0, what="background work")


# --- one check per mutant ---------------------------------------------------------------------


def pays_twice_on_retry(m: Mutants) -> None:
    call = m[kinds.PAYS_TWICE_ON_RETRY]
    key, body = _disburse(call)
    first = call.data(DISBURSE_PATH, body)
    assert call.data(DISBURSE_PATH, body) == first  # the answer looks right …
    assert call.paid(key) == (2, 1_200_000)  # … but the money moved twice
    assert _statement_ids(call).count(key) == 2


def ignores_signature(m: Mutants) -> None:
    call = m[kinds.IGNORES_SIGNATURE]
    assert call.post(ACCOUNT_INQUIRY_PATH, _inquiry(), key="not-prakerjas-key").status_code == 200
    bare = call.http.post(ACCOUNT_INQUIRY_PATH, json=_inquiry())
    assert bare.json()["code"] == "ERRAUT40101"  # headers are still required


def unsigned_callbacks(m: Mutants) -> None:
    call = m[kinds.UNSIGNED_CALLBACKS]
    key, body = _disburse(call)
    call.data(DISBURSE_PATH, body)
    delivered = wait_for(lambda: m.receiver.of(key), what="the callback")
    assert (delivered[0].verified, delivered[0].reason) == (False, "missing_headers")
    assert "signature" not in delivered[0].headers


def success_without_paying(m: Mutants) -> None:
    call = m[kinds.SUCCESS_WITHOUT_PAYING]
    key, body = _disburse(call)
    assert call.data(DISBURSE_PATH, body)["status"] == "SUCCESS"
    callback = wait_for(lambda: m.receiver.of(key, accepted=True), what="the callback")
    assert callback[0].body["status"] == "SUCCESS"
    assert call.paid(key) == (0, 0) and key not in _statement_ids(call)


def reorders_callbacks(m: Mutants) -> None:
    call = m[kinds.REORDERS_CALLBACKS]
    key, body = _disburse(call)
    call.data(DISBURSE_PATH, body)
    both = wait_for(lambda: len(d := m.receiver.of(key)) == 2 and d, what="two callbacks")
    assert [d.body["status"] for d in both] == ["SUCCESS", "PENDING"]  # a state after a final one
    assert all(d.verified for d in both)


def ignores_timestamp(m: Mutants) -> None:
    call = m[kinds.IGNORES_TIMESTAMP]
    text = compact(_inquiry())
    stamp = int(dt.datetime.now().timestamp()) - 3600
    headers = signed_headers(
        call.keys.client_code, call.keys.webhook_key, ACCOUNT_INQUIRY_PATH, text, timestamp=stamp
    )
    assert call.http.post(ACCOUNT_INQUIRY_PATH, content=text, headers=headers).status_code == 200


def accepts_replay(m: Mutants) -> None:
    call = m[kinds.ACCEPTS_REPLAY]
    text = compact(_inquiry())
    headers = signed_headers(
        call.keys.client_code, call.keys.webhook_key, ACCOUNT_INQUIRY_PATH, text
    )
    for _ in range(2):
        assert (
            call.http.post(ACCOUNT_INQUIRY_PATH, content=text, headers=headers).status_code == 200
        )


def ignores_body_on_retry(m: Mutants) -> None:
    call = m[kinds.IGNORES_BODY_ON_RETRY]
    key, body = _disburse(call)
    first = call.data(DISBURSE_PATH, body)
    other = call.post(DISBURSE_PATH, {**body, "amount": 50_000})
    assert other.status_code == 200 and other.json()["data"] == first  # not ERRPPR40901
    assert call.paid(key) == (1, 600_000)


def matches_any_nik(m: Mutants) -> None:
    call = m[kinds.MATCHES_ANY_NIK]
    assert call.data(ACCOUNT_INQUIRY_PATH, _inquiry(OTHER_FIXTURE_NIK))["nik_match"] is True
    unverified = {**_inquiry(OTHER_FIXTURE_NIK), "account_number": "0899000000002"}
    assert call.data(ACCOUNT_INQUIRY_PATH, unverified)["nik_match"] is False


def returns_nik(m: Mutants) -> None:
    call = m[kinds.RETURNS_NIK]
    data = call.data(ACCOUNT_INQUIRY_PATH, _inquiry(OTHER_FIXTURE_NIK))
    assert data["nik"] == FIXTURE_NIK and data["nik_match"] is False


def pays_unknown_account(m: Mutants) -> None:
    call = m[kinds.PAYS_UNKNOWN_ACCOUNT]
    unknown = call.get("/_sim/fixtures")["unknown_account_number"]
    key, body = _disburse(call, unknown)
    assert call.data(DISBURSE_PATH, body)["status"] == "SUCCESS"  # not FAILED ERRPPR40401
    assert call.paid(key) == (1, 600_000)


def never_calls_back(m: Mutants) -> None:
    call = m[kinds.NEVER_CALLS_BACK]
    key, body = _disburse(call)
    assert call.data(DISBURSE_PATH, body)["status"] == "SUCCESS"
    _drained(call)
    assert m.receiver.of(key) == [] and call.paid(key) == (1, 600_000)


def invents_unknown_status(m: Mutants) -> None:
    call = m[kinds.INVENTS_UNKNOWN_STATUS]
    answer = call.post(STATUS_PATH, {"disbursement_id": "DSB-NEVER-SENT"})
    assert answer.status_code == 200 and answer.json()["data"]["status"] == "PENDING"


def statement_pages_overlap(m: Mutants) -> None:
    call = m[kinds.STATEMENT_PAGES_OVERLAP]
    keys = []
    for _ in range(3):
        key, body = _disburse(call, amount=10_000)
        call.data(DISBURSE_PATH, body)
        keys.append(key)
    whole, paged = _statement_ids(call), _statement_ids(call, limit=2)
    assert whole == keys and len(paged) > len(whole) and set(paged) == set(whole)


def crashes_on_bad_body(m: Mutants) -> None:
    call = m[kinds.CRASHES_ON_BAD_BODY]
    answer = call.post(ACCOUNT_INQUIRY_PATH, {"account_type": "EWALLET"})
    assert answer.status_code == 500 and answer.json()["code"] == "ERRPPR50001"


CHECKS: dict[str, Callable[[Mutants], None]] = {
    kinds.PAYS_TWICE_ON_RETRY: pays_twice_on_retry,
    kinds.IGNORES_SIGNATURE: ignores_signature,
    kinds.UNSIGNED_CALLBACKS: unsigned_callbacks,
    kinds.SUCCESS_WITHOUT_PAYING: success_without_paying,
    kinds.REORDERS_CALLBACKS: reorders_callbacks,
    kinds.IGNORES_TIMESTAMP: ignores_timestamp,
    kinds.ACCEPTS_REPLAY: accepts_replay,
    kinds.IGNORES_BODY_ON_RETRY: ignores_body_on_retry,
    kinds.MATCHES_ANY_NIK: matches_any_nik,
    kinds.RETURNS_NIK: returns_nik,
    kinds.PAYS_UNKNOWN_ACCOUNT: pays_unknown_account,
    kinds.NEVER_CALLS_BACK: never_calls_back,
    kinds.INVENTS_UNKNOWN_STATUS: invents_unknown_status,
    kinds.STATEMENT_PAGES_OVERLAP: statement_pages_overlap,
    kinds.CRASHES_ON_BAD_BODY: crashes_on_bad_body,
}


@pytest.mark.parametrize("name", [m.name for m in kinds.MUTANTS])
def test_each_mutant_is_wrong_in_the_way_its_name_says(mutants: Mutants, name: str) -> None:
    CHECKS[name](mutants)


def test_every_mutant_has_its_check_and_names_a_pp_requirement() -> None:
    assert set(CHECKS) == {m.name for m in kinds.MUTANTS}
    for mutant in kinds.MUTANTS:
        assert mutant.requirement is not None and re.fullmatch(
            r"PP-[A-Z]+-\d{3}", mutant.requirement
        )
    assert kinds.BANK.mutants == kinds.EWALLET.mutants == kinds.MUTANTS
