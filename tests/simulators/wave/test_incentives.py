"""The simulated people's side of linking, against a real e-wallet simulator over HTTP."""

from __future__ import annotations

import asyncio
import secrets

import httpx

from simulators.payment.accounts import FIXTURE_NAME, FIXTURE_NIK
from simulators.payment.launch import Credentials, running_payment_partners
from simulators.payment.partners import BY_INSTANCE
from simulators.wave.behaviour import Rates, decide
from simulators.wave.driver import NoProgress, Office, Person, Stages
from simulators.wave.ecosystem import Ecosystem, Instance
from simulators.wave.funnel import Funnel
from simulators.wave.http import Api, Signer
from simulators.wave.incentives import Payouts

NIK, NAME = FIXTURE_NIK, FIXTURE_NAME  # a person the simulated civil registry knows


def test_a_refused_e_wallet_verification_ends_that_persons_linking_not_the_run() -> None:
    """Someone else verified a wallet with this person's NIK: the partner refuses to verify
    theirs (ERRAPP40901); the simulated person links nothing and the funnel says why."""
    keys = Credentials(f"pp-{secrets.token_hex(6)}", secrets.token_urlsafe(32), "w" * 43)
    with running_payment_partners(None, None, {"ovo": keys}, specs=[BY_INSTANCE["ovo"]]) as urls:
        url = urls["ovo"]
        basic = {"holder_name": NAME, "kyc_level": "UNVERIFIED", "account_number": "081200000001"}
        theirs = {"holder_name": NAME, "nik": NIK, "account_number": "081200000002"}
        for account in (basic, theirs):
            assert httpx.post(f"{url}/_sim/accounts", json=account).status_code == 200
        ecosystem = Ecosystem(
            sandbox_url="http://127.0.0.1:9",
            population="unused.csv",
            pmo_client_code="pmo-x",
            pmo_sign_key="k",
            simulators=(
                Instance(
                    kind="payment-partner", instance="ovo", url=url, client_code=keys.client_code
                ),
            ),
        )
        funnel = Funnel(seed=7, people=1, scheme="semi_bansos")

        async def upgrade() -> bool:
            api = Api(ecosystem.sandbox_url, concurrency=2)
            try:
                payouts = Payouts(
                    api,
                    Office(api, Signer("pmo-x", "k")),
                    funnel,
                    Stages(funnel, NoProgress(), 2),
                    ecosystem,
                )
                row = {"phone": "081200000001", "nik": NIK, "name": NAME}
                person = Person(row=row, choices=decide(Rates(), 7, NIK))
                return await payouts._upgrade(ecosystem.simulators[0], person)
            finally:
                await api.close()

        assert asyncio.run(upgrade()) is False
    assert funnel.problems == {"e-wallet verification refused by ovo: ERRAPP40901": 1}
