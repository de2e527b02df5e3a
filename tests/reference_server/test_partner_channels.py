"""Both directions of signing: a partner's sign key and the webhook key Prakerja signs with."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from contract.endpoints import Role
from reference_server.partners import add_partner, rotate_webhook_key, set_urls, webhook_key
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import Partner


def test_a_partner_gets_two_distinct_keys_stored_only_encrypted(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        creds = add_partner(
            session,
            runtime.keys,
            role=Role.PP,
            name="E-wallet Uji",
            base_url="http://127.0.0.1:8401/",
            webhook_url="http://127.0.0.1:8401/webhooks",
        )
    assert creds.webhook_key and creds.webhook_key != creds.sign_key
    assert creds.base_url == "http://127.0.0.1:8401"  # trailing slash dropped
    with transaction(runtime.sessions) as session:
        row = session.scalars(select(Partner).where(Partner.client_code == creds.client_code)).one()
        assert creds.webhook_key not in (row.webhook_key_enc or "")
        assert webhook_key(session, runtime.keys, row) == creds.webhook_key


def test_a_partner_made_before_webhook_keys_gets_one_on_first_use(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        creds = add_partner(session, runtime.keys, role=Role.JP, name="Portal Lama")
        row = session.scalars(select(Partner).where(Partner.client_code == creds.client_code)).one()
        row.webhook_key_enc = None
    with transaction(runtime.sessions) as session:
        row = session.scalars(select(Partner).where(Partner.client_code == creds.client_code)).one()
        first = webhook_key(session, runtime.keys, row)
    with transaction(runtime.sessions) as session:
        row = session.scalars(select(Partner).where(Partner.client_code == creds.client_code)).one()
        assert webhook_key(session, runtime.keys, row) == first


def test_urls_must_be_http_and_rotation_replaces_the_key(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        creds = add_partner(session, runtime.keys, role=Role.PP, name="Bank Uji")
    with pytest.raises(ValueError, match="not an http"), transaction(runtime.sessions) as session:
        set_urls(session, creds.client_code, base_url="ftp://bank.example")
    with transaction(runtime.sessions) as session:
        set_urls(session, creds.client_code, base_url="https://bank.example/api")
        new = rotate_webhook_key(session, runtime.keys, creds.client_code)
    with transaction(runtime.sessions) as session:
        row = session.scalars(select(Partner).where(Partner.client_code == creds.client_code)).one()
        assert row.base_url == "https://bank.example/api"
        assert new != creds.webhook_key and webhook_key(session, runtime.keys, row) == new


def test_a_partner_the_sandbox_runs_keeps_its_keys_from_one_start_to_the_next(
    runtime: Runtime,
) -> None:
    from reference_server.partners import ensure_partner

    code = f"pp-test-{secrets.token_hex(3)}"
    with transaction(runtime.sessions) as session:
        first = ensure_partner(session, runtime.keys, role=Role.PP, name="Uji", client_code=code)
    with transaction(runtime.sessions) as session:
        again = ensure_partner(
            session,
            runtime.keys,
            role=Role.PP,
            name="Uji",
            client_code=code,
            base_url="http://127.0.0.1:8401",
        )
    assert (again.sign_key, again.webhook_key) == (first.sign_key, first.webhook_key)
    assert again.base_url == "http://127.0.0.1:8401"
    with pytest.raises(ValueError, match="not a dp"), transaction(runtime.sessions) as session:
        ensure_partner(session, runtime.keys, role=Role.DP, name="Uji", client_code=code)
