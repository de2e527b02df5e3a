"""Partner registration: issue credentials, register redirect URIs, seed the partner's fixtures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.endpoints import Role
from reference_server import audit, fixtures
from reference_server.keys import KeyBox, new_client_code, new_sign_key
from reference_server.storage.tables import Partner, PartnerRedirectUri


@dataclass(frozen=True)
class Credentials:
    """What a new partner receives once; the sign key is not shown again."""

    client_code: str
    sign_key: str  # the partner signs its calls to Prakerja with it
    role: str
    name: str
    redirect_uris: tuple[str, ...]
    webhook_key: str = ""  # Prakerja signs its calls and webhooks to the partner with it
    base_url: str | None = None
    webhook_url: str | None = None


def add_partner(
    session: Session,
    keys: KeyBox,
    *,
    role: Role,
    name: str,
    redirect_uris: tuple[str, ...] = (),
    client_code: str | None = None,
    base_url: str | None = None,
    webhook_url: str | None = None,
    actor: str = "pmo-cli",
) -> Credentials:
    """Register a partner, issue its two keys and seed its fixtures."""
    name = name.strip()
    if not name:
        raise ValueError("name must not be empty")
    code = client_code or new_client_code(role.value)
    if session.scalar(select(Partner.id).where(Partner.client_code == code)) is not None:
        raise ValueError(f"client_code {code!r} is taken")
    sign_key, webhook_key = new_sign_key(), new_sign_key()
    partner = Partner(
        client_code=code,
        name=name,
        role=role.value,
        sign_key_enc=keys.seal(sign_key),
        webhook_key_enc=keys.seal(webhook_key),
        base_url=_url(base_url),
        webhook_url=_url(webhook_url),
    )
    session.add(partner)
    session.flush()
    for uri in dict.fromkeys(redirect_uris):
        session.add(PartnerRedirectUri(partner_id=partner.id, uri=uri))
    audit.record(session, "partner", code, "created", actor, role=role.value, name=name)
    fixtures.ensure_partner_fixtures(session, partner)
    return Credentials(
        code,
        sign_key,
        role.value,
        name,
        tuple(dict.fromkeys(redirect_uris)),
        webhook_key,
        partner.base_url,
        partner.webhook_url,
    )


def _url(url: str | None) -> str | None:
    if url is None:
        return None
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) > 2048:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def _partner(session: Session, client_code: str) -> Partner:
    partner = session.scalars(
        select(Partner).where(Partner.client_code == client_code)
    ).one_or_none()
    if partner is None:
        raise ValueError(f"unknown client_code {client_code!r}")
    return partner


def set_urls(
    session: Session,
    client_code: str,
    *,
    base_url: str | None = None,
    webhook_url: str | None = None,
    actor: str = "pmo-cli",
) -> None:
    """Point Prakerja at a partner's own API and at its webhook receiver (None: leave as is)."""
    partner = _partner(session, client_code)
    if base_url is not None:
        partner.base_url = _url(base_url)
    if webhook_url is not None:
        partner.webhook_url = _url(webhook_url)
    audit.record(
        session, "partner", client_code, "urls_set", actor, base_url=partner.base_url,
        webhook_url=partner.webhook_url,
    )  # fmt: skip


def webhook_key(session: Session, keys: KeyBox, partner: Partner) -> str:
    """The key Prakerja signs calls to ``partner`` with; issued now for partners that predate it."""
    if partner.webhook_key_enc is None:
        partner.webhook_key_enc = keys.seal(new_sign_key())
        session.flush()
        audit.record(session, "partner", partner.client_code, "webhook_key_issued", "system")
    return keys.open(partner.webhook_key_enc)


def rotate_webhook_key(session: Session, keys: KeyBox, client_code: str) -> str:
    """Issue a new webhook key (shown once); the old one stops working at once."""
    partner = _partner(session, client_code)
    key = new_sign_key()
    partner.webhook_key_enc = keys.seal(key)
    audit.record(session, "partner", client_code, "webhook_key_rotated", "pmo-cli")
    return key


def add_redirect_uri(session: Session, client_code: str, uri: str, actor: str = "pmo-cli") -> None:
    """Register one more redirect URI for an LP."""
    partner = _partner(session, client_code)
    exists = session.scalar(
        select(PartnerRedirectUri.id).where(
            PartnerRedirectUri.partner_id == partner.id, PartnerRedirectUri.uri == uri
        )
    )
    if exists is None:
        session.add(PartnerRedirectUri(partner_id=partner.id, uri=uri))
        audit.record(session, "partner", client_code, "redirect_uri_added", actor, uri=uri)


def registered_uris(session: Session, partner_id: int) -> list[str]:
    """The URIs an LP registered."""
    return list(
        session.scalars(
            select(PartnerRedirectUri.uri).where(PartnerRedirectUri.partner_id == partner_id)
        )
    )


def list_partners(session: Session) -> list[dict[str, object]]:
    """Every partner, without secrets."""
    rows = session.scalars(select(Partner).order_by(Partner.id)).all()
    return [
        {
            "client_code": p.client_code,
            "name": p.name,
            "role": p.role,
            "active": p.active,
            "builtin": p.builtin,
            "redirect_uris": registered_uris(session, p.id),
            "base_url": p.base_url,
            "webhook_url": p.webhook_url,
            "created_at": p.created_at.isoformat(),
        }
        for p in rows
    ]


def ensure_partner(
    session: Session,
    keys: KeyBox,
    *,
    role: Role,
    name: str,
    client_code: str,
    redirect_uris: tuple[str, ...] = (),
    base_url: str | None = None,
    webhook_url: str | None = None,
    actor: str = "prakerja-up",
) -> Credentials:
    """A partner the sandbox itself runs (a simulator): registered the first time, its same keys
    every time after, its URLs and redirect URIs brought up to date."""
    partner = session.scalars(
        select(Partner).where(Partner.client_code == client_code)
    ).one_or_none()
    if partner is None:
        return add_partner(
            session,
            keys,
            role=role,
            name=name,
            redirect_uris=redirect_uris,
            client_code=client_code,
            base_url=base_url,
            webhook_url=webhook_url,
            actor=actor,
        )
    if partner.role != role.value:
        raise ValueError(f"{client_code} is a {partner.role}, not a {role.value}")
    for uri in redirect_uris:
        add_redirect_uri(session, client_code, uri, actor)
    if base_url is not None or webhook_url is not None:
        set_urls(session, client_code, base_url=base_url, webhook_url=webhook_url, actor=actor)
    return Credentials(
        client_code,
        keys.open(partner.sign_key_enc),
        partner.role,
        partner.name,
        tuple(registered_uris(session, partner.id)),
        webhook_key(session, keys, partner),
        partner.base_url,
        partner.webhook_url,
    )
