"""Reconciliation: a partner's statement of a day against Prakerja's ledger; every difference is
reported (missing on either side, amount, status), stored, and readable over the API and CLI."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from contract.endpoints import RECONCILE, RECONCILIATION, Role
from contract.payouts import DISBURSE_PATH
from prakerja_cli.main import app
from reference_server.partners import set_urls
from reference_server.runtime import Runtime
from reference_server.services.payouts import run_due
from reference_server.storage import tables as t
from reference_server.storage.db import transaction
from simulators.payment.launch import Credentials
from tests.factories import Partner, Partners, assert_api_error, success_data
from tests.reference_server.payouts_support import (
    Sim,
    card_holder,
    linked,
    owe,
    running_partners,
    wait_for,
)
from tests.simulators.payment_support import Prakerja

TODAY = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()


@pytest.fixture(scope="module")
def office(partners: Partners) -> Partner:
    return partners.add(role=Role.PMO)


@pytest.fixture(scope="module")
def paid(runtime: Runtime, server_url: str) -> Iterator[tuple[Sim, list[str]]]:
    """A partner that paid three card holders today; their disbursement ids."""
    with (
        running_partners(runtime, server_url, ("dana",)) as sims,
        httpx.Client(base_url=server_url) as http,
    ):
        sim = sims["dana"]
        holders = [card_holder(runtime, http) for _ in range(3)]
        for holder in holders:
            linked(sim, holder)
            owe(runtime, holder)
        run_due(runtime)

        def settled() -> list[str]:
            with runtime.sessions() as session:
                ids = session.scalars(
                    select(t.Disbursement.disbursement_id).where(
                        t.Disbursement.card_id.in_([h.card_id for h in holders]),
                        t.Disbursement.state == "PAID",
                    )
                ).all()
            return list(ids) if len(ids) == 3 else []

        yield sim, wait_for(settled, what="three payments")


def _reconcile(office: Partner, sim: Sim) -> dict[str, Any]:
    return dict(
        success_data(
            office.post(RECONCILE.path, {"partner_code": sim.code, "date": TODAY.isoformat()})
        )
    )


def test_a_clean_day_matches_line_for_line(office: Partner, paid: tuple[Sim, list[str]]) -> None:
    sim, ids = paid
    report = _reconcile(office, sim)
    assert report["mismatch_count"] == 0 and report["mismatches"] == []
    assert report["matched"] == report["statement_entries"] == report["ledger_entries"] == 3
    assert report["partner_success_amount"] == report["ledger_paid_amount"] == 3 * 600_000


def test_every_kind_of_difference_is_found_and_kept(
    runtime: Runtime, office: Partner, paid: tuple[Sim, list[str]]
) -> None:
    sim, (amount_changed, status_changed, _) = paid
    with transaction(runtime.sessions) as session:  # Prakerja's record, tampered with
        session.execute(
            update(t.Disbursement)
            .where(t.Disbursement.disbursement_id == amount_changed)
            .values(amount=650_000)
        )
        session.execute(
            update(t.Disbursement)
            .where(t.Disbursement.disbursement_id == status_changed)
            .values(state="FAILED")
        )
        template = session.scalars(
            select(t.Disbursement).where(t.Disbursement.disbursement_id == amount_changed)
        ).one()
        ghost = "DSB-" + secrets.token_hex(8).upper()
        session.add(
            t.Disbursement(
                disbursement_id=ghost,
                step_id=template.step_id,
                card_id=template.card_id,
                partner_id=template.partner_id,
                link_id=template.link_id,
                account_type=template.account_type,
                account_number=template.account_number,
                amount=600_000,
                description="tampered",
                state="FAILED",  # not live: the step keeps its one live disbursement
                partner_final_at=template.partner_final_at,
            )
        )
    # And money the partner sent that Prakerja never asked for (signed with the webhook key).
    keys = Credentials(sim.code, sim.creds.sign_key, sim.creds.webhook_key)
    stranger = Prakerja(sim.url, keys)
    try:
        number = sim.put_account(account_number="081277770000", holder_name="Orang Lain")
        unknown = "DSB-" + secrets.token_hex(8).upper()
        stranger.data(
            DISBURSE_PATH,
            {
                "disbursement_id": unknown,
                "account_type": "EWALLET",
                "account_number": number,
                "amount": 50_000,
                "description": "bukan dari Prakerja",
            },
        )
    finally:
        stranger.close()
    report = _reconcile(office, sim)
    found = {(m["kind"], m["disbursement_id"]) for m in report["mismatches"]}
    assert found == {
        ("AMOUNT", amount_changed),
        ("STATUS", status_changed),
        ("MISSING_AT_PARTNER", ghost),
        ("MISSING_AT_PRAKERJA", unknown),
    }
    assert report["mismatch_count"] == 4 and report["statement_entries"] == 4
    stored = success_data(
        office.post(RECONCILIATION.path, {"partner_code": sim.code, "date": TODAY.isoformat()})
    )
    assert stored == report


def test_the_cli_shows_and_fails_on_mismatches(
    office: Partner, paid: tuple[Sim, list[str]]
) -> None:
    sim, _ = paid
    env = {
        "PRAKERJA_CLIENT_CODE": office.creds.client_code,
        "PRAKERJA_SIGN_KEY": office.creds.sign_key,
        "PRAKERJA_SANDBOX_URL": str(office.client.http.base_url),
    }
    runner = CliRunner()
    shown = runner.invoke(
        app, ["payouts", "report", sim.code, "--date", TODAY.isoformat()], env=env
    )
    assert shown.exit_code == 0, shown.output
    assert "mismatch" in shown.output
    strict = [
        "payouts",
        "reconcile",
        sim.code,
        "--date",
        TODAY.isoformat(),
        "--fail-on-mismatch",
        "--json",
    ]
    result = runner.invoke(app, strict, env=env)
    found = json.loads(result.output)["mismatch_count"]
    assert result.exit_code == (3 if found else 0), result.output
    summary = runner.invoke(app, ["payouts", "summary", "--partner", sim.code, "--json"], env=env)
    assert (
        summary.exit_code == 0
        and json.loads(summary.output)["partners"][0]["partner_code"] == sim.code
    )


def test_a_day_to_come_or_an_unknown_partner_is_refused(
    office: Partner, paid: tuple[Sim, list[str]]
) -> None:
    sim, _ = paid
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert_api_error(
        office.post(RECONCILE.path, {"partner_code": sim.code, "date": tomorrow}), "ERRINC40012"
    )
    assert_api_error(
        office.post(RECONCILE.path, {"partner_code": "pp-nobody", "date": TODAY.isoformat()}),
        "ERRINC40401",
        404,
    )
    yesterday = (TODAY - dt.timedelta(days=400)).isoformat()
    assert_api_error(
        office.post(RECONCILIATION.path, {"partner_code": sim.code, "date": yesterday}),
        "ERRINC40404",
        404,
    )


def test_the_daily_job_reconciles_every_partner_and_retries_the_ones_that_failed(
    new_database: Callable[[], str],
) -> None:
    from cryptography.fernet import Fernet

    from reference_server.app import prepare
    from reference_server.outbox import Job, RetryLater
    from reference_server.services.reconciliation import RECONCILE_JOB, DailyReconciliation
    from reference_server.settings import ServerSettings
    from simulators.payment.launch import running_payment_partners
    from simulators.payment.partners import BY_INSTANCE
    from tests.reference_server.payouts_support import payment_partner

    settings = ServerSettings(
        database_url=new_database(), secret_key=Fernet.generate_key().decode(), seed_fixtures=False
    )
    runtime = Runtime(settings)
    try:
        prepare(runtime)
        up, down = payment_partner(runtime, name="BCA"), payment_partner(runtime, name="Mati")
        keys = {"bca": Credentials(up.client_code, up.sign_key, up.webhook_key)}
        with running_payment_partners(None, None, keys, specs=(BY_INSTANCE["bca"],)) as urls:
            with transaction(runtime.sessions) as session:
                set_urls(session, up.client_code, base_url=urls["bca"])
            job = Job(1, RECONCILE_JOB, TODAY.isoformat(), None, 1, "test")
            with pytest.raises(RetryLater) as retry:
                DailyReconciliation(runtime, runtime.partner_api)(job)
        assert down.client_code in retry.value.reason and up.client_code not in retry.value.reason
        with runtime.reads() as session:
            days = session.scalars(
                select(t.Reconciliation.day)
                .join(t.Partner, t.Partner.id == t.Reconciliation.partner_id)
                .where(t.Partner.client_code == up.client_code)
            ).all()
        assert days == [TODAY]
    finally:
        runtime.close()
